/**
 * Writing a file inside a root folder so that no folder swapped for a symbolic link can redirect
 * it. The folders are opened one by one from the root without following links, each descriptor
 * proved to be inside the root (src/util/verified-fs.ts); the file is written to a temporary name
 * inside the last folder, through that folder's descriptor (`/proc/self/fd/<fd>/name` on Linux),
 * and renamed into place there. The folder is checked again after the temporary file is written
 * and before the rename; on any mismatch the temporary file is deleted through the same descriptor
 * and the write is refused, so no file, finished or temporary, is ever left outside the root.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { AuditError } from "../audit/errors.js";
import { fsErrorCode } from "../resources/sandbox.js";
import { closeFolderSync, type FolderHandle, folderRef, isFolderInside, O_NOFOLLOW, openFolderSync } from "../util/verified-fs.js";

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW;

function swapped(shown: string): AuditError {
  return new AuditError(
    "invalid",
    `path ${shown} changed while it was being written (a folder on it was replaced, e.g. by a symbolic link leading outside the transcripts folder). Nothing was written; try again or choose another path.`,
  );
}

/** Opens the folder `name` inside the held folder `parent` (creating it if missing), without following links. */
function openChildFolder(parent: FolderHandle, parentReal: string, name: string, shown: string): FolderHandle {
  const path = join(folderRef(parent, parentReal), name);
  try {
    mkdirSync(path);
  } catch (error) {
    if (fsErrorCode(error) !== "EEXIST") throw error;
  }
  try {
    return openFolderSync(path);
  } catch (error) {
    const code = fsErrorCode(error);
    // A link or a file where the folder was, or the folder renamed away since mkdir saw it.
    if (code === "ENOTDIR" || code === "ELOOP" || code === "ENOENT") throw swapped(shown);
    throw error;
  }
}

function writeAll(fd: number, content: string): void {
  const bytes = Buffer.from(content, "utf8");
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}

/**
 * Writes `content` to `realDir/name`, where `realDir` (created if missing) lies inside the real
 * folder `realRoot`, via a temporary file and a rename, so a watcher (the viewer) never reads half
 * a file. `shown` names the path in errors.
 */
export function writeFileInside(realRoot: string, realDir: string, name: string, content: string, shown: string): void {
  const parts = relative(realRoot, realDir).split(sep).filter((p) => p !== "");
  let current = realRoot;
  let folder = openFolderSync(realRoot);
  try {
    if (!isFolderInside(folder, realRoot, realRoot)) throw swapped(shown);
    for (const part of parts) {
      const child = openChildFolder(folder, current, part, shown);
      closeFolderSync(folder);
      folder = child;
      current = join(current, part);
      if (!isFolderInside(folder, realRoot, current)) throw swapped(shown);
    }
    const ref = folderRef(folder, current);
    const temp = join(ref, `${name}.${randomBytes(6).toString("hex")}.tmp`);
    const file = openSync(temp, CREATE_FLAGS, 0o644);
    try {
      try {
        writeAll(file, content);
      } finally {
        closeSync(file);
      }
      if (!isFolderInside(folder, realRoot, current)) throw swapped(shown);
      renameSync(temp, join(ref, name));
    } catch (error) {
      try {
        unlinkSync(temp);
      } catch {
        // Already renamed into place or gone.
      }
      // The file name turned into a folder, or the folder changed, since the path was checked.
      if (["EISDIR", "ENOTDIR", "ENOENT", "ELOOP", "ENOTEMPTY"].includes(fsErrorCode(error) ?? "")) throw swapped(shown);
      throw error;
    }
  } finally {
    closeFolderSync(folder);
  }
}
