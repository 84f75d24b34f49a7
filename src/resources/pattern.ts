/**
 * search_in_files patterns: RE2 syntax compiled by re2js, whose matching time is linear in the
 * text. Two bounds keep one call from holding the event loop: a pattern whose compiled program
 * would be too large is refused before it is compiled (compiling takes time too), and a line is
 * matched only in as many leading characters as keep one match short (a few tens of milliseconds
 * at worst: the work grows with the program size times the line length).
 */
import { RE2JS } from "re2js";
import { AuditError } from "../audit/errors.js";

/** Largest (estimated, then actual) program a pattern may compile to, in RE2 instructions. */
export const MAX_PATTERN_PROGRAM = 1000;
/** Lines are matched in at most this many leading characters. */
export const MAX_SEARCH_LINE_CHARS = 64 * 1024;
/** Program size × characters matched per line stays under this (about 50 ms at worst). */
const WORK_PER_LINE = 4_000_000;

export interface CompiledPattern {
  regex: RE2JS;
  /** How many leading characters of each line are matched. */
  lineChars: number;
}

function invalid(pattern: string, reason: string): AuditError {
  return new AuditError(
    "invalid",
    `pattern ${JSON.stringify(pattern)} is not valid RE2 syntax (${reason}). RE2 has no backreferences (\\1) and no lookaround ((?=...), (?!...), (?<=...), (?<!...)); ` +
      "escape special characters such as ( ) [ ] { } . * + ? with a backslash to match them literally. Nothing was sent.",
  );
}

function tooLarge(pattern: string, size: number): AuditError {
  return new AuditError(
    "invalid",
    `pattern ${JSON.stringify(pattern.length > 100 ? `${pattern.slice(0, 100)}…` : pattern)} is too large: it compiles to about ${size} steps, over the limit of ${MAX_PATTERN_PROGRAM}. ` +
      "Use smaller repetition counts (e.g. {1,50} rather than {1,1000}) or a shorter pattern. Nothing was sent.",
  );
}

/**
 * An upper-bound-minded estimate of the compiled program size, read from the pattern text without
 * compiling it: atoms count one, a repetition `{n,m}` multiplies what it repeats by its largest
 * count, groups nest. Only used to refuse huge patterns cheaply; the real size is checked after.
 */
export function estimateProgramSize(pattern: string): number {
  const stack: Array<{ total: number; last: number }> = [{ total: 0, last: 0 }];
  let i = 0;
  while (i < pattern.length) {
    const top = stack[stack.length - 1]!;
    const c = pattern[i]!;
    if (c === "\\") {
      top.total += top.last = 1;
      i += 2;
    } else if (c === "[") {
      // A class is one step: skip to its closing ']' (a ']' right after '[' or '[^' is literal).
      let j = i + 1;
      if (pattern[j] === "^") j++;
      if (pattern[j] === "]") j++;
      while (j < pattern.length && pattern[j] !== "]") j += pattern[j] === "\\" ? 2 : 1;
      top.total += top.last = 1;
      i = j + 1;
    } else if (c === "(") {
      stack.push({ total: 0, last: 0 });
      i++;
    } else if (c === ")" && stack.length > 1) {
      const group = stack.pop()!;
      const parent = stack[stack.length - 1]!;
      parent.total += parent.last = group.total + 1;
      i++;
    } else if (c === "{") {
      const m = /^\{(\d{1,6})(?:,(\d{0,6}))?\}/.exec(pattern.slice(i, i + 16));
      if (m) {
        const count = Math.max(Number(m[1]), m[2] ? Number(m[2]) : 0, 1);
        top.total += top.last * (count - 1) + 1;
        top.last *= count;
        i += m[0].length;
      } else {
        top.total += top.last = 1;
        i++;
      }
    } else if (c === "|") {
      top.total += 1;
      top.last = 0;
      i++;
    } else {
      top.total += c === "*" || c === "+" || c === "?" ? 1 : (top.last = 1);
      i++;
    }
  }
  return stack.reduce((sum, level) => sum + level.total, 0);
}

/** The program size of a compiled pattern, or null when re2js does not expose it. */
function programSize(regex: RE2JS): number | null {
  const prog = (regex as unknown as { re2Input?: { prog?: { numInst?: () => number } } }).re2Input?.prog;
  return typeof prog?.numInst === "function" ? prog.numInst() : null;
}

/** The pattern compiled by RE2 (case-sensitive unless it starts with `(?i)`), or a clear error. */
export function compilePattern(pattern: string): CompiledPattern {
  if (pattern === "") throw new AuditError("invalid", "pattern is empty. Give the regular expression to search for.");
  const estimate = estimateProgramSize(pattern);
  if (estimate > MAX_PATTERN_PROGRAM) throw tooLarge(pattern, estimate);
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(pattern);
  } catch (error) {
    throw invalid(pattern, error instanceof Error ? error.message : String(error));
  }
  const size = programSize(regex) ?? estimate;
  if (size > 2 * MAX_PATTERN_PROGRAM) throw tooLarge(pattern, size);
  return { regex, lineChars: Math.min(MAX_SEARCH_LINE_CHARS, Math.floor(WORK_PER_LINE / Math.max(size, 1))) };
}
