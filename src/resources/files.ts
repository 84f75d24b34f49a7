/**
 * Reading resource files and folders safely: only regular files, opened without following a
 * symbolic link, and the open descriptor proved to be the checked file inside the resources folder
 * (src/util/verified-fs.ts), so a folder swapped for a link after resolution leads nowhere. Files
 * are size-capped and refused when binary; folders are listed through their checked descriptor.
 */
import { closeSync, type Dirent, fstatSync, openSync, readSync } from "node:fs";
import { type FileHandle, open, readdir } from "node:fs/promises";
import { AuditError } from "../audit/errors.js";
import { folderRef, isFolderInside, isOpenInside, OPEN_DIR_FLAGS, READ_FILE_FLAGS } from "../util/verified-fs.js";
import { fsErrorCode, resolveResourceFile, showPath } from "./sandbox.js";

/** Files above this size are neither read nor sent. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** A NUL byte in this many leading bytes marks a file as binary (as git and grep decide). */
export const BINARY_SNIFF_BYTES = 8 * 1024;

export type FileContent =
  | { kind: "text"; text: string; size: number }
  | { kind: "binary"; size: number }
  | { kind: "too_big"; size: number }
  | { kind: "not_regular" }
  /** The opened file is not the checked one (a folder on its path was swapped meanwhile). */
  | { kind: "moved" };

/**
 * Reads a file at a real path that was already resolved inside the real folder `root`, after
 * proving the descriptor is that file. Reports what it found instead of throwing, so a search can
 * skip what a read refuses.
 */
export async function readRegularFile(root: string, realPath: string, maxBytes = MAX_FILE_BYTES): Promise<FileContent> {
  const handle = await open(realPath, READ_FILE_FLAGS);
  try {
    if (!isOpenInside(handle.fd, root, realPath)) return { kind: "moved" };
    const stats = await handle.stat();
    if (!stats.isFile()) return { kind: "not_regular" };
    if (stats.size > maxBytes) return { kind: "too_big", size: stats.size };
    // Read one byte more than allowed, so a file that grew since fstat is still caught.
    const buffer = Buffer.alloc(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) return { kind: "too_big", size: length };
    const bytes = buffer.subarray(0, length);
    if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return { kind: "binary", size: length };
    return { kind: "text", text: bytes.toString("utf8"), size: length };
  } finally {
    await handle.close();
  }
}

/**
 * The entries of the folder at `realDir` (a real path inside the real folder `root`), listed
 * through a descriptor proved to be that folder; null when it cannot be opened or was swapped.
 */
export async function readVerifiedDir(root: string, realDir: string): Promise<Dirent[] | null> {
  let handle: FileHandle | null = null;
  try {
    if (process.platform !== "win32") handle = await open(realDir, OPEN_DIR_FLAGS);
  } catch {
    return null;
  }
  const folder = handle?.fd ?? null;
  try {
    if (!isFolderInside(folder, root, realDir)) return null;
    const entries = await readdir(folderRef(folder, realDir), { withFileTypes: true });
    // Without /proc the listing went through the path: check it still names the same folder.
    return isFolderInside(folder, root, realDir) ? entries : null;
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}

export interface TextHead {
  text: string;
  /** Size of the whole file in bytes. */
  size: number;
  /** True when the file is longer than what was read. */
  cut: boolean;
}

/**
 * The first `maxBytes` of the text file `requested` inside `root` (synchronous, for building a
 * prompt), or null when it is missing, not a regular text file, or was swapped while opened.
 */
export function readTextHeadSync(root: string, requested: string, maxBytes: number): TextHead | null {
  let fd: number;
  let realPath: string;
  try {
    realPath = resolveResourceFile(root, requested).absolute;
    fd = openSync(realPath, READ_FILE_FLAGS);
  } catch {
    return null;
  }
  try {
    if (!isOpenInside(fd, root, realPath)) return null;
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(size, maxBytes));
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, length);
      if (read === 0) break;
      length += read;
    }
    const bytes = buffer.subarray(0, length);
    if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return null;
    // A cut can split a multi-byte character: drop the partial one.
    return { text: bytes.toString("utf8").replace(/\uFFFD$/, ""), size, cut: size > length };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export interface TextFile {
  /** Path relative to the resources folder, as the auditor gave it (normalised). */
  path: string;
  text: string;
  size: number;
}

/** Resolves and reads a text file inside `root`, or throws an AuditError saying why it cannot. */
export async function readResourceText(root: string, requested: string): Promise<TextFile> {
  const file = resolveResourceFile(root, requested);
  let content: FileContent;
  try {
    content = await readRegularFile(root, file.absolute);
  } catch (error) {
    throw new AuditError("invalid", `${showPath(file.relative)} cannot be opened (${fsErrorCode(error) ?? "unknown error"}). Choose another file.`);
  }
  switch (content.kind) {
    case "text":
      return { path: file.relative, text: content.text, size: content.size };
    case "binary":
      throw new AuditError(
        "invalid",
        `${showPath(file.relative)} is a binary file (it contains NUL bytes), so it cannot be shown as text. Choose a text file; for a binary the target tries to read, answer with send_tool_call_result as its tool would (e.g. an error or a short description).`,
      );
    case "too_big":
      throw new AuditError(
        "invalid",
        `${showPath(file.relative)} is ${formatBytes(content.size)}, over the ${formatBytes(MAX_FILE_BYTES)} limit for resource files. A line_range does not help: the whole file would still have to be read. Choose a smaller file, or split this one into parts in the resources folder.`,
      );
    case "not_regular":
      throw new AuditError("invalid", `${showPath(file.relative)} is not a regular file. Choose another file.`);
    case "moved":
      throw new AuditError(
        "invalid",
        `${showPath(file.relative)} changed while it was being opened (a folder on its path was replaced, e.g. by a symbolic link), so nothing was read. Check the path with list_directory and try again.`,
      );
  }
}
