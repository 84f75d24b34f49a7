/**
 * Reading one resource file safely: only regular files, opened without following a symbolic link
 * swapped in after resolution, checked again on the open descriptor, size-capped, and refused when
 * binary.
 */
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { AuditError } from "../audit/errors.js";
import { fsErrorCode, resolveResourceFile, showPath } from "./sandbox.js";

/** Files above this size are neither read nor sent. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** A NUL byte in this many leading bytes marks a file as binary (as git and grep decide). */
export const BINARY_SNIFF_BYTES = 8 * 1024;

export type FileContent = { kind: "text"; text: string; size: number } | { kind: "binary"; size: number } | { kind: "too_big"; size: number } | { kind: "not_regular" };

// O_NONBLOCK: opening a FIFO swapped in after the checks must not hang the server.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Reads a file at a real path that was already resolved inside the resources folder. Reports what
 * it found instead of throwing, so a search can skip what a read refuses.
 */
export async function readRegularFile(realPath: string, maxBytes = MAX_FILE_BYTES): Promise<FileContent> {
  const handle = await open(realPath, OPEN_FLAGS);
  try {
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
    content = await readRegularFile(file.absolute);
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
  }
}
