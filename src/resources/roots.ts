/**
 * Which folder an audit may read resources from. The operator configures one or more roots
 * (--resources-dir, PETRI_RESOURCES_DIR); an audit's resources folder is a root or a folder inside
 * one, checked after symbolic links are resolved, both when the audit starts and on every use (the
 * store may be shared with a server configured with other roots).
 */
import { realpathSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { AuditError } from "../audit/errors.js";
import { isInside, showPath } from "./sandbox.js";

const HOW_TO_CONFIGURE = "Start the server with --resources-dir DIR (repeatable) or PETRI_RESOURCES_DIR (several folders separated by the path delimiter); `petri-mcp resources init DIR` creates one.";

/** The real path of a configured root, or a configuration error when it is missing or not a folder. */
export function realRoot(root: string): string {
  let real: string;
  try {
    real = realpathSync(root);
  } catch {
    throw new AuditError("config", `The resources root ${showPath(root)} configured on this server does not exist. Fix --resources-dir / PETRI_RESOURCES_DIR and restart the server.`);
  }
  if (!statSync(real).isDirectory()) {
    throw new AuditError("config", `The resources root ${showPath(root)} configured on this server is not a folder. Fix --resources-dir / PETRI_RESOURCES_DIR and restart the server.`);
  }
  return real;
}

/**
 * Resolves start_audit's `resources_dir` against the configured roots, or refuses it. Without one,
 * the audit gets the first root (null when no root is configured). A relative path is tried
 * against each root in order; an absolute one must lie inside a root.
 */
export function resolveAuditResourcesDir(roots: string[], requested: string | undefined): string | null {
  if (requested === undefined) return roots.length > 0 ? realRoot(roots[0]!) : null;
  if (roots.length === 0) {
    throw new AuditError("config", `No resources root is configured on this server, so resources_dir cannot be used. ${HOW_TO_CONFIGURE}`);
  }
  if (requested.includes("\0") || /[\u0001-\u001f\u007f]/.test(requested)) {
    throw new AuditError("invalid", `resources_dir ${showPath(requested)} contains a NUL byte or control characters. Give a plain folder path relative to a resources root.`);
  }
  let problem = "does not exist in any resources root";
  for (const root of roots) {
    const base = realRoot(root);
    const candidate = resolve(base, requested);
    if (!isInside(base, candidate)) {
      problem = "leads outside the resources roots";
      continue;
    }
    let real: string;
    try {
      real = realpathSync(candidate);
    } catch {
      continue;
    }
    if (!isInside(base, real)) {
      problem = "is a symbolic link that points outside the resources roots";
      continue;
    }
    if (!statSync(real).isDirectory()) {
      problem = "is not a folder";
      continue;
    }
    return real;
  }
  throw new AuditError(
    "invalid",
    `resources_dir ${showPath(requested)} ${problem}. Give a folder relative to a resources root configured on this server (${roots.map((r) => showPath(r)).join(", ")}), or leave resources_dir out to use the first root.`,
  );
}

/**
 * The resources folder of an audit, checked again against this server's roots: a client must never
 * read outside what this server's operator allowed, even for an audit created elsewhere.
 */
export function requireAuditResourcesDir(roots: string[], auditId: string, resourcesDir: string | null): string {
  if (resourcesDir === null) {
    throw new AuditError(
      "config",
      `Audit ${auditId} has no resources folder, so the resource tools cannot be used with it. ${HOW_TO_CONFIGURE} Then start a new audit (it uses the first root, or pass resources_dir).`,
    );
  }
  let real: string;
  try {
    real = realpathSync(resourcesDir);
  } catch {
    throw new AuditError("config", `The resources folder of audit ${auditId} (${showPath(resourcesDir)}) no longer exists. Start a new audit with an existing resources_dir.`);
  }
  for (const root of roots) {
    let base: string;
    try {
      base = realRoot(root);
    } catch {
      continue;
    }
    if (isInside(base, real)) return real;
  }
  throw new AuditError(
    "config",
    `The resources folder of audit ${auditId} (${showPath(resourcesDir)}) is not inside the resources roots configured on this server${roots.length > 0 ? "" : " (none are)"}, so it cannot be read here. ${HOW_TO_CONFIGURE}`,
  );
}
