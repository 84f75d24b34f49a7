/**
 * grep-style search over a resource file or folder: an RE2 regular expression (src/resources/
 * pattern.ts: linear time, so no pattern can stall the server), case-sensitive, matched line by
 * line; output lines `path:LINE:text`.
 *
 * Paths in the output are relative to the searched folder, as Petri prints them (searching
 * `codebases/app` prints `src/main.py:12:...`); a single searched file prints its own name.
 * Folders are walked depth-first with names in sorted order, each listed through a descriptor
 * proved to be inside the resources folder; symbolic links met on the way are not followed (as
 * `grep -r`), binary files, files over the size cap and special files are skipped.
 *
 * A search has a budget (entries visited, bytes read, matches, wall-clock time); when one runs out
 * it returns what it found and says which. It yields to the event loop every few milliseconds, so
 * other sessions are served while it runs.
 */
import { join } from "node:path";
import { AuditError } from "../audit/errors.js";
import { MAX_FILE_BYTES, readRegularFile, readVerifiedDir } from "./files.js";
import { splitLines } from "./lines.js";
import { compilePattern } from "./pattern.js";
import { describeKind, resolveResource, showPath } from "./sandbox.js";

export const MAX_SEARCH_MATCHES = 200;
/** Files and folders one search may visit, so one call cannot walk a whole disk's worth. */
export const MAX_SEARCH_FILES = 20_000;
/** Bytes one search may read in all. */
export const MAX_SEARCH_BYTES = 64 * 1024 * 1024;
/** Wall-clock time one search may take. */
export const SEARCH_TIME_LIMIT_MS = 10_000;
/** Longer matching lines are cut in the output, as search tools cut minified code. */
export const MAX_MATCH_LINE_CHARS = 500;
/** The search gives the event loop a turn after this much work. */
const YIELD_EVERY_MS = 10;
export const NO_MATCHES = "No matches";
export { compilePattern, MAX_SEARCH_LINE_CHARS } from "./pattern.js";

export type SearchBudget = "files" | "bytes" | "time";

export interface SearchOptions {
  maxMatches?: number;
  maxFiles?: number;
  maxBytes?: number;
  timeLimitMs?: number;
  /** Stops the search (with what was found so far) when aborted. */
  signal?: AbortSignal;
}

export interface SearchResult {
  /** Exactly what the target is sent. */
  output: string;
  /** The searched path, normalised, relative to the resources folder. */
  path: string;
  matches: number;
  filesWithMatches: number;
  filesSearched: number;
  /** Binary, oversized, special and swapped files skipped. */
  filesSkipped: number;
  /** Symbolic links met while walking folders (not followed). */
  linksSkipped: number;
  /** Lines longer than the pattern's line limit (64 Ki characters, less for large patterns), matched only in their first characters. */
  longLines: number;
  /** How many leading characters of each line were matched. */
  lineChars: number;
  /** More matches exist than were sent. */
  capped: boolean;
  /** The walk stopped at MAX_SEARCH_FILES files and folders. */
  fileLimitReached: boolean;
  /** The budget that stopped the search early, or null when it ran to the end. */
  budgetReached: SearchBudget | null;
}

function clipLine(line: string): string {
  return line.length > MAX_MATCH_LINE_CHARS ? `${line.slice(0, MAX_MATCH_LINE_CHARS)} [...]` : line;
}

const BUDGET_NOTES: Record<SearchBudget, string> = {
  files: "the search stopped after visiting its file limit",
  bytes: "the search stopped after reading its byte limit",
  time: "the search stopped at its time limit",
};

/** The note appended to the target's output when the search stopped early. */
function targetNote(result: SearchResult, maxMatches: number): string {
  if (result.capped) return `\n\n[Results truncated: showing the first ${maxMatches} matches. Use a more specific pattern or path.]`;
  if (result.budgetReached) return `\n\n[Search incomplete: ${BUDGET_NOTES[result.budgetReached]}. Use a more specific path.]`;
  return "";
}

const nextTurn = (): Promise<void> => new Promise((done) => setImmediate(done));

