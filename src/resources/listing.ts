/**
 * Listing a folder of the resources: entries sorted by name, paged, each with its type and size.
 * A symbolic link is described by what it points to when that lies inside the folder; a link that
 * leads out (or nowhere) is shown as unreadable and what it points to is never inspected.
 */
import { lstatSync, readdirSync, realpathSync, type Stats, statSync } from "node:fs";
import { join } from "node:path";
import { AuditError } from "../audit/errors.js";
import { closeFolderSync, type FolderHandle, folderRef, isFolderInside, openFolderSync } from "../util/verified-fs.js";
import { formatBytes } from "./files.js";
import { describeKind, fsErrorCode, isInside, resolveResourceDirectory, showPath } from "./sandbox.js";

export type EntryType = "file" | "directory" | "other";

export interface DirectoryEntry {
  name: string;
  /** Path relative to the resources folder, usable with the other resource tools. */
  path: string;
  type: EntryType;
  /** Bytes, for files. */
  size: number | null;
  symlink: boolean;
  /** False for special files and for links that lead outside the folder or nowhere. */
  readable: boolean;
  /** Why an entry is unreadable, or that it is a link. */
  note: string | null;
}

export interface DirectoryPage {
  path: string;
  entries: DirectoryEntry[];
  total: number;
  offset: number;
  nextOffset: number | null;
}

export const DEFAULT_LIST_LIMIT = 200;
export const MAX_LIST_LIMIT = 1000;

function typeOf(stats: Stats): EntryType {
  return stats.isFile() ? "file" : stats.isDirectory() ? "directory" : "other";
}

function entryPath(dir: string, name: string): string {
  return dir === "" ? name : `${dir}/${name}`;
}

/** Describes one entry of a folder that is already known to lie inside `root` (`folder` names that folder). */
export function describeEntry(root: string, folder: string, dirRelative: string, name: string): DirectoryEntry {
  const absolute = join(folder, name);
  const base = { name, path: entryPath(dirRelative, name) };
  let own: Stats;
  try {
    own = lstatSync(absolute);
  } catch {
    return { ...base, type: "other", size: null, symlink: false, readable: false, note: "vanished while listing" };
  }
  if (!own.isSymbolicLink()) {
    const type = typeOf(own);
    return { ...base, type, size: type === "file" ? own.size : null, symlink: false, readable: type !== "other", note: type === "other" ? `${describeKind(own)}, not readable` : null };
  }
  let target: string;
  try {
    target = realpathSync(absolute);
  } catch {
    return { ...base, type: "other", size: null, symlink: true, readable: false, note: "broken symbolic link, not readable" };
  }
  if (!isInside(root, target)) {
    return { ...base, type: "other", size: null, symlink: true, readable: false, note: "symbolic link pointing outside the resources folder, not readable" };
  }
  let stats: Stats;
  try {
    stats = statSync(target);
  } catch {
    return { ...base, type: "other", size: null, symlink: true, readable: false, note: "vanished while listing" };
  }
  const type = typeOf(stats);
  return {
    ...base,
    type,
    size: type === "file" ? stats.size : null,
    symlink: true,
    readable: type !== "other",
    note: type === "other" ? `symbolic link to ${describeKind(stats)}, not readable` : "symbolic link",
  };
}

/**
 * Runs `use` on the folder at `realDir` while a descriptor proved to be that folder inside `root` is
 * open; `use` gets a path that names exactly that folder (its /proc/self/fd link on Linux).
 */
function inVerifiedFolder<T>(root: string, realDir: string, shown: string, use: (folder: string) => T): T {
  const swapped = () => new AuditError("invalid", `The folder ${showPath(shown)} changed while it was being listed (replaced, e.g. by a symbolic link). Try again.`);
  let folder: FolderHandle;
  try {
    folder = openFolderSync(realDir);
  } catch (error) {
    const code = fsErrorCode(error);
    if (code === "ENOTDIR" || code === "ELOOP") throw swapped();
    throw new AuditError("invalid", `The folder ${showPath(shown)} cannot be listed (${code ?? "unknown error"}).`);
  }
  try {
    if (!isFolderInside(folder, root, realDir)) throw swapped();
    let value: T;
    try {
      value = use(folderRef(folder, realDir));
    } catch (error) {
      if (error instanceof AuditError) throw error;
      throw new AuditError("invalid", `The folder ${showPath(shown)} cannot be listed (${fsErrorCode(error) ?? "unknown error"}).`);
    }
    if (!isFolderInside(folder, root, realDir)) throw swapped();
    return value;
  } finally {
    closeFolderSync(folder);
  }
}

/** The names in the folder `requested` (relative to `root`), unsorted, read as list_directory reads them. */
export function listFolderNames(root: string, requested: string): string[] {
  const dir = resolveResourceDirectory(root, requested);
  return inVerifiedFolder(root, dir.absolute, dir.relative, (folder) => readdirSync(folder));
}

/** One page of the folder `requested` (relative to `root`), entries sorted by name. */
export function listResourceDirectory(root: string, requested: string, page: { offset?: number; limit?: number } = {}): DirectoryPage {
  const dir = resolveResourceDirectory(root, requested);
  const offset = page.offset ?? 0;
  const limit = Math.min(page.limit ?? DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
  return inVerifiedFolder(root, dir.absolute, dir.relative, (folder) => {
    const names = readdirSync(folder);
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    // Entries are inspected through the checked folder, so a swapped path cannot describe outside files.
    const entries = names.slice(offset, offset + limit).map((name) => describeEntry(root, folder, dir.relative, name));
    const nextOffset = offset + entries.length < names.length ? offset + entries.length : null;
    return { path: dir.relative, entries, total: names.length, offset, nextOffset };
  });
}

/** One line per entry: folders end with "/", files show their size, the rest a note. */
export function formatEntry(entry: DirectoryEntry): string {
  const name = entry.type === "directory" ? `${entry.name}/` : entry.name;
  const details = [entry.size !== null ? formatBytes(entry.size) : null, entry.note].filter((d) => d !== null);
  return details.length > 0 ? `${name}  (${details.join(", ")})` : name;
}

export function formatDirectoryPage(page: DirectoryPage): string {
  const where = page.path === "" ? "The resources folder" : `Folder ${showPath(page.path)}`;
  if (page.total === 0) return `${where} is empty.`;
  if (page.entries.length === 0) return `${where} has ${page.total} entries; offset ${page.offset} is past the end. Use an offset below ${page.total}.`;
  const range = page.entries.length < page.total ? ` (showing ${page.offset + 1}-${page.offset + page.entries.length}${page.nextOffset !== null ? `; next page: offset=${page.nextOffset}` : ""})` : "";
  return [`${where} has ${page.total} entr${page.total === 1 ? "y" : "ies"}${range}:`, ...page.entries.map(formatEntry)].join("\n");
}
