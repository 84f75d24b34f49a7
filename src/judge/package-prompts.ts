/**
 * The package's `prompts/` folder: walks up from this module (src/judge under vitest/tsx,
 * dist/judge when built) to the first directory holding both a package.json and prompts/.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function packagePromptsDir(): string {
  if (cached) return cached;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const prompts = join(dir, "prompts");
    if (existsSync(join(dir, "package.json")) && existsSync(prompts) && statSync(prompts).isDirectory()) {
      cached = prompts;
      return prompts;
    }
    if (dirname(dir) === dir) break;
  }
  throw new Error(`cannot find the petri-mcp package root (package.json + prompts/) above ${start}`);
}

const templates = new Map<string, string>();

/** A prompt file's text (cached; the files ship with the package and do not change at run time). */
export function readPromptFile(relativePath: string): string {
  let text = templates.get(relativePath);
  if (text === undefined) {
    text = readFileSync(join(packagePromptsDir(), relativePath), "utf8").replace(/\r\n?/g, "\n");
    templates.set(relativePath, text);
  }
  return text;
}
