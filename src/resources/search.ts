/**
 * grep-style search over a resource file or folder: a JavaScript regular expression, case-sensitive,
 * matched line by line; output lines `relative/path:LINE:text`.
 *
 * Paths in the output are relative to the parent of the searched path, so they start with its last
 * component (searching `codebases/app/src` prints `src/main.py:12:...`, as `grep -rn PATTERN src`
 * would from `codebases/app`); searching the whole resources folder prints paths relative to it.
 * Folders are walked depth-first with names in sorted order; symbolic links met on the way are not
 * followed (as `grep -r`), binary files, files over the size cap and special files are skipped.
 */
import { type Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { posix, join } from "node:path";
import { AuditError } from "../audit/errors.js";
import { readRegularFile } from "./files.js";
import { splitLines } from "./lines.js";
import { describeKind, resolveResource, showPath } from "./sandbox.js";

export const MAX_SEARCH_MATCHES = 200;
/** A search stops after this many files, so one call cannot walk a whole disk's worth of files. */
export const MAX_SEARCH_FILES = 20_000;
/** Longer matching lines are cut, as search tools cut minified code. */
export const MAX_MATCH_LINE_CHARS = 500;
export const NO_MATCHES = "No matches";

export interface SearchOptions {
  maxMatches?: number;
  maxFiles?: number;
}

export interface SearchResult {
  /** Exactly what the target is sent. */
  output: string;
  /** The searched path, normalised, relative to the resources folder. */
  path: string;
  matches: number;
  filesWithMatches: number;
  filesSearched: number;
  /** Binary, oversized and special files skipped. */
  filesSkipped: number;
  /** Symbolic links met while walking folders (not followed). */
  linksSkipped: number;
  /** More matches exist than were sent. */
  capped: boolean;
  /** The walk stopped at MAX_SEARCH_FILES files. */
  fileLimitReached: boolean;
}

/** The pattern as a JavaScript RegExp (no flags: case-sensitive), or a clear error. */
export function compilePattern(pattern: string): RegExp {
  if (pattern === "") throw new AuditError("invalid", "pattern is empty. Give the regular expression to search for.");
  try {
    return new RegExp(pattern);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AuditError(
      "invalid",
      `pattern ${JSON.stringify(pattern)} is not a valid JavaScript regular expression (${reason}). Escape special characters such as ( ) [ ] { } . * + ? with a backslash to match them literally. Nothing was sent.`,
    );
  }
}

function clipLine(line: string): string {
  return line.length > MAX_MATCH_LINE_CHARS ? `${line.slice(0, MAX_MATCH_LINE_CHARS)} [...]` : line;
}

interface FileToSearch {
  absolute: string;
  /** The path printed in the output. */
  shown: string;
}

/** Searches `requested` (a file or folder relative to `root`) for `pattern`. */
export async function searchResources(root: string, requested: string, pattern: string, options: SearchOptions = {}): Promise<SearchResult> {
  const regex = compilePattern(pattern);
  const maxMatches = options.maxMatches ?? MAX_SEARCH_MATCHES;
  const maxFiles = options.maxFiles ?? MAX_SEARCH_FILES;
  const start = resolveResource(root, requested);
  if (!start.stats.isFile() && !start.stats.isDirectory()) {
    throw new AuditError("invalid", `${showPath(start.relative)} is ${describeKind(start.stats)}; only files and folders can be searched.`);
  }
  const prefix = start.relative === "" ? "" : posix.basename(start.relative);
  const result: SearchResult = {
    output: "",
    path: start.relative,
    matches: 0,
    filesWithMatches: 0,
    filesSearched: 0,
    filesSkipped: 0,
    linksSkipped: 0,
    capped: false,
    fileLimitReached: false,
  };
  const lines: string[] = [];

  const searchFile = async (file: FileToSearch): Promise<boolean> => {
    if (result.filesSearched >= maxFiles) {
      result.fileLimitReached = true;
      return false;
    }
    result.filesSearched++;
    let content;
    try {
      content = await readRegularFile(file.absolute);
    } catch {
      result.filesSkipped++;
      return true;
    }
    if (content.kind !== "text") {
      result.filesSkipped++;
      return true;
    }
    const matchesBefore = result.matches;
    const fileLines = splitLines(content.text);
    for (let i = 0; i < fileLines.length; i++) {
      const line = fileLines[i]!;
      if (!regex.test(line)) continue;
      if (result.matches >= maxMatches) {
        result.capped = true;
        return false;
      }
      if (result.matches === matchesBefore) result.filesWithMatches++;
      lines.push(`${file.shown}:${i + 1}:${clipLine(line)}`);
      result.matches++;
    }
    return true;
  };

  // Depth-first, sorted names; returns false once the search must stop.
  const walk = async (absolute: string, shown: string): Promise<boolean> => {
    let entries: Dirent[];
    try {
      entries = await readdir(absolute, { withFileTypes: true });
    } catch {
      result.filesSkipped++;
      return true;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const child = { absolute: join(absolute, entry.name), shown: shown === "" ? entry.name : `${shown}/${entry.name}` };
      if (entry.isSymbolicLink()) result.linksSkipped++;
      else if (entry.isDirectory()) {
        if (!(await walk(child.absolute, child.shown))) return false;
      } else if (entry.isFile()) {
        if (!(await searchFile(child))) return false;
      } else result.filesSkipped++;
    }
    return true;
  };

  if (start.stats.isFile()) await searchFile({ absolute: start.absolute, shown: prefix });
  else await walk(start.absolute, prefix);

  result.output =
    lines.length === 0
      ? NO_MATCHES
      : lines.join("\n") + (result.capped ? `\n\n[Results truncated: showing the first ${maxMatches} matches. Use a more specific pattern or path.]` : "");
  return result;
}
