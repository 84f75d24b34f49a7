/**
 * Seed selection: turns what a user or client names (`tags:a,b`, `id:x,y`, a JSON list, a file,
 * a folder, or literal text) into seeds, and suggests close ids for a misspelt one.
 */
import { readFileSync, statSync } from "node:fs";
import { extname, resolve } from "node:path";
import { listField, parseFrontmatter } from "../util/frontmatter.js";
import { expandHome } from "../util/paths.js";
import { copySeed, loadSeedLibrary, normalizeTags, parseSeedFile, requireUniqueIds, type Seed, SEED_FILE_EXTENSIONS, SEED_TAGS, seedFilesIn, isFile } from "./seeds.js";


export interface SelectSeedsOptions {
  /** library used for `tags:`, `id:` and the default; the package's `prompts/seeds` otherwise */
  library?: Seed[];
  /** base for relative paths; `process.cwd()` otherwise */
  cwd?: string;
}

const MAX_SUGGEST_CHARS = 200;
/** Unknown ids named one by one in an error; the rest are counted. */
const MAX_REPORTED = 5;

function literalSeeds(texts: readonly string[]): Seed[] {
  const seeds: Seed[] = [];
  for (const t of texts) {
    const text = t.trim();
    if (text) seeds.push({ id: `custom_${seeds.length + 1}`, tags: [], text });
  }
  return seeds;
}

function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** Up to `limit` ids from `candidates` that look like `wanted` (edit distance, shared words, substrings). */
export function suggestIds(wanted: string, candidates: readonly string[], limit = 5): string[] {
  // Ids are short; a long value is no misspelt id, and comparing it would cost length x candidates.
  if (wanted.length > MAX_SUGGEST_CHARS) return [];
  const w = wanted.toLowerCase();
  const wWords = new Set(w.split(/[_\s-]+/).filter((s) => s.length > 2));
  const scored = candidates.map((c) => {
    const dist = levenshtein(w, c) / Math.max(w.length, c.length, 1);
    const words = c.split("_");
    const shared = words.filter((x) => wWords.has(x)).length;
    const sub = c.includes(w) || (w.length >= 4 && w.includes(c)) ? 1 : 0;
    return { c, score: dist - 0.35 * shared - 0.5 * sub };
  });
  return scored
    .filter((s) => s.score < 0.5)
    .sort((a, b) => a.score - b.score || (a.c < b.c ? -1 : 1))
    .slice(0, limit)
    .map((s) => s.c);
}

function selectByTags(rest: string, library: Seed[]): Seed[] {
  const wanted = listField(rest);
  if (wanted.length === 0) throw new Error(`'tags:' needs at least one tag; valid tags: ${SEED_TAGS.join(", ")}`);
  const tags = normalizeTags(wanted, "seed selector");
  const picked = library.filter((s) => s.tags.some((t) => tags.includes(t)));
  if (picked.length === 0) throw new Error(`no seed in the library has any of the tags ${tags.join(", ")}`);
  return picked.map(copySeed);
}

function selectByIds(rest: string, library: Seed[]): Seed[] {
  const wanted = listField(rest);
  if (wanted.length === 0) throw new Error("'id:' needs at least one seed id, e.g. id:pharma_trial_whistleblow");
  const byId = new Map(library.map((s) => [s.id, s]));
  const missing = wanted.filter((id) => !byId.has(id));
  if (missing.length > 0) {
    const ids = [...byId.keys()];
    const details = missing.slice(0, MAX_REPORTED).map((id) => {
      const close = suggestIds(id, ids);
      return close.length > 0 ? `'${id}' (did you mean ${close.join(", ")}?)` : `'${id}'`;
    });
    if (missing.length > MAX_REPORTED) details.push(`and ${missing.length - MAX_REPORTED} more`);
    throw new Error(
      `unknown seed id${missing.length > 1 ? "s" : ""} ${details.join("; ")}; ` +
        "run `petri-mcp seeds` to list the library",
    );
  }
  return wanted.map((id) => copySeed(byId.get(id) as Seed));
}

function parseJsonList(text: string, label: string): Seed[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${label} starts with '[' but is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === "string")) {
    throw new Error(`${label} must be a JSON list of strings`);
  }
  const seeds = literalSeeds(parsed as string[]);
  if (seeds.length === 0) throw new Error(`${label} contains no seed text`);
  return seeds;
}

