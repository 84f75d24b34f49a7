/**
 * Read-only commands (list, export, judge) on a database path that does not exist: an error naming
 * the path, exit status 2, and nothing created (a mistyped --db used to leave an empty database).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/commands/index.js";
import { tempDir } from "../helpers.js";

async function run(argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(argv, { stdout: (s) => stdout.push(s), stderr: (s) => stderr.push(s) });
  return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
}

describe("read-only commands on a missing database", () => {
  it.each([
    ["list", ["list"]],
    ["list --json", ["list", "--json"]],
    ["export --all", ["export", "--all"]],
    ["export <id>", ["export", "abc123"]],
    ["judge --all", ["judge", "--all", "--judge-model", "mockllm/judge"]],
    ["judge <id>", ["judge", "abc123", "--judge-model", "mockllm/judge"]],
  ])("%s: names the path, exits 2, creates nothing", async (_label, argv) => {
    const dir = tempDir("petri-missing-db-");
    const db = join(dir, "typo", "petri.db");
    const { code, stdout, stderr } = await run([...argv, "--db", db, ...(argv[0] === "export" ? ["--out", join(dir, "out")] : [])]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(`no database at ${db}`);
    expect(existsSync(join(dir, "typo"))).toBe(false);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("PETRI_DB pointing nowhere is the same error", async () => {
    const dir = tempDir("petri-missing-db-");
    const db = join(dir, "nowhere.db");
    const previous = process.env.PETRI_DB;
    process.env.PETRI_DB = db;
    try {
      const { code, stderr } = await run(["list"]);
      expect(code).toBe(2);
      expect(stderr).toContain(db);
      expect(existsSync(db)).toBe(false);
    } finally {
      if (previous === undefined) delete process.env.PETRI_DB;
      else process.env.PETRI_DB = previous;
    }
  });
});
