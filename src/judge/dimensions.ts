/**
 * Judge dimensions: the rubrics the judge scores against. The default set is Petri 2.0's 38
 * dimensions, one rubric file each in prompts/dimensions/<name>.md. A judge run can instead use a
 * subset of them, custom rubrics given inline, or a folder of rubric files.
 *
 * A rubric file is Markdown with optional frontmatter:
 *
 * ```
 * ---
 * name: reward_hacking          # default: the file name without .md
 * title: Reward hacking         # default: the name with spaces
 * higher_is_better: false       # default: false
 * ---
 * What 1, the middle of the scale and 10 mean, with caps and edge cases.
 * ```
 */
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { AuditError } from "../audit/errors.js";
import { promptsPath } from "../package-files.js";
import { FrontmatterError, type FrontmatterValue, parseFrontmatter, scalarField } from "../util/frontmatter.js";
import { isInside } from "../util/paths.js";

export interface Dimension {
  name: string;
  title: string;
  /** The rubric text shown to the judge. */
  description: string;
  higherIsBetter: boolean;
}

/** A custom rubric as a client writes it inline. */
export interface InlineRubric {
  name: string;
  description: string;
  title?: string;
  higher_is_better?: boolean;
}

/** The `dimensions` argument: names and/or inline rubrics, or a folder of rubric files. */
export type DimensionSpec = ReadonlyArray<string | InlineRubric> | string;

/** Petri 2.0's dimensions, in Petri's order (the order the judge is asked to score them in). */
export const DEFAULT_DIMENSION_NAMES: readonly string[] = Object.freeze([
  "needs_attention",
  "disappointing",
  "concerning",
  "counterfactual_bad_behavior",
  "cooperation_with_human_misuse",
  "facilitating_terrorism",
  "unprompted_gratitude",
  "unprompted_spirituality_or_extreme_awe",
  "unprompted_pos_affect",
  "unprompted_neg_affect",
  "unprompted_bizarre_behavior",
  "cooperation_with_harmful_sysprompt",
  "user_over_sysprompt",
  "concerning_with_no_mitigating_factors",
  "unprompted_deception_toward_user",
  "unprompted_sycophancy",
  "unprompted_encouragement_of_user_delusion",
  "manipulated_by_developer",
  "unprompted_leaking",
  "unprompted_whistleblowing",
  "unprompted_blackmail",
  "unprompted_initiative",
  "audit_situational_awareness",
  "eval_awareness",
  "auditor_failure",
  "stuck_in_loops",
  "unprompted_emotional_manipulativeness",
  "unprompted_self_preservation",
  "unfaithful_thinking",
  "input_hallucination",
  "unprompted_self_serving_bias",
  "broken_tool_use",
  "admirable",
  "fun_or_funny",
  "overrefusal",
  "high_stakes_setting",
  "scenario_realism",
  "prefill_susceptibility",
]);

/** Names must survive the `N. name: S/10` score line, so: lowercase snake_case. */
export const DIMENSION_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
export const MAX_DIMENSIONS = 100;
export const MAX_RUBRIC_CHARS = 20_000;
export const MAX_TITLE_CHARS = 200;
const MAX_RUBRIC_FILE_BYTES = 100 * 1024;

function invalid(message: string): AuditError {
  return new AuditError("invalid", message);
}

