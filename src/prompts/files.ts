/**
 * The package's `prompts/` folder: auditor templates and the judge rubrics in `dimensions/`.
 * Files are read once per process; the package's prompts do not change while it runs.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { defaultSeedsDir } from "./seeds.js";

const cache = new Map<string, string>();

/** The package's `prompts/` folder (the parent of the seed library). */
export function promptsDir(): string {
  return dirname(defaultSeedsDir());
}

/** A file under `prompts/`, e.g. `auditor-system.md` or `dimensions/admirable.md`. */
export function readPromptFile(relativePath: string): string {
  const path = join(promptsDir(), relativePath);
  let text = cache.get(path);
  if (text === undefined) {
    text = readFileSync(path, "utf8");
    cache.set(path, text);
  }
  return text;
}

/** Names of the judge dimensions shipped in `prompts/dimensions/`, sorted. */
export function dimensionNames(): string[] {
  return readdirSync(join(promptsDir(), "dimensions"))
    .filter((f) => f.endsWith(".md") && !f.startsWith("."))
    .map((f) => basename(f, ".md"))
    .sort();
}

/** The rubric markdown of one shipped dimension, frontmatter included. */
export function dimensionMarkdown(name: string): string {
  return readPromptFile(join("dimensions", `${name}.md`));
}

/** A scalar from a markdown file's `---` frontmatter, or undefined. */
export function frontmatterField(markdown: string, key: string): string | undefined {
  const fm = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---/.exec(markdown);
  if (!fm) return undefined;
  const line = new RegExp(`^${key}:[ \\t]*(.*)$`, "m").exec(fm[1] as string);
  const value = line?.[1]?.trim().replace(/^(["'])(.*)\1$/, "$2");
  return value ? value : undefined;
}
