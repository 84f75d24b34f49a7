/**
 * Proving that an open descriptor is the file or folder that was checked. Checking a path and then
 * opening it is a race: a folder on the path can be swapped for a symbolic link in between. So the
 * sandboxes open first and check the descriptor afterwards:
 *
 * - on Linux, `/proc/self/fd/<fd>` names where the descriptor really is; it must lie inside the
 *   root. The same magic link also serves as an `openat`-style base: `${fdPath(dir)}/name` names
 *   `name` inside exactly the folder open on `dir`, whatever happens to its path meanwhile;
 * - everywhere, the descriptor's device and inode must equal a fresh `lstat` of the expected real
 *   path, and (without /proc) that path must still be its own real path.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, realpathSync } from "node:fs";
import { isInside } from "./paths.js";

export const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
export const O_DIRECTORY = constants.O_DIRECTORY ?? 0;
/** Opening a FIFO swapped in after the checks must not hang the server. */
export const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/** Flags for reading a regular file that was resolved to a real path. */
export const READ_FILE_FLAGS = constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
/** Flags for opening a folder (to list it or to create files in it). */
export const OPEN_DIR_FLAGS = constants.O_RDONLY | O_DIRECTORY | O_NOFOLLOW;

let procFd: boolean | undefined;

/** True where `/proc/self/fd/<fd>` tells where a descriptor is open (Linux with /proc mounted). */
export function hasProcFd(): boolean {
  if (procFd === undefined) {
    procFd = false;
    if (process.platform === "linux") {
      try {
        const fd = openSync("/", OPEN_DIR_FLAGS);
        try {
          procFd = readlinkSync(fdPath(fd)) === "/";
        } finally {
          closeSync(fd);
        }
      } catch {
        procFd = false;
      }
    }
  }
  return procFd;
}

/** The magic path of a descriptor; for a folder, `${fdPath(fd)}/name` is `name` inside it. */
export function fdPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}

/** Where the object open on `fd` really is (Linux), or null when that cannot be told. */
export function fdRealPath(fd: number): string | null {
  if (!hasProcFd()) return null;
  try {
    return readlinkSync(fdPath(fd));
  } catch {
    return null;
  }
}

/**
 * True when `fd` is provably open on `expected` (a real path inside the real folder `root`): the
 * descriptor's real location is inside `root` (Linux), it is the same device and inode as a fresh
 * lstat of `expected`, and (without /proc) `expected` still has no symbolic link on its way.
 */
export function isOpenInside(fd: number, root: string, expected: string): boolean {
  const proc = hasProcFd();
  if (proc) {
    const real = fdRealPath(fd);
    if (real === null || !isInside(root, real)) return false;
  }
  try {
    const opened = fstatSync(fd);
    const now = lstatSync(expected);
    if (opened.dev !== now.dev || opened.ino !== now.ino) return false;
    if (!proc && realpathSync(expected) !== expected) return false;
  } catch {
    return false;
  }
  return true;
}

/**
 * A folder held for checked use: a descriptor where folders can be opened (everywhere but
 * Windows), or null, and then the checks fall back to the folder's real path alone.
 */
export type FolderHandle = number | null;

/** Opens the folder at `realDir` without following a link (null on Windows, which cannot open folders). */
export function openFolderSync(realDir: string): FolderHandle {
  return process.platform === "win32" ? null : openSync(realDir, OPEN_DIR_FLAGS);
}

export function closeFolderSync(folder: FolderHandle): void {
  if (folder !== null) closeSync(folder);
}

/** True when the held folder is provably `realDir`, inside `root` (see isOpenInside; by real path on Windows). */
export function isFolderInside(folder: FolderHandle, root: string, realDir: string): boolean {
  if (folder !== null) return isOpenInside(folder, root, realDir);
  try {
    return isInside(root, realDir) && realpathSync.native(realDir) === realDir;
  } catch {
    return false;
  }
}

/** How to name the held folder (checked to be `realDir`) in later calls: its magic path where there is one. */
export function folderRef(folder: FolderHandle, realDir: string): string {
  return folder !== null && hasProcFd() ? fdPath(folder) : realDir;
}
