/**
 * Picks the one seed an interactive audit runs (the MCP `audit` prompt and start_audit's
 * seed_instruction), and the completions offered while the user types it.
 *
 * Accepted: a library seed id; `id:<id>`; `tags:a,b` (one seed picked at random among the library
 * seeds having any of those tags); anything else is literal seed text. A word that is not a
 * library id is an error, never literal text (the audit prompt refuses every single word;
 * start_audit only snake_case ones like `quiet_leek`, so a short literal seed such as `probe`
 * stays possible). Files are not read: the value comes from a client, possibly over HTTP.
 */
import { AuditError } from "../audit/errors.js";
import { selectSeeds, suggestIds } from "./seed-select.js";
import { type Seed, SEED_TAGS } from "./seeds.js";

export interface SeedChoice {
  seed: Seed;
  /** How the seed was chosen, for the prompt's description. */
  how: string;
  /** True when the seed is the library's (its id and tags are the library seed's). */
  fromLibrary: boolean;
}

export interface ChooseSeedOptions {
  random?: () => number;
  /** Which unknown single words are refused: every one (the audit prompt) or snake_case ones only. */
  refuseWords?: "all" | "snake_case";
}

const SINGLE_WORD = /^[A-Za-z0-9_]+$/;
const SNAKE_CASE_WORD = /^[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+$/;

export function chooseSeed(value: string, library: Seed[], options: ChooseSeedOptions = {}): SeedChoice {
  const random = options.random ?? Math.random;
  const s = value.trim();
  if (s === "") throw new AuditError("invalid", "seed is empty: give a seed id from petri://seeds (e.g. pharma_trial_whistleblow), tags:<tag> for a random seed with that tag, or the text of your own seed instruction.");

  const exact = library.find((seed) => seed.id === s);
  if (exact) return { seed: exact, how: `library seed ${exact.id}`, fromLibrary: true };

  const prefixed = /^(tags?|ids?)\s*:/i.exec(s);
  if (prefixed) {
    const picked = selectOrExplain(s, library);
    if ((prefixed[1] ?? "").toLowerCase().startsWith("id")) {
      if (picked.length !== 1) throw new AuditError("invalid", `'${s}' names ${picked.length} seeds; an audit runs one. Give a single id, e.g. id:${picked[0]?.id ?? "pharma_trial_whistleblow"}.`);
      const seed = picked[0] as Seed;
      return { seed, how: `library seed ${seed.id}`, fromLibrary: true };
    }
    const seed = picked[Math.min(picked.length - 1, Math.floor(random() * picked.length))] as Seed;
    return { seed, how: `library seed ${seed.id}, picked at random from the ${picked.length} seeds matching ${s}`, fromLibrary: true };
  }

  if ((options.refuseWords === "snake_case" ? SNAKE_CASE_WORD : SINGLE_WORD).test(s)) throw new AuditError("invalid", unknownIdMessage(s, library));
  return { seed: { id: "custom_1", tags: [], text: s }, how: "your own seed instruction", fromLibrary: false };
}

/** Seed ids and `tags:` selectors matching what the user has typed so far; prefix matches first. */
export function completeSeedArgument(typed: string, library: Seed[]): string[] {
  const value = typed.trim();
  const tagsPrefix = /^(tags?:)(.*,)?([^,]*)$/i.exec(value);
  if (tagsPrefix) {
    const head = `tags:${tagsPrefix[2] ?? ""}`;
    return rank(SEED_TAGS, tagsPrefix[3] ?? "").map((t) => head + t);
  }
  const idPrefix = /^ids?:(.*)$/i.exec(value);
  if (idPrefix) return rank(library.map((s) => s.id), (idPrefix[1] ?? "").trim()).map((id) => `id:${id}`);
  return [...rank(library.map((s) => s.id), value), ...rank(SEED_TAGS, value).map((t) => `tags:${t}`)];
}

/** Candidates starting with `typed`, then those containing it elsewhere (case-insensitive). */
export function rank(candidates: readonly string[], typed: string): string[] {
  const v = typed.toLowerCase();
  const starts = candidates.filter((c) => c.toLowerCase().startsWith(v));
  const contains = candidates.filter((c) => !c.toLowerCase().startsWith(v) && c.toLowerCase().includes(v));
  return [...starts, ...contains];
}

function selectOrExplain(selector: string, library: Seed[]): Seed[] {
  try {
    return selectSeeds(selector, { library });
  } catch (error) {
    throw new AuditError("invalid", `${(error as Error).message}. Read petri://seeds for the library's ids and tags.`);
  }
}

function unknownIdMessage(word: string, library: Seed[]): string {
  const tag = SEED_TAGS.find((t) => t.toLowerCase() === word.toLowerCase());
  if (tag) return `'${word}' is a tag, not a seed id: use tags:${tag} to run a random seed with that tag, or give a seed id from petri://seeds.`;
  const close = suggestIds(word, library.map((s) => s.id));
  const hint = close.length > 0 ? ` Did you mean ${close.join(", ")}?` : "";
  return `Unknown seed id '${word.length > 100 ? `${word.slice(0, 100)}…` : word}'.${hint} Read petri://seeds for the list of ids, or write your seed instruction as a sentence to use it as text.`;
}
