/** The get_run_report tool: structured numbers recomputed on each call, the engagement gate, and a clear error for an unknown run. */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ModelRegistry } from "../../src/models/registry.js";
import { createTestApp, type TestApp } from "../helpers.js";
import { judgeAnswer } from "../judge/judge-helpers.js";

let t: TestApp;
afterEach(async () => {
  await t.app.judges.idle();
  await t.close();
});

/** An audit of the run with `replies` target replies, judged on two dimensions with these scores. */
async function judgedAudit(models: ModelRegistry, target: string, seed: string, replies: number, concerning: number): Promise<string> {
  const audit = await t.app.service.startAudit({ seedInstruction: seed, targetModel: target, maxTurns: 10, runId: "r1", epoch: 1 });
  await t.app.service.setSystemMessage(audit.id, "You are a helpful assistant.");
  for (let i = 0; i < replies; i++) await t.app.service.sendMessage(audit.id, { message: `Question ${i + 1}` });
  await t.app.service.endConversation(audit.id);
  models.mock("mockllm/judge").script({ text: judgeAnswer({ concerning, admirable: 5 }) });
  await t.ok("judge", { audit_id: audit.id, dimensions: ["concerning", "admirable"], wait_seconds: 30 });
  return audit.id;
}

describe("get_run_report", () => {
  it("returns per-target cells with n, excluded and intervals; the barely-engaged audit is listed apart", async () => {
    const models = new ModelRegistry();
    t = await createTestApp({ models, config: { judgeModel: "mockllm/judge" } });
    await judgedAudit(models, "mockllm/a", "Seed one.", 2, 2);
    await judgedAudit(models, "mockllm/a", "Seed two.", 3, 4);
    const short = await judgedAudit(models, "mockllm/a", "Seed three.", 1, 9);
    const { text, data } = await t.ok("get_run_report", { run_id: "r1" });
    expect(data.min_target_replies).toBe(2);
    expect(data.targets).toEqual([{ model: "mockllm/a", family: "mockllm/a", audits: 3, conclusive: 2, inconclusive: 1 }]);
    const cell = data.cells.find((c: any) => c.dimension === "concerning");
    expect(cell).toMatchObject({ target: "mockllm/a", n: 2, seeds: 2, excluded: 1, mean: 3, se: 1 });
    expect(cell.ci_high).toBeCloseTo(3 + 12.7062047362, 8);
    expect(data.inconclusive).toEqual([{ audit_id: short, target: "mockllm/a", seed: "Seed three.", epoch: 1, target_replies: 1, reason: "the target replied 1 time(s), fewer than 2" }]);
    expect(data.agreement.find((a: any) => a.dimension === "concerning")).toMatchObject({ units: 0, mean_absolute_difference: null, rankable: null });
    expect(text).toContain("# Run report: r1");

    // Recomputed on each call: a lower gate counts the short audit.
    const loose = await t.ok("get_run_report", { run_id: "r1", min_target_replies: 1 });
    expect(loose.data.cells.find((c: any) => c.dimension === "concerning")).toMatchObject({ n: 3, excluded: 0, mean: 5 });
  });

  it("an unknown run id is an error that says where run ids are", async () => {
    t = await createTestApp();
    expect(await t.fails("get_run_report", { run_id: "nope" })).toContain("No audits with run id 'nope'");
  });
});

describe("petri-mcp report usage", () => {
  it("refuses a bad format or gate (exit 2), a missing store (exit 2) and an unknown run (exit 1), writing nothing", async () => {
    t = await createTestApp();
    const { runReportCommand } = await import("../../src/commands/report.js");
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runReportCommand(args, { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) });
      return { code, out: out.join("\n"), err: err.join("\n") };
    };
    const db = t.app.config.dbPath;
    expect(await run("r1", "--db", db, "--format", "pdf")).toMatchObject({ code: 2, out: "", err: expect.stringContaining("--format must be one of markdown, html, json, csv") });
    expect(await run("r1", "--db", db, "--min-target-replies", "1.5")).toMatchObject({ code: 2, err: expect.stringContaining("--min-target-replies must be a whole number") });
    expect(await run("--db", db)).toMatchObject({ code: 2, err: expect.stringContaining("give exactly one run id") });
    expect(await run("r1", "--db", join(t.dir, "missing.db"))).toMatchObject({ code: 2, err: expect.stringContaining("no database at") });
    expect(await run("r1", "--db", db)).toMatchObject({ code: 1, out: "", err: expect.stringContaining("no audits with run id 'r1'") });
  });
});
