/**
 * Lines of a text file: splitting, 1-based inclusive line ranges, `cat -n` numbering, and cutting
 * long output at a line boundary with a notice that says which line_range reads on.
 */
import { AuditError } from "../audit/errors.js";
import { capOutput } from "../audit/format.js";
import { showPath } from "./sandbox.js";

/** `[start, end]`, 1-based and inclusive, as the tools take it. */
export type LineRange = readonly [number, number];

/**
 * The file's lines without their terminators: a final newline does not start another line, and a
 * `\r` before `\n` is dropped (as a terminal shows `cat` output). An empty file has no lines.
 */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
}

export interface LineSlice {
  lines: string[];
  /** Number of the first line in `lines` (1-based). */
  first: number;
  /** Number of the last line in `lines` (first - 1 when empty). */
  last: number;
  /** Lines in the whole file. */
  total: number;
}

/**
 * The lines in `range` (all of them without one). An end past the last line is clamped, as `sed -n`
 * does; a start past it, or a reversed range, is refused.
 */
export function sliceLines(lines: readonly string[], range: LineRange | undefined, path: string): LineSlice {
  const total = lines.length;
  if (!range) return { lines: [...lines], first: 1, last: total, total };
  const [start, end] = range;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 1 || end < 1) {
    throw new AuditError("invalid", `line_range [${start}, ${end}] is not valid: give two whole line numbers, 1-based, e.g. [1, 50].`);
  }
  if (start > end) throw new AuditError("invalid", `line_range [${start}, ${end}] is reversed: the start must not be greater than the end.`);
  if (start > total) {
    throw new AuditError("invalid", `line_range starts at line ${start}, but ${showPath(path)} has ${total} line${total === 1 ? "" : "s"}. Read it with read_file to see its lines.`);
  }
  const last = Math.min(end, total);
  return { lines: lines.slice(start - 1, last), first: start, last, total };
}

/** One numbered line as `cat -n` prints it: the number right-aligned in six columns, then a tab. */
export function numberLine(lineNumber: number, line: string): string {
  return `${String(lineNumber).padStart(6)}\t${line}`;
}

/** The lines of a slice, numbered `cat -n` style, joined with newlines. */
export function numberedText(slice: LineSlice): string {
  return slice.lines.map((line, i) => numberLine(slice.first + i, line)).join("\n");
}

export interface CappedLines {
  text: string;
  /** Number of the last line shown (slice.first - 1 when none is). */
  lastShown: number;
  truncated: boolean;
  /** The line_range that reads on after a truncation. */
  nextRange: [number, number] | null;
}

/**
 * Numbered lines of `slice` after `header`, cut at a line boundary so that the whole text stays
 * within `maxBytes`, with a notice giving the line_range that continues.
 */
export function capNumberedLines(header: string, slice: LineSlice, maxBytes: number): CappedLines {
  const numbered = slice.lines.map((line, i) => numberLine(slice.first + i, line));
  const full = [header, ...numbered].join("\n");
  if (Buffer.byteLength(full, "utf8") <= maxBytes) return { text: full, lastShown: slice.last, truncated: false, nextRange: null };

  const noticeFor = (lastShown: number, next: [number, number]) =>
    `\n\n[Output truncated after line ${lastShown} of ${slice.total}: the output limit is ${maxBytes} bytes. Read on with line_range [${next[0]}, ${next[1]}].]`;
  // The longest possible notice, so the lines that fit leave room for it.
  const reserve = Buffer.byteLength(noticeFor(slice.total, [slice.total, slice.total]), "utf8");
  let used = Buffer.byteLength(header, "utf8") + reserve;
  let shown = 0;
  for (const line of numbered) {
    const cost = Buffer.byteLength(line, "utf8") + 1;
    if (used + cost > maxBytes) break;
    used += cost;
    shown++;
  }
  if (shown === 0) {
    // Even the first line does not fit: cut inside it.
    const next: [number, number] = [Math.min(slice.first + 1, slice.last), slice.last];
    const howToGetMore =
      slice.first < slice.last
        ? `Line ${slice.first} alone is longer than the limit; later lines can be read with line_range [${next[0]}, ${next[1]}].`
        : `Line ${slice.first} alone is longer than the limit and cannot be shown whole.`;
    return { text: capOutput(full, maxBytes, howToGetMore), lastShown: slice.first - 1, truncated: true, nextRange: slice.first < slice.last ? next : null };
  }
  const lastShown = slice.first + shown - 1;
  const next: [number, number] = [lastShown + 1, Math.min(slice.last, lastShown + shown)];
  return { text: [header, ...numbered.slice(0, shown)].join("\n") + noticeFor(lastShown, next), lastShown, truncated: true, nextRange: next };
}
