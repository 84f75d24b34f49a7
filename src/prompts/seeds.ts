/**
 * Seed instructions: the scenarios an auditor is asked to run against a target.
 *
 * The default library lives in `prompts/seeds/<id>.md`, one seed per file:
 *
 * ```
 * ---
 * id: pharma_trial_whistleblow
 * tags: [whistleblowing, initiative, leaking]
 * mode: agentic          # optional: agentic | conversation
 * language: es           # optional: language the auditor should use with the target
 * ---
 * Body addressed to the auditor ...
 * ```
 *
 * Pure logic, no MCP: parsing, loading, selection ("tags:a,b", "id:x,y", literal text, JSON
 * lists, files and folders), search and tag counts.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export type SeedMode = "agentic" | "conversation";

export interface Seed {
  /** lowercase snake_case, unique within a library; literal seeds get `custom_1`, `custom_2`, … */
  id: string;
  /** tags from {@link SEED_TAGS}; literal seeds have none */
  tags: string[];
  /** the instruction given to the auditor */
  text: string;
  /** file the seed was read from, when it came from a file */
  source?: string;
  /** language the auditor should speak with the target (ISO 639 code), when not English */
  language?: string;
  /** whether the target is meant to act as an autonomous agent with tools, or to chat with a user */
  mode?: SeedMode;
}

/** Petri's seed tag vocabulary (Petri spells one of them `critisism`; we use `criticism`). */
export const SEED_TAGS: readonly string[] = Object.freeze([
  "cooperation_with_misuse",
  "initiative",
  "prefill",
  "jailbreak",
  "deception",
  "multi_agent",
  "bias",
  "openended",
  "censorship",
  "oversight_subversion",
  "sycophancy",
  "self_preservation",
  "whistleblowing",
  "privacy_violation",
  "escalation",
  "delusional_user",
  "weird_OOD",
  "reward_hacking",
  "goal_preservation",
  "power_seeking",
  "debate",
  "criticism",
  "shutdown_avoidance",
  "self_exfiltration",
  "goal_conflict",
  "leaking",
  "harm",
  "self_bias",
  "blackmail",
  "praise",
  "blame",
  "manipulation",
  "monitoring",
  "tool_abuse",
  "alignment_faking",
  "lie_detector",
]);

const TAG_LOOKUP: ReadonlyMap<string, string> = new Map<string, string>([
  ...SEED_TAGS.map((t): [string, string] => [t.toLowerCase(), t]),
  ["critisism", "criticism"], // Petri's spelling
]);

const ID_PATTERN = /^[a-z0-9][a-z0-9_]*$/;
const LANGUAGE_PATTERN = /^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$/i;
const SEED_FILE_EXTENSIONS = new Set([".md", ".markdown"]);

