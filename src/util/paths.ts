import { homedir } from "node:os";
import { isAbsolute, join, relative, sep } from "node:path";

/** True when `path` is `root` or lies below it. Both must be absolute and normalised. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!isAbsolute(rel) && rel !== ".." && !rel.startsWith(`..${sep}`));
}

/** `~` and `~/…` as paths under the home folder; anything else unchanged. */
export function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}
