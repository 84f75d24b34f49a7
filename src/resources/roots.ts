/**
 * Which folder an audit may read resources from: a configured root, or a folder inside one.
 * TODO(issue 4): harden (symlinks, per-path validation) and add the resource tools.
 */
import { realpathSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { AuditError } from "../audit/errors.js";

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** Resolves start_audit's `resources_dir` against the configured roots, or refuses it. */
export function resolveAuditResourcesDir(roots: string[], requested: string | undefined): string | null {
  if (requested === undefined) return roots.length > 0 ? realpathSync(roots[0]!) : null;
  if (roots.length === 0) {
    throw new AuditError("config", "No resources root is configured on this server, so resources_dir cannot be used. Start the server with --resources-dir DIR (or PETRI_RESOURCES_DIR).");
  }
  if (requested.includes("\0")) throw new AuditError("invalid", "resources_dir contains a NUL byte.");
  for (const root of roots) {
    const realRoot = realpathSync(root);
    const candidate = resolve(realRoot, requested);
    let real: string;
    try {
      real = realpathSync(candidate);
    } catch {
      continue;
    }
    if (inside(realRoot, real) && statSync(real).isDirectory()) return real;
  }
  throw new AuditError("invalid", `resources_dir '${requested}' is not a folder inside the configured resources roots (${roots.join(", ")}). Give a path relative to a root.`);
}
