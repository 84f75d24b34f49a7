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
 * Pure logic, no MCP: the seed type and tag vocabulary, parsing a seed file, loading the library,
 * search and tag counts. Selection ("tags:a,b", "id:x,y", files, …) is in seed-select.ts.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { promptsPath } from "../package-files.js";
import { listField, parseFrontmatter, scalarField } from "../util/frontmatter.js";

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
export const SEED_FILE_EXTENSIONS = new Set([".md", ".markdown"]);

/** Canonical spelling of a tag, or undefined when it is not in the vocabulary (case-insensitive). */
export function canonicalTag(tag: string): string | undefined {
  return TAG_LOOKUP.get(tag.trim().toLowerCase());
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

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
      `${label}: unknown tag${unknown.length > 1 ? "s" : ""} ${unknown.slice(0, 10).map((t) => `'${t.slice(0, 100)}'`).join(", ")}${unknown.length > 10 ? ` and ${unknown.length - 10} more` : ""}; ` +
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
  const fm = parseFrontmatter(content, label);
  if (!fm) throw new Error(`${label}: missing '---' frontmatter with an id and tags`);

  const id = scalarField(fm.fields.get("id"), "id", label);
  if (!id) throw new Error(`${label}: missing 'id' in frontmatter`);
  if (!ID_PATTERN.test(id)) {
    throw new Error(`${label}: bad id '${id}': use lowercase letters, digits and underscores (snake_case)`);
  }
  const tags = normalizeTags(listField(fm.fields.get("tags") ?? fm.fields.get("tag")), label);
  if (!fm.body) throw new Error(`${label}: seed '${id}' has an empty body`);

  const seed: Seed = { id, tags, text: fm.body };
  if (fileName) seed.source = fileName;

  const mode = scalarField(fm.fields.get("mode"), "mode", label)?.toLowerCase();
  if (mode !== undefined) {
    if (mode === "agentic" || mode === "autonomous") seed.mode = "agentic";
    else if (mode === "conversation" || mode === "user") seed.mode = "conversation";
    else throw new Error(`${label}: bad mode '${mode}': use 'agentic' or 'conversation'`);
  }
  const language = scalarField(fm.fields.get("language") ?? fm.fields.get("lang"), "language", label);
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

/** The package's `prompts/seeds` folder. */
export function defaultSeedsDir(): string {
  return promptsPath("seeds");
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The `.md` files of a folder (not hidden, not recursive), sorted by name, as full paths. */
export function seedFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => SEED_FILE_EXTENSIONS.has(extname(n).toLowerCase()) && !n.startsWith("."))
    .sort()
    .map((n) => join(dir, n))
    .filter(isFile);
}

/** Throws when two seeds share an id (naming both files). */
export function requireUniqueIds(seeds: readonly Seed[]): void {
  const byId = new Map<string, string | undefined>();
  for (const seed of seeds) {
    if (byId.has(seed.id)) throw new Error(`duplicate seed id '${seed.id}' in ${byId.get(seed.id)} and ${seed.source}`);
    byId.set(seed.id, seed.source);
  }
}

const libraryCache = new Map<string, Seed[]>();

export function copySeed(seed: Seed): Seed {
  return { ...seed, tags: [...seed.tags] };
}

function readSeedDir(dir: string): Seed[] {
  let files: string[];
  try {
    files = seedFilesIn(dir);
  } catch (err) {
    throw new Error(`cannot read seed folder ${dir}: ${(err as Error).message}`);
  }
  const seeds = files.map((path) => parseSeedFile(readFileSync(path, "utf8"), path));
  requireUniqueIds(seeds);
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