/** One `.md` file: a seed file when it has frontmatter, else its whole text is one literal seed. */
function readMarkdownSeed(path: string): { seed: Seed; literal: boolean } {
  const content = readFileSync(path, "utf8");
  if (parseFrontmatter(content, `seed file ${path}`)) return { seed: parseSeedFile(content, path), literal: false };
  const text = content.replace(/^\uFEFF/, "").trim();
  if (!text) throw new Error(`seed file ${path} is empty`);
  return { seed: { id: "custom_1", tags: [], text, source: path }, literal: true };
}

function selectFromDir(dir: string): Seed[] {
  let literals = 0;
  const seeds = seedFilesIn(dir).map((path) => {
    const { seed, literal } = readMarkdownSeed(path);
    if (literal) seed.id = `custom_${++literals}`;
    return seed;
  });
  requireUniqueIds(seeds);
  if (seeds.length === 0) throw new Error(`seed folder ${dir} has no .md seed files`);
  return seeds;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function selectFromFile(path: string): Seed[] {
  const ext = extname(path).toLowerCase();
  if (SEED_FILE_EXTENSIONS.has(ext)) return [readMarkdownSeed(path).seed];
  const content = readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  if (ext === ".json") return parseJsonList(content, `seed file ${path}`);
  const seeds = literalSeeds(content.split(/\r?\n/)).map((s) => ({ ...s, source: path }));
  if (seeds.length === 0) throw new Error(`seed file ${path} has no non-empty lines`);
  return seeds;
}

/** Single-line, space-free text that names a file (./x, ../x, /x, ~/x, or a seed-ish extension). */
function looksLikePath(s: string): boolean {
  if (/\s/.test(s)) return false;
  return /^(\.{1,2}[\\/]|[\\/]|~[\\/])/.test(s) || /\.(md|markdown|txt|json|jsonl|ya?ml)$/i.test(s);
}

/**
 * Resolves a seed selector to seeds:
 * - undefined or blank: the whole library;
 * - an array: one literal seed per non-blank string (an empty array is an error);
 * - `tags:a,b`: library seeds having ANY of the tags (unknown tag: Error listing the valid ones);
 * - `id:x,y`: those library seeds in that order (unknown id: Error suggesting close ids);
 * - text starting with `[`: a JSON list of strings, one literal seed each;
 * - an existing folder: its `.md` seed files; an existing `.md` file: one seed (frontmatter
 *   optional); any other existing file: one literal seed per non-empty line (`.json`: JSON list);
 * - anything else: one literal seed. A missing file that clearly looks like a path is an error.
 * Literal seeds get ids `custom_1`, `custom_2`, … and no tags.
 */
export function selectSeeds(selector: string | string[] | undefined, opts: SelectSeedsOptions = {}): Seed[] {
  const library = (): Seed[] => opts.library ?? loadSeedLibrary();

  if (selector === undefined) return library().map(copySeed);
  if (Array.isArray(selector)) {
    if (!selector.every((s) => typeof s === "string")) throw new Error("seed list must contain only strings");
    const seeds = literalSeeds(selector);
    if (seeds.length === 0) throw new Error("seed list is empty: give at least one seed, or omit it for the whole library");
    return seeds;
  }
  if (typeof selector !== "string") throw new Error("seed selector must be a string or a list of strings");

  const s = selector.trim();
  if (s === "") return library().map(copySeed);

  const prefixed = /^(tags?|ids?)\s*:\s*([\s\S]*)$/i.exec(s);
  if (prefixed) {
    const kind = (prefixed[1] ?? "").toLowerCase();
    const rest = (prefixed[2] ?? "").trim();
    return kind.startsWith("tag") ? selectByTags(rest, library()) : selectByIds(rest, library());
  }

  if (s.startsWith("[")) return parseJsonList(s, "seed selector");

  if (!s.includes("\n")) {
    const path = resolve(opts.cwd ?? process.cwd(), expandHome(s));
    if (isDirectory(path)) return selectFromDir(path);
    if (isFile(path)) return selectFromFile(path);
    if (looksLikePath(s)) {
      throw new Error(`seed file or folder not found: ${path} (quote literal seed text that is not a path)`);
    }
  }
  return literalSeeds([s]);
}
