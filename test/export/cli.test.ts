/**
 * `petri-mcp export`: one audit, several, or --all, into --out DIR, in each format.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/commands/index.js";
import { createTestApp, type TestApp, tempDir } from "../helpers.js";
import * as scenarios from "./scenarios.js";
import { schemaErrors } from "./viewer.js";

let t: TestApp;
let db: string;
let ids: string[];

beforeAll(async () => {
  t = await createTestApp();
  db = t.app.config.dbPath;
  ids = [await scenarios.basic(t), await scenarios.rollbacks(t)];
});
afterAll(async () => t.close());

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["export", ...argv, "--db", db], { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out, err: err.join("\n") };
}

describe("petri-mcp export", () => {
  it("exports one audit as Petri JSON into --out and prints the path", async () => {
    const dir = tempDir("petri-cli-");
    const { code, out } = await run(ids[0]!, "--out", dir);
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    expect(basename(out[0]!)).toMatch(new RegExp(`^transcript_\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2}_${ids[0]}\\.json$`));
    expect(out[0]!.startsWith(dir)).toBe(true);
    expect(schemaErrors(JSON.parse(readFileSync(out[0]!, "utf8")))).toEqual([]);
  });

  it("exports --all in the chosen format", async () => {
    const dir = tempDir("petri-cli-");
    const { code, out, err } = await run("--all", "--out", dir, "--format", "html");
    expect(code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(out.map((p) => basename(p)).sort());
    expect(out.map((p) => basename(p).replace(/^transcript_[\d_-]+_/, "").replace(/\.html$/, "")).sort()).toEqual([...ids].sort());
    expect(err).toContain(`Exported 2 of 2 audit(s) to ${dir}.`);
  });

  it("exports several ids, reporting unknown ones with exit code 1", async () => {
    const dir = tempDir("petri-cli-");
    const { code, out, err } = await run(ids[1]!, "nope", "--out", dir, "--format", "markdown");
    expect(code).toBe(1);
    expect(out).toEqual([join(dir, basename(out[0]!))]);
    expect(err).toContain("no audit with id 'nope'");
  });

  it("refuses bad usage with exit code 2", async () => {
    expect((await run()).code).toBe(2);
    expect((await run("--all", ids[0]!)).err).toContain("give audit ids or --all (not both)");
    expect((await run(ids[0]!, "--format", "pdf")).err).toContain("--format must be one of petri, markdown, html");
    expect((await run("--bogus")).code).toBe(2);
  });
});
