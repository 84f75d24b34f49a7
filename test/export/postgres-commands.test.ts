/**
 * The read-only commands on a PostgreSQL store (`--db postgres://…`): list, export, report and view
 * read the same store the MCP tools wrote, and print its location with the password redacted.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/commands/index.js";
import { startView } from "../../src/commands/view.js";
import { createTestApp, tempDir, type TestApp } from "../helpers.js";
import { useBackend } from "../support/backends.js";
import { RUN_ID, seedRun, TOKEN } from "../viewer/viewer-helpers.js";
import * as scenarios from "./scenarios.js";
import { schemaErrors } from "./viewer.js";

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out, err: err.join("\n") };
}

describe("list, export, report and view with --db postgres://", () => {
  useBackend("postgres");
  let t: TestApp | undefined;
  let url = "";
  let password = "";
  let everything = "";
  let runIds: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ backend: "postgres" });
    url = t.app.config.dbPath;
    password = new URL(url).password;
    everything = await scenarios.everything(t);
    runIds = await seedRun(t.app.store);
  }, 120_000);
  afterAll(async () => t?.close());

  it("list shows the audits with their judge state; the password never appears", async () => {
    const { code, out, err } = await run("list", "--db", url);
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^5 audit\(s\) in postgresql:\/\/petri:\[redacted\]@127\.0\.0\.1:\d+\/\S+:$/);
    for (const id of [everything, ...runIds]) expect(out.join("\n")).toContain(id);
    expect(out.find((l) => l.startsWith(runIds[0]!))).toContain("judge complete");
    const json = await run("list", "--db", url, "--json", "--run-id", RUN_ID);
    expect(JSON.parse(json.out.join("\n")).audits.map((a: { id: string }) => a.id).sort()).toEqual([...runIds].sort());
    expect([...out, err, ...json.out].join("\n")).not.toContain(password);
  });

  it("export --all writes every audit in each format, as on SQLite", async () => {
    const dir = tempDir("petri-pg-export-");
    const { code, out, err } = await run("export", "--all", "--db", url, "--out", dir);
    expect(code).toBe(0);
    expect(out).toHaveLength(5);
    expect(err).toContain(`Exported 5 of 5 audit(s) to ${dir}.`);
    const file = readdirSync(dir).find((f) => f.endsWith(`_${everything}.json`))!;
    const transcript = JSON.parse(readFileSync(join(dir, file), "utf8"));
    expect(schemaErrors(transcript)).toEqual([]);
    expect(transcript.metadata.judge_output.scores).toMatchObject({ concerning: 6 });
    const md = await run("export", everything, "--db", url, "--out", dir, "--format", "markdown");
    expect(md.code).toBe(0);
    expect(readFileSync(md.out[0]!, "utf8")).toContain("## Realism checks");
    const missing = await run("export", "nope", "--db", url, "--out", dir);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("no audit with id 'nope' in postgresql://petri:[redacted]@");
    expect(missing.err).not.toContain(password);
  });

  it("report computes the run's cells from the store", async () => {
    const { code, out } = await run("report", RUN_ID, "--db", url, "--format", "json");
    expect(code).toBe(0);
    const report = JSON.parse(out.join("\n"));
    expect(report.runId).toBe(RUN_ID);
    expect(report.cells.find((c: { target: string; dimension: string }) => c.target === "mockllm/target" && c.dimension === "concerning")).toMatchObject({ n: 2, mean: 4 });
    const unknown = await run("report", "no-such-run", "--db", url);
    expect(unknown.code).toBe(1);
    expect(unknown.err).not.toContain(password);
  });

  it("view serves the store read-only and prints one Viewer line", async () => {
    const previous = process.env.PETRI_MCP_TOKEN;
    process.env.PETRI_MCP_TOKEN = TOKEN;
    const out: string[] = [];
    const err: string[] = [];
    try {
      const viewer = await startView(["--db", url, "--port", "0"], { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) });
      if (typeof viewer === "number") throw new Error(`view exited ${viewer}: ${err.join("\n")}`);
      expect(out).toHaveLength(1);
      const viewerUrl = new URL(out[0]!.replace(/^Viewer: /, ""));
      const page = await fetch(`${viewerUrl.origin}/`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(`<a href="/audits/${everything}">`);
      await viewer.close();
      expect(err.join("\n")).not.toContain(password);
    } finally {
      if (previous === undefined) delete process.env.PETRI_MCP_TOKEN;
      else process.env.PETRI_MCP_TOKEN = previous;
    }
  });
});
