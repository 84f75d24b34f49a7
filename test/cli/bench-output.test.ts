/** `npm run bench` writes the ignored bench/results.local.json; only `--record` rewrites the tracked results.json. */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resultsFile } from "../../bench/lib/report.js";

const ROOT = join(import.meta.dirname, "..", "..");

describe("bench results file", () => {
  it("a plain, quick or partial run writes results.local.json, which git ignores", () => {
    for (const options of [{}, { quick: true }, { only: "overhead" }]) expect(resultsFile(options)).toBe("results.local.json");
    expect(execFileSync("git", ["check-ignore", "bench/results.local.json"], { cwd: ROOT, encoding: "utf8" }).trim()).toBe("bench/results.local.json");
  });

  it("--record writes the tracked results.json, and only on a full run", () => {
    expect(resultsFile({ record: true })).toBe("results.json");
    expect(() => resultsFile({ record: true, quick: true })).toThrow(/full run/);
    expect(() => resultsFile({ record: true, only: "scale" })).toThrow(/full run/);
  });
});
