/**
 * `npm install -g .` on a fresh clone runs `prepare` without the devDependencies: instead of
 * "tsc: not found", scripts/prepare.mjs says what to run (npm ci first) and fails.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");

describe("npm prepare", () => {
  it("package.json runs scripts/prepare.mjs", () => {
    expect(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts.prepare).toBe("node scripts/prepare.mjs");
  });

  it("without the build tools, it explains and fails instead of 'tsc: not found'", () => {
    const clone = tempDir("petri-prepare-");
    mkdirSync(join(clone, "scripts"));
    copyFileSync(join(ROOT, "scripts", "prepare.mjs"), join(clone, "scripts", "prepare.mjs"));
    const run = spawnSync(process.execPath, [join(clone, "scripts", "prepare.mjs")], { cwd: clone, encoding: "utf8", timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("the development dependencies (TypeScript, esbuild) are not installed");
    expect(run.stderr).toContain("run `npm ci` first");
  });
});