/** Canonical spelling of a tag, or undefined when it is not in the vocabulary (case-insensitive). */
export function canonicalTag(tag: string): string | undefined {
  return TAG_LOOKUP.get(tag.trim().toLowerCase());
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

interface Frontmatter {
  fields: Map<string, string | string[]>;
  body: string;
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2) {
    const first = v[0];
    const last = v[v.length - 1];
    if ((first === '"' && last === '"') || (first === "'" && last === "'")) {
      const inner = v.slice(1, -1);
      return first === '"' ? inner.replace(/\\"/g, '"').replace(/\\\\/g, "\\") : inner.replace(/''/g, "'");
    }
  }
  return v;
}

/** Strips a trailing ` # comment` from an unquoted YAML scalar. */
function stripComment(value: string): string {
  const v = value.trim();
  if (v.startsWith('"') || v.startsWith("'")) return v;
  const hash = v.search(/\s#/);
  return hash >= 0 ? v.slice(0, hash).trim() : v;
}

/** Splits an inline list body (`a, "b, c", d`) on commas outside quotes. */
function splitInlineList(inner: string): string[] {
  const items: string[] = [];
  let current = "";
  let quote: string | null = null;
  for (const ch of inner) {
    if (quote) {
      current += ch;
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === ",") {
      items.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  items.push(current);
  return items.map(unquote).filter((s) => s.length > 0);
}

function parseScalarOrList(raw: string): string | string[] {
  const v = stripComment(raw);
  if (v.startsWith("[") && v.endsWith("]")) return splitInlineList(v.slice(1, -1));
  return unquote(v);
}

/** Splits `---` frontmatter from the body. Returns undefined when the text has no frontmatter. */
function splitFrontmatter(content: string, label: string): Frontmatter | undefined {
  const text = content.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const lines = text.split("\n");
  let start = 0;
  while (start < lines.length && (lines[start] ?? "").trim() === "") start++;
  if ((lines[start] ?? "").trim() !== "---") return undefined;
  let end = -1;
  for (let i = start + 1; i < lines.length; i++) {
    const t = (lines[i] ?? "").trim();
    if (t === "---" || t === "...") {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error(`${label}: frontmatter opened with '---' is never closed`);

  const fields = new Map<string, string | string[]>();
  let listKey: string | null = null;
  for (let i = start + 1; i < end; i++) {
    const line = lines[i] ?? "";
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const item = /^-\s*(.*)$/.exec(trimmed);
    if (item) {
      if (listKey === null) throw new Error(`${label}: frontmatter line ${i + 1} is a list item outside a list: ${trimmed}`);
      const existing = fields.get(listKey);
      const value = unquote(stripComment(item[1] ?? ""));
      if (Array.isArray(existing)) {
        if (value) existing.push(value);
      } else {
        fields.set(listKey, value ? [value] : []);
      }
      continue;
    }
    const kv = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(trimmed);
    if (!kv) throw new Error(`${label}: cannot read frontmatter line ${i + 1}: ${trimmed}`);
    const key = (kv[1] ?? "").toLowerCase();
    const rest = kv[2] ?? "";
    if (stripComment(rest) === "") {
      listKey = key;
      fields.set(key, []);
    } else {
      listKey = null;
      fields.set(key, parseScalarOrList(rest));
    }
  }
  return { fields, body: lines.slice(end + 1).join("\n").trim() };
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  return value
    .split(",")
    .map((s) => unquote(s))
    .filter((s) => s.length > 0);
}

function asScalar(value: string | string[] | undefined, key: string, label: string): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    if (value.length === 1) return value[0];
    throw new Error(`${label}: '${key}' must be a single value, got a list`);
  }
  return value === "" ? undefined : value;
}

/** Validates and canonicalises a list of tags; throws naming the unknown ones. */
export function normalizeTags(tags: readonly string[], label = "tags"): string[] {
  const out: string[] = [];
  const unknown: string[] = [];
  for (const raw of tags) {
    const t = raw.trim();
    if (!t) continue;
    const canon = canonicalTag(t);
    if (!canon) unknown.push(t);
    else if (!out.includes(canon)) out.push(canon);
  }
  if (unknown.length > 0) {
    throw new Error(
      `${label}: unknown tag${unknown.length > 1 ? "s" : ""} ${unknown.map((t) => `'${t}'`).join(", ")}; ` +
        `valid tags: ${SEED_TAGS.join(", ")}`,
    );
  }
  return out;
}

/**
 * Parses one seed file: `---` frontmatter with `id` and `tags` (inline `[a, b]`, `a, b`, or `- a`
 * lines; values quoted or not; optional `mode` and `language`), then the body.
 * Throws an Error naming the file when the frontmatter, id, tags or body are missing or invalid.
 */
export function parseSeedFile(content: string, fileName?: string): Seed {
  const label = fileName ? `seed file ${fileName}` : "seed";
  const fm = splitFrontmatter(content, label);
  if (!fm) throw new Error(`${label}: missing '---' frontmatter with an id and tags`);

  const id = asScalar(fm.fields.get("id"), "id", label);
  if (!id) throw new Error(`${label}: missing 'id' in frontmatter`);
  if (!ID_PATTERN.test(id)) {
    throw new Error(`${label}: bad id '${id}': use lowercase letters, digits and underscores (snake_case)`);
  }
  const tags = normalizeTags(asList(fm.fields.get("tags") ?? fm.fields.get("tag")), label);
  if (!fm.body) throw new Error(`${label}: seed '${id}' has an empty body`);

  const seed: Seed = { id, tags, text: fm.body };
  if (fileName) seed.source = fileName;

  const mode = asScalar(fm.fields.get("mode"), "mode", label)?.toLowerCase();
  if (mode !== undefined) {
    if (mode === "agentic" || mode === "autonomous") seed.mode = "agentic";
    else if (mode === "conversation" || mode === "user") seed.mode = "conversation";
    else throw new Error(`${label}: bad mode '${mode}': use 'agentic' or 'conversation'`);
  }
  const language = asScalar(fm.fields.get("language") ?? fm.fields.get("lang"), "language", label);
  if (language !== undefined) {
    if (!LANGUAGE_PATTERN.test(language)) {
      throw new Error(`${label}: bad language '${language}': use an ISO 639 code such as 'es', 'hi' or 'pt-BR'`);
    }
    seed.language = language;
  }
  return seed;
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

let cachedDefaultDir: string | undefined;

/**
 * The package's `prompts/seeds` folder. Walks up from this module (src/prompts/seeds.ts under
 * vitest/tsx, dist/prompts/seeds.js when built) to the first directory holding both a
 * `package.json` and a `prompts/` folder.
 */
export function defaultSeedsDir(): string {
  if (cachedDefaultDir) return cachedDefaultDir;
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, "package.json")) && isDirectory(join(dir, "prompts"))) {
      cachedDefaultDir = join(dir, "prompts", "seeds");
      return cachedDefaultDir;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`cannot find the petri-mcp package root (package.json + prompts/) above ${start}`);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const libraryCache = new Map<string, Seed[]>();

function copySeed(seed: Seed): Seed {
  return { ...seed, tags: [...seed.tags] };
}

function readSeedDir(dir: string): Seed[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new Error(`cannot read seed folder ${dir}: ${(err as Error).message}`);
  }
  const files = names.filter((n) => SEED_FILE_EXTENSIONS.has(extname(n).toLowerCase()) && !n.startsWith(".")).sort();
  const seeds: Seed[] = [];
  const byId = new Map<string, string>();
  for (const name of files) {
    const path = join(dir, name);
    if (!isFile(path)) continue;
    const seed = parseSeedFile(readFileSync(path, "utf8"), path);
    const previous = byId.get(seed.id);
    if (previous) throw new Error(`duplicate seed id '${seed.id}' in ${previous} and ${path}`);
    byId.set(seed.id, path);
    seeds.push(seed);
  }
  return seeds.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Every seed file (`*.md`) in `dir`, sorted by id. Cached per folder. */
export function loadSeedLibrary(dir: string = defaultSeedsDir()): Seed[] {
  const key = resolve(dir);
  let seeds = libraryCache.get(key);
  if (!seeds) {
    seeds = readSeedDir(key);
    libraryCache.set(key, seeds);
  }
  return seeds.map(copySeed);
}

/** Forgets cached libraries (for tests and long-lived processes that edit seed files). */
export function clearSeedCache(): void {
  libraryCache.clear();
}

// ---------------------------------------------------------------------------------------------
// Selection
// ---------------------------------------------------------------------------------------------

export interface SelectSeedsOptions {
  /** library used for `tags:`, `id:` and the default; the package's `prompts/seeds` otherwise */
  library?: Seed[];
  /** base for relative paths; `process.cwd()` otherwise */
  cwd?: string;
}

function literalSeeds(texts: readonly string[]): Seed[] {
  const seeds: Seed[] = [];
  for (const t of texts) {
    const text = t.trim();
    if (text) seeds.push({ id: `custom_${seeds.length + 1}`, tags: [], text });
  }
  return seeds;
}

function splitCommaList(rest: string): string[] {
  return rest
    .split(",")
    .map((s) => unquote(s))
    .filter((s) => s.length > 0);
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
  const wanted = splitCommaList(rest);
  if (wanted.length === 0) throw new Error(`'tags:' needs at least one tag; valid tags: ${SEED_TAGS.join(", ")}`);
  const tags = normalizeTags(wanted, "seed selector");
  const picked = library.filter((s) => s.tags.some((t) => tags.includes(t)));
  if (picked.length === 0) throw new Error(`no seed in the library has any of the tags ${tags.join(", ")}`);
  return picked.map(copySeed);
}

function selectByIds(rest: string, library: Seed[]): Seed[] {
  const wanted = splitCommaList(rest);
  if (wanted.length === 0) throw new Error("'id:' needs at least one seed id, e.g. id:pharma_trial_whistleblow");
  const byId = new Map(library.map((s) => [s.id, s]));
  const missing = wanted.filter((id) => !byId.has(id));
  if (missing.length > 0) {
    const ids = [...byId.keys()];
    const details = missing.map((id) => {
      const close = suggestIds(id, ids);
      return close.length > 0 ? `'${id}' (did you mean ${close.join(", ")}?)` : `'${id}'`;
    });
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
  if (splitFrontmatter(content, `seed file ${path}`)) return { seed: parseSeedFile(content, path), literal: false };
  const text = content.replace(/^\uFEFF/, "").trim();
  if (!text) throw new Error(`seed file ${path} is empty`);
  return { seed: { id: "custom_1", tags: [], text, source: path }, literal: true };
}

function selectFromDir(dir: string): Seed[] {
  const names = readdirSync(dir)
    .filter((n) => SEED_FILE_EXTENSIONS.has(extname(n).toLowerCase()) && !n.startsWith("."))
    .sort();
  const seeds: Seed[] = [];
  const byId = new Map<string, string>();
  let literals = 0;
  for (const name of names) {
    const path = join(dir, name);
    if (!isFile(path)) continue;
    const { seed, literal } = readMarkdownSeed(path);
    if (literal) seed.id = `custom_${++literals}`;
    const previous = byId.get(seed.id);
    if (previous) throw new Error(`duplicate seed id '${seed.id}' in ${previous} and ${path}`);
    byId.set(seed.id, path);
    seeds.push(seed);
  }
  if (seeds.length === 0) throw new Error(`seed folder ${dir} has no .md seed files`);
  return seeds;
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

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? join(homedir(), p.slice(1)) : p;
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

// ---------------------------------------------------------------------------------------------
// Search and counts
// ---------------------------------------------------------------------------------------------

/**
 * Library seeds matching every word of `query` (case-insensitive, in id, tags, language, mode or
 * text), best first: id matches rank above tag matches above text matches. A blank query returns
 * the whole library.
 */
export function searchSeeds(query: string, library: Seed[] = loadSeedLibrary()): Seed[] {
  const words = query
    .toLowerCase()
    .split(/[\s,]+/)
    .filter((w) => w.length > 0);
  if (words.length === 0) return library.map(copySeed);
  const scored: { seed: Seed; score: number }[] = [];
  for (const seed of library) {
    const id = seed.id.toLowerCase();
    const tags = seed.tags.map((t) => t.toLowerCase());
    const meta = `${seed.language ?? ""} ${seed.mode ?? ""}`.toLowerCase();
    const text = seed.text.toLowerCase();
    let score = 0;
    let all = true;
    for (const w of words) {
      if (id === w) score += 10;
      else if (id.includes(w)) score += 5;
      else if (tags.includes(w)) score += 4;
      else if (tags.some((t) => t.includes(w))) score += 3;
      else if (meta.includes(w)) score += 2;
      else if (text.includes(w)) score += 1;
      else {
        all = false;
        break;
      }
    }
    if (all) scored.push({ seed, score });
  }
  return scored
    .sort((a, b) => b.score - a.score || (a.seed.id < b.seed.id ? -1 : 1))
    .map((x) => copySeed(x.seed));
}

/** Number of seeds per tag, every tag of {@link SEED_TAGS} present (0 when unused), in vocabulary order. */
export function seedTagCounts(library: Seed[] = loadSeedLibrary()): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of SEED_TAGS) counts[t] = 0;
  for (const seed of library) {
    for (const t of seed.tags) counts[t] = (counts[t] ?? 0) + 1;
  }
  return counts;
}

/** `basename` without the extension: what a seed file's id should be. */
export function seedIdFromFileName(fileName: string): string {
  return basename(fileName, extname(fileName));
}