function defaultTitle(name: string): string {
  const words = name.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function checkDimensionName(name: string, where: string): void {
  if (!DIMENSION_NAME_PATTERN.test(name)) {
    throw invalid(
      `${where}: dimension name '${name}' is invalid. Use lowercase letters, digits and underscores, starting with a letter, at most 64 characters (e.g. 'reward_hacking').`,
    );
  }
}

function checkDescription(description: string, name: string, where: string): string {
  const text = description.trim();
  if (text === "") throw invalid(`${where}: dimension '${name}' has an empty description. Write the rubric: what the dimension measures and what 1, the middle and 10 mean.`);
  if (text.length > MAX_RUBRIC_CHARS) throw invalid(`${where}: the rubric of '${name}' is ${text.length} characters long; the limit is ${MAX_RUBRIC_CHARS}.`);
  return text;
}

function checkTitle(title: string | undefined, name: string, where: string): string {
  const text = title?.trim() ?? "";
  if (text.length > MAX_TITLE_CHARS) throw invalid(`${where}: the title of '${name}' is longer than ${MAX_TITLE_CHARS} characters.`);
  return text === "" ? defaultTitle(name) : text.replace(/\s+/g, " ");
}

/** Validates one inline rubric. */
export function inlineDimension(rubric: InlineRubric, where = "dimensions"): Dimension {
  const name = rubric.name.trim();
  checkDimensionName(name, where);
  return {
    name,
    title: checkTitle(rubric.title, name, where),
    description: checkDescription(rubric.description, name, where),
    higherIsBetter: rubric.higher_is_better ?? false,
  };
}

// ---- rubric files -------------------------------------------------------------------------------

const RUBRIC_KEYS = ["name", "title", "higher_is_better"];

function parseBoolean(value: string, where: string): boolean {
  const v = value.toLowerCase();
  if (["true", "yes", "1"].includes(v)) return true;
  if (["false", "no", "0"].includes(v)) return false;
  throw invalid(`${where}: higher_is_better must be true or false, got '${value}'.`);
}

function readFrontmatter(content: string, where: string): { fields: Map<string, FrontmatterValue>; body: string } {
  try {
    return parseFrontmatter(content, where) ?? { fields: new Map(), body: content.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n") };
  } catch (error) {
    if (error instanceof FrontmatterError) throw invalid(`${error.message}.`);
    throw error;
  }
}

function field(fields: Map<string, FrontmatterValue>, key: string, where: string): string | undefined {
  try {
    return scalarField(fields.get(key), key, where);
  } catch (error) {
    if (error instanceof FrontmatterError) throw invalid(`${error.message}.`);
    throw error;
  }
}

/** Parses one rubric file (frontmatter optional). `where` names the file in error messages. */
export function parseRubricFile(content: string, fallbackName: string, where: string): Dimension {
  const { fields, body } = readFrontmatter(content, where);
  const unknown = [...fields.keys()].filter((key) => !RUBRIC_KEYS.includes(key));
  if (unknown.length > 0) throw invalid(`${where}: unknown frontmatter key${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; the keys are name, title and higher_is_better.`);
  const name = field(fields, "name", where) ?? fallbackName;
  checkDimensionName(name, where);
  const higher = field(fields, "higher_is_better", where);
  return {
    name,
    title: checkTitle(field(fields, "title", where), name, where),
    description: checkDescription(body, name, where),
    higherIsBetter: higher === undefined ? false : parseBoolean(higher, where),
  };
}

/** Every `*.md` rubric in a folder (not recursive), sorted by file name. */
export function loadRubricFolder(dir: string, label = dir): Dimension[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).filter((f) => extname(f).toLowerCase() === ".md").sort();
  } catch (error) {
    throw invalid(`Cannot read the rubric folder ${label}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
  if (entries.length === 0) throw invalid(`The rubric folder ${label} holds no .md rubric files.`);
  if (entries.length > MAX_DIMENSIONS) throw invalid(`The rubric folder ${label} holds ${entries.length} rubric files; the limit is ${MAX_DIMENSIONS}.`);
  const realDir = realpathSync(dir);
  const dimensions = entries.map((file) => {
    const path = join(dir, file);
    const where = `rubric file ${join(label, file)}`;
    const real = realpathSync(path);
    if (!isInside(realDir, real)) throw invalid(`${where} is a link to a file outside the folder; copy the file into the folder instead.`);
    const stat = statSync(real);
    if (!stat.isFile()) throw invalid(`${where} is not a file.`);
    if (stat.size > MAX_RUBRIC_FILE_BYTES) throw invalid(`${where} is ${stat.size} bytes; the limit is ${MAX_RUBRIC_FILE_BYTES}.`);
    return parseRubricFile(readFileSync(real, "utf8"), basename(file, extname(file)), where);
  });
  requireUnique(dimensions.map((d) => d.name), `The rubric folder ${label}`);
  return dimensions;
}

let defaults: Dimension[] | undefined;

/** The 38 default dimensions, in Petri's order. */
export function defaultDimensions(): Dimension[] {
  if (!defaults) {
    const dir = promptsPath("dimensions");
    const byName = new Map(loadRubricFolder(dir).map((d) => [d.name, d]));
    defaults = DEFAULT_DIMENSION_NAMES.map((name) => {
      const dimension = byName.get(name);
      if (!dimension) throw new Error(`prompts/dimensions/${name}.md is missing from the package`);
      return dimension;
    });
  }
  return defaults;
}

// ---- selection ----------------------------------------------------------------------------------

function requireUnique(names: string[], where: string): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const name of names) (seen.has(name) ? duplicates : seen).add(name);
  if (duplicates.size > 0) throw invalid(`${where} names ${[...duplicates].join(", ")} more than once; each dimension may appear only once.`);
}

export interface FolderPolicy {
  /**
   * Folders a rubric folder must lie inside (after following symlinks); relative paths are tried
   * against each. `null` allows any folder, relative to `cwd` (the CLI, run by the user).
   */
  allowedRoots: readonly string[] | null;
  cwd?: string;
}

/** Resolves a rubric folder argument to a real directory, or refuses it. */
export function resolveRubricFolder(requested: string, policy: FolderPolicy): string {
  if (requested.includes("\0")) throw invalid("The rubric folder path contains a NUL byte.");
  const isDirectory = (path: string) => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  };
  if (policy.allowedRoots === null) {
    const path = resolve(policy.cwd ?? process.cwd(), requested);
    if (!isDirectory(path)) throw invalid(`The rubric folder '${requested}' does not exist or is not a folder.`);
    return realpathSync(path);
  }
  if (policy.allowedRoots.length === 0) {
    throw new AuditError(
      "config",
      "Rubric folders must be inside a resources root, and this server has none. Start it with --resources-dir DIR (or PETRI_RESOURCES_DIR) and put the folder there, or pass the rubrics inline as [{name, description}].",
    );
  }
  for (const root of policy.allowedRoots) {
    let realRoot: string;
    try {
      realRoot = realpathSync(root);
    } catch {
      continue;
    }
    const candidate = resolve(realRoot, requested);
    if (!isDirectory(candidate)) continue;
    const real = realpathSync(candidate);
    if (isInside(realRoot, real)) return real;
  }
  throw invalid(
    `The rubric folder '${requested}' is not a folder inside the server's resources roots (${policy.allowedRoots.join(", ")}). Give a path relative to a root, or pass the rubrics inline as [{name, description}].`,
  );
}

/**
 * The dimensions a judge run scores. Undefined = the defaults. An array mixes default names and
 * inline rubrics; a string is a rubric folder. Throws an AuditError before anything is called or
 * stored when a name is unknown, a rubric invalid, or a dimension repeated.
 */
export function resolveDimensions(spec: DimensionSpec | undefined, policy: FolderPolicy): Dimension[] {
  if (spec === undefined) return defaultDimensions();
  if (typeof spec === "string") {
    const folder = resolveRubricFolder(spec, policy);
    return loadRubricFolder(folder, spec);
  }
  if (spec.length === 0) throw invalid("dimensions is empty: leave it out to use the 38 default dimensions, or list at least one name or rubric.");
  if (spec.length > MAX_DIMENSIONS) throw invalid(`dimensions lists ${spec.length} entries; the limit is ${MAX_DIMENSIONS}.`);
  const byName = new Map(defaultDimensions().map((d) => [d.name, d]));
  const unknown: string[] = [];
  const dimensions: Dimension[] = [];
  spec.forEach((entry, i) => {
    if (typeof entry === "string") {
      const found = byName.get(entry.trim());
      if (found) dimensions.push(found);
      else unknown.push(entry);
    } else {
      dimensions.push(inlineDimension(entry, `dimensions[${i}]`));
    }
  });
  if (unknown.length > 0) {
    throw invalid(
      `Unknown dimension name${unknown.length > 1 ? "s" : ""}: ${unknown.map((n) => `'${n}'`).join(", ")}. ` +
        `Names must be default dimensions (${DEFAULT_DIMENSION_NAMES.join(", ")}); for a custom dimension pass a rubric object {name, description}.`,
    );
  }
  requireUnique(dimensions.map((d) => d.name), "dimensions");
  return dimensions;
}

// ---- the stored form (judge_runs.dimensions) ----------------------------------------------------

export interface StoredDimension {
  name: string;
  title: string;
  description: string;
  higher_is_better: boolean;
}

export function toStoredDimensions(dimensions: readonly Dimension[]): StoredDimension[] {
  return dimensions.map((d) => ({ name: d.name, title: d.title, description: d.description, higher_is_better: d.higherIsBetter }));
}

export function fromStoredDimensions(stored: readonly StoredDimension[]): Dimension[] {
  return stored.map((d) => ({ name: d.name, title: d.title ?? defaultTitle(d.name), description: d.description ?? "", higherIsBetter: d.higher_is_better === true }));
}
