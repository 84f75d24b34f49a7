/**
 * Approximate location of a quote in a text, for citations the judge did not copy exactly.
 *
 * Similarity is RapidFuzz's `ratio` on a 0-100 scale: 100 * (1 - indel / (len(a) + len(b))), where
 * indel counts insertions and deletions (a substitution costs 2). `partialRatioAlignment` finds the
 * window of the text that best matches the whole quote: a semi-global alignment (the window may
 * start and end anywhere, the quote must be used whole) minimising the indel distance, then scored
 * with the ratio above. Like Petri (RapidFuzz partial_ratio_alignment >= 80), a citation counts as
 * found at FUZZY_THRESHOLD or more.
 */

/** Minimum similarity (0-100) for a fuzzy citation match. */
export const FUZZY_THRESHOLD = 80;
/** Quotes shorter than this are matched exactly or not at all (a few characters match anything). */
export const MIN_FUZZY_QUOTE_CHARS = 8;
/** Longer quotes are not fuzzy-matched (the alignment is quadratic in the quote's length). */
export const MAX_FUZZY_QUOTE_CHARS = 3000;
/** Above this many DP cells, only windows around exact seed matches are aligned. */
const MAX_FULL_CELLS = 5_000_000;
const MAX_SEED_WINDOWS = 40;

export interface Alignment {
  /** 0-100. */
  similarity: number;
  /** The matched window of the text: [start, end). */
  start: number;
  end: number;
}

/** RapidFuzz-style ratio (0-100) of two whole strings. */
export function ratio(a: string, b: string): number {
  if (a.length + b.length === 0) return 100;
  const lcs = longestCommonSubsequence(a, b);
  return (100 * 2 * lcs) / (a.length + b.length);
}

function longestCommonSubsequence(a: string, b: string): number {
  let previous = new Int32Array(b.length + 1);
  let current = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      current[j] = ca === b.charCodeAt(j - 1) ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

/** Aligns the whole needle against haystack[from, to); returns the best-scoring window. */
function alignWithin(needle: string, haystack: string, from: number, to: number): Alignment | null {
  const m = needle.length;
  // Column j of the DP: distance[i] = min indel distance of needle[0, i) against a window ending at j.
  let distance = new Int32Array(m + 1);
  let start = new Int32Array(m + 1);
  let nextDistance = new Int32Array(m + 1);
  let nextStart = new Int32Array(m + 1);
  for (let i = 0; i <= m; i++) {
    distance[i] = i;
    start[i] = from;
  }
  let best: Alignment | null = null;
  for (let j = from + 1; j <= to; j++) {
    const c = haystack.charCodeAt(j - 1);
    nextDistance[0] = 0;
    nextStart[0] = j;
    for (let i = 1; i <= m; i++) {
      let d = distance[i]! + 1;
      let s = start[i]!;
      const diagonal = distance[i - 1]! + (needle.charCodeAt(i - 1) === c ? 0 : 2);
      if (diagonal <= d) {
        d = diagonal;
        s = start[i - 1]!;
      }
      const up = nextDistance[i - 1]! + 1;
      if (up < d) {
        d = up;
        s = nextStart[i - 1]!;
      }
      nextDistance[i] = d;
      nextStart[i] = s;
    }
    [distance, nextDistance] = [nextDistance, distance];
    [start, nextStart] = [nextStart, start];
    const window = j - start[m]!;
    const similarity = 100 * (1 - distance[m]! / (m + window));
    if (!best || similarity > best.similarity) best = { similarity, start: start[m]!, end: j };
  }
  return best;
}

/** Windows around exact occurrences of short pieces of the needle (for long texts). */
function seedWindows(needle: string, haystack: string): Array<[number, number]> {
  const m = needle.length;
  const k = Math.max(5, Math.min(16, Math.floor(m / 5)));
  const margin = Math.ceil(m / 4);
  const windows: Array<[number, number]> = [];
  for (let offset = 0; offset + k <= m && windows.length < MAX_SEED_WINDOWS; offset += k) {
    const seed = needle.slice(offset, offset + k);
    for (let at = haystack.indexOf(seed); at >= 0 && windows.length < MAX_SEED_WINDOWS; at = haystack.indexOf(seed, at + 1)) {
      windows.push([Math.max(0, at - offset - margin), Math.min(haystack.length, at - offset + m + margin)]);
    }
  }
  windows.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const w of windows) {
    const last = merged[merged.length - 1];
    if (last && w[0] <= last[1]) last[1] = Math.max(last[1], w[1]);
    else merged.push([w[0], w[1]]);
  }
  return merged;
}

/** The window of `haystack` most similar to the whole `needle`, or null when nothing can be aligned. */
export function partialRatioAlignment(needle: string, haystack: string): Alignment | null {
  if (needle.length === 0 || haystack.length === 0) return null;
  if (needle.length * haystack.length <= MAX_FULL_CELLS) return alignWithin(needle, haystack, 0, haystack.length);
  let best: Alignment | null = null;
  for (const [from, to] of seedWindows(needle, haystack)) {
    const found = alignWithin(needle, haystack, from, to);
    if (found && (!best || found.similarity > best.similarity)) best = found;
  }
  return best;
}
