import { isAbsolute, relative, sep } from "node:path";

/** True when `path` is `root` or lies below it. Both must be absolute and normalised. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!isAbsolute(rel) && rel !== ".." && !rel.startsWith(`..${sep}`));
}
