/**
 * dist/ built from the current sources, once per vitest run: the tests of the built CLI call
 * `freshBuild(files)` instead of each running `npm run build` (~30 s each). The broker (see
 * global-setup.ts) builds on the first call and skips the build when the run was started by a
 * script that has just built (`npm test` = `npm run build && vitest run`). Without the broker the
 * file builds for itself.
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { askBroker, hasBroker } from "./broker.js";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Builds dist/ (type errors elsewhere in the tree do not stop tsc from emitting); gives when it began. */
export function buildDist(): number {
  const started = Date.now();
  spawnSync("npm", ["run", "build"], { cwd: REPO_ROOT, stdio: "ignore" });
  return started;
}

/** Makes sure `files` (paths in dist/) are built from the current sources, or throws. */
export async function freshBuild(files: readonly string[]): Promise<void> {
  // `builtAt`: when this run's build began; null when the script that started the run built.
  const builtAt = hasBroker() ? (await askBroker<{ builtAt: number | null }>("/build")).builtAt : buildDist();
  for (const file of files) {
    if (!existsSync(file) || (builtAt !== null && statSync(file).mtimeMs < builtAt - 1000)) throw new Error(`npm run build did not produce a fresh ${file}`);
  }
}
