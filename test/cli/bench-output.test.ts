/** `npm run bench` writes the ignored bench/results.local.json; `npm run bench:readme` copies its table between markers. */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { figure } from "../../bench/lib/figures.js";
import { formatMarkdown, formatReadmeTable, RESULTS_FILE } from "../../bench/lib/report.js";
import { percentile } from "../../bench/lib/stats.js";
import { replaceBetweenMarkers } from "../../bench/update-docs.js";

const ROOT = join(import.meta.dirname, "..", "..");

describe("bench results file", () => {
  it("every run writes results.local.json, which git ignores; no results file is tracked", () => {
    expect(RESULTS_FILE).toBe("results.local.json");
    expect(execFileSync("git", ["check-ignore", "bench/results.local.json"], { cwd: ROOT, encoding: "utf8" }).trim()).toBe("bench/results.local.json");
    expect(execFileSync("git", ["ls-files", "bench/results.json"], { cwd: ROOT, encoding: "utf8" }).trim()).toBe("");
  });

  it("bench:readme replaces only what lies between the markers, and refuses a file without them", () => {
    const text = "intro\n<!-- bench:start -->\nold table\n<!-- bench:end -->\nafter\n";
    expect(replaceBetweenMarkers(text, "new table\n", "X.md")).toBe("intro\n<!-- bench:start -->\nnew table\n<!-- bench:end -->\nafter\n");
    expect(() => replaceBetweenMarkers("no markers", "t", "X.md")).toThrow(/X.md has no/);
  });

  it("tables show the ms added per call next to the ratio, with | escaped", () => {
    const f = figure({
      id: "overhead.p50.10",
      group: "overhead",
      label: "wall p50 | 10 messages",
      value: { label: "mcp", unit: "ms", spread: { median: 2, min: 1.5, max: 3 } },
      baseline: { label: "direct", unit: "ms", spread: { median: 1, min: 1, max: 1 } },
      added: { unit: "ms", spread: { median: 1, min: 0.5, max: 2 } },
      ratioLabel: "MCP / direct",
      ratio: { median: 2, min: 1.5, max: 3 },
      rounds: 3,
      target: { on: "ratio", op: "<=", limit: 1.3 },
    });
    expect(f.status).toBe("miss");
    for (const table of [formatMarkdown([f]), formatReadmeTable([f])]) {
      expect(table).toContain("+1.00 [0.50-2.00] ms");
      expect(table).toContain("wall p50 \\| 10 messages");
      expect(table).toContain("**miss**");
    }
  });

  it("a p95 over 200 samples is the 190th smallest, not the maximum", () => {
    const values = Array.from({ length: 200 }, (_, i) => i + 1);
    expect(percentile(values, 95)).toBe(190);
  });
});