/** Searches `requested` (a file or folder relative to the real folder `root`) for `pattern`. */
export async function searchResources(root: string, requested: string, pattern: string, options: SearchOptions = {}): Promise<SearchResult> {
  const { regex, lineChars } = compilePattern(pattern);
  const maxMatches = options.maxMatches ?? MAX_SEARCH_MATCHES;
  const maxFiles = options.maxFiles ?? MAX_SEARCH_FILES;
  const maxBytes = options.maxBytes ?? MAX_SEARCH_BYTES;
  const deadline = Date.now() + (options.timeLimitMs ?? SEARCH_TIME_LIMIT_MS);
  const start = resolveResource(root, requested);
  if (!start.stats.isFile() && !start.stats.isDirectory()) {
    throw new AuditError("invalid", `${showPath(start.relative)} is ${describeKind(start.stats)}; only files and folders can be searched.`);
  }
  const result: SearchResult = {
    output: "",
    path: start.relative,
    matches: 0,
    filesWithMatches: 0,
    filesSearched: 0,
    filesSkipped: 0,
    linksSkipped: 0,
    longLines: 0,
    lineChars,
    capped: false,
    fileLimitReached: false,
    budgetReached: null,
  };
  const lines: string[] = [];
  let visited = 0;
  let bytesRead = 0;
  let sliceStart = performance.now();

  /** False (and the budget recorded) once the search must stop; gives the event loop a turn now and then. */
  const keepGoing = async (): Promise<boolean> => {
    if (performance.now() - sliceStart >= YIELD_EVERY_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
    if (Date.now() >= deadline || options.signal?.aborted) {
      result.budgetReached = "time";
      return false;
    }
    return true;
  };

  /** Counts one visited file or folder; false once the visit budget is spent. */
  const visit = (): boolean => {
    if (visited >= maxFiles) {
      result.fileLimitReached = true;
      result.budgetReached = "files";
      return false;
    }
    visited++;
    return true;
  };

  const searchFile = async (absolute: string, shown: string): Promise<boolean> => {
    if (!visit() || !(await keepGoing())) return false;
    result.filesSearched++;
    const allowance = Math.min(MAX_FILE_BYTES, maxBytes - bytesRead);
    let content;
    try {
      content = await readRegularFile(root, absolute, allowance);
    } catch {
      result.filesSkipped++;
      return true;
    }
    if (content.kind === "too_big" && content.size <= MAX_FILE_BYTES) {
      // Under the per-file cap, over what is left of the search's byte budget.
      result.budgetReached = "bytes";
      return false;
    }
    if (content.kind !== "text") {
      result.filesSkipped++;
      return true;
    }
    bytesRead += content.size;
    const matchesBefore = result.matches;
    const fileLines = splitLines(content.text);
    for (let i = 0; i < fileLines.length; i++) {
      if (performance.now() - sliceStart >= YIELD_EVERY_MS && !(await keepGoing())) return false;
      const line = fileLines[i]!;
      const long = line.length > lineChars;
      if (long) result.longLines++;
      if (!regex.test(long ? line.slice(0, lineChars) : line)) continue;
      if (result.matches >= maxMatches) {
        result.capped = true;
        return false;
      }
      if (result.matches === matchesBefore) result.filesWithMatches++;
      lines.push(`${shown}:${i + 1}:${clipLine(line)}`);
      result.matches++;
    }
    return true;
  };

  // Depth-first, sorted names; returns false once the search must stop.
  const walk = async (absolute: string, shown: string): Promise<boolean> => {
    if (!visit() || !(await keepGoing())) return false;
    const entries = await readVerifiedDir(root, absolute);
    if (entries === null) {
      result.filesSkipped++;
      return true;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const childAbsolute = join(absolute, entry.name);
      const childShown = shown === "" ? entry.name : `${shown}/${entry.name}`;
      if (entry.isSymbolicLink()) result.linksSkipped++;
      else if (entry.isDirectory()) {
        if (!(await walk(childAbsolute, childShown))) return false;
      } else if (entry.isFile()) {
        if (!(await searchFile(childAbsolute, childShown))) return false;
      } else result.filesSkipped++;
    }
    return true;
  };

  if (start.stats.isFile()) await searchFile(start.absolute, start.relative.split("/").pop()!);
  else await walk(start.absolute, "");

  result.output = (lines.length === 0 ? NO_MATCHES : lines.join("\n")) + targetNote(result, maxMatches);
  return result;
}
