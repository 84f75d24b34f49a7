/**
 * Resolving a resource path the auditor gave against the audit's resources folder, refusing
 * anything that would leave it. A path is resolved lexically (so `..` cannot climb out), then with
 * realpath (so no symbolic link can lead out); both results must stay inside the folder.
 */
import { realpathSync, type Stats, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { AuditError } from "../audit/errors.js";
import { isInside } from "../util/paths.js";

export interface ResolvedResource {
  /** The real path on disk (symbolic links resolved). */
  absolute: string;
  /** The path as the auditor gave it, normalised, relative to the folder ("" for the folder itself). */
  relative: string;
  stats: Stats;
}

export { isInside };

/** A path for messages: quoted, control characters visible, long paths shortened. */
export function showPath(path: string): string {
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return JSON.stringify(shown === "" ? "." : shown);
}

/** Forward slashes, whatever the platform: the form shown to the auditor and the target. */
export function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}

function invalid(message: string): AuditError {
  return new AuditError("invalid", message);
}

/** Refuses path strings that are malformed before any file system access. */
export function checkPathSyntax(path: string): void {
  if (path.includes("\0")) throw invalid(`Path ${showPath(path)} contains a NUL byte, which no file name can hold. Give a plain relative path such as 'codebases/app/README.md'.`);
  if (/[\u0001-\u001f\u007f]/.test(path)) throw invalid(`Path ${showPath(path)} contains control characters (such as a newline or tab). Give a plain relative path; list_directory shows the exact names.`);
  if (isAbsolute(path)) {
    throw invalid(
      `Path ${showPath(path)} is absolute. Resource paths are relative to the audit's resources folder (for example 'codebases/app/README.md'); call list_directory with no path to see its top level.`,
    );
  }
}

export function describeKind(stats: Stats): string {
  if (stats.isDirectory()) return "a folder";
  if (stats.isFile()) return "a file";
  if (stats.isFIFO()) return "a named pipe (FIFO)";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device file";
  return "a special file";
}

/** The `code` of a Node file-system error (ENOENT, ELOOP...). */
export function fsErrorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : undefined;
}

/**
 * Resolves `requested` (relative to `root`, which must already be a real path) to a file or
 * folder inside `root`, or throws an AuditError that says what was wrong.
 */
export function resolveResource(root: string, requested: string): ResolvedResource {
  checkPathSyntax(requested);
  const lexical = resolve(root, requested);
  if (!isInside(root, lexical)) {
    throw invalid(`Path ${showPath(requested)} leads outside the audit's resources folder ('..' cannot climb above it). Give a path inside the folder; list_directory shows what is there.`);
  }
  const shown = toPosix(relative(root, lexical));
  let real: string;
  try {
    real = realpathSync(lexical);
  } catch (error) {
    const code = fsErrorCode(error);
    if (code === "ENOENT") {
      throw new AuditError("not_found", `No file or folder ${showPath(shown)} in the resources folder. Paths are case-sensitive and are not URL-decoded; list_directory shows what is there.`);
    }
    if (code === "ENOTDIR") throw invalid(`Path ${showPath(shown)} goes through a file as if it were a folder. Check the path with list_directory.`);
    if (code === "ELOOP") throw invalid(`Path ${showPath(shown)} is a loop of symbolic links and cannot be opened. Choose another file.`);
    if (code === "EACCES") throw invalid(`Path ${showPath(shown)} cannot be opened: permission denied. Choose another file.`);
    throw invalid(`Path ${showPath(shown)} cannot be resolved (${code ?? "unknown error"}). Check it with list_directory.`);
  }
  if (!isInside(root, real)) {
    throw invalid(`Path ${showPath(shown)} is a symbolic link (or goes through one) that points outside the audit's resources folder, so it cannot be read. Choose a file inside the folder.`);
  }
  let stats: Stats;
  try {
    stats = statSync(real);
  } catch (error) {
    throw invalid(`Path ${showPath(shown)} cannot be inspected (${fsErrorCode(error) ?? "unknown error"}).`);
  }
  return { absolute: real, relative: shown, stats };
}

/** A regular file inside `root`, or a clear refusal (folder, device, pipe, socket...). */
export function resolveResourceFile(root: string, requested: string): ResolvedResource {
  const found = resolveResource(root, requested);
  if (found.stats.isDirectory()) {
    throw invalid(`${showPath(found.relative)} is a folder, not a file. Call list_directory on it to see its files.`);
  }
  if (!found.stats.isFile()) {
    throw invalid(`${showPath(found.relative)} is ${describeKind(found.stats)}, not a regular file; only regular files can be read or sent. Choose another file.`);
  }
  if (requested.endsWith("/")) throw invalid(`Path ${showPath(requested)} ends with '/' but ${showPath(found.relative)} is a file. Drop the trailing '/'.`);
  return found;
}

/** A folder inside `root`, or a clear refusal. */
export function resolveResourceDirectory(root: string, requested: string): ResolvedResource {
  const found = resolveResource(root, requested);
  if (found.stats.isFile()) throw invalid(`${showPath(found.relative)} is a file, not a folder. Read it with read_file.`);
  if (!found.stats.isDirectory()) throw invalid(`${showPath(found.relative)} is ${describeKind(found.stats)}, not a folder.`);
  return found;
}
