/**
 * The files that ship with the package (prompts/, its rubrics in prompts/dimensions/ and seeds in
 * prompts/seeds/), found in one way: walk up from this module to the folder whose package.json is
 * named petri-mcp. That works wherever the code runs from: src/ (tsx, vitest), dist/ (tsc) and the
 * esbuild bundle dist/cli.js, where every module's import.meta.url is the bundle's.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_NAME = "petri-mcp";

let root: string | undefined;

function isPackageRoot(dir: string): boolean {
  const manifest = join(dir, "package.json");
  if (!existsSync(manifest)) return false;
  try {
    return (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/** The package's root folder (the one holding package.json, prompts/ and dist/). */
export function packageRoot(): string {
  if (root) return root;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (isPackageRoot(dir)) {
      root = dir;
      return dir;
    }
    if (dirname(dir) === dir) break;
  }
  throw new Error(`cannot find the ${PACKAGE_NAME} package root (a package.json named ${PACKAGE_NAME}) above ${start}`);
}

/** An absolute path inside the package's prompts/ folder, e.g. `promptsPath("seeds")`. */
export function promptsPath(...parts: string[]): string {
  return join(packageRoot(), "prompts", ...parts);
}

const texts = new Map<string, string>();

/**
 * A file of prompts/ as text, line endings normalised to `\n` (cached: the files ship with the
 * package and do not change at run time).
 */
export function readPromptFile(relativePath: string): string {
  let text = texts.get(relativePath);
  if (text === undefined) {
    text = readFileSync(promptsPath(relativePath), "utf8").replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
    texts.set(relativePath, text);
  }
  return text;
}
