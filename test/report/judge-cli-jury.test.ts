/** `petri-mcp judge ID --judge A --judge B --judge C`: one stored run per judge, a column per judge, the jury line naming the excluded judge. */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AuditService } from "../../src/audit/service.js";
import { runJudgeCommand } from "../../src/commands/judge.js";
import { ModelRegistry } from "../../src/models/registry.js";
import { openStore } from "../../src/store/index.js";
import { tempDir } from "../helpers.js";
import { allScores, buildBranchedAudit, judgeAnswer } from "../judge/judge-helpers.js";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("petri-mcp judge with a jury", () => {
  it("stores one run per judge, prints a column per judge and the jury's medians, and exits 1 when a judge failed", async () => {
    dir = tempDir("petri-judge-jury-");
    const db = join(dir, "petri.db");
    const models = new ModelRegistry();
    const store = await openStore(db);
    const auditId = await buildBranchedAudit(new AuditService(store, models), models.mock("mockllm/target"));
    await store.close();
    models.mock("mockllm/judge-a").script({ text: judgeAnswer(allScores({ concerning: 7 })) });
    models.mock("mockllm/judge-b").script({ text: judgeAnswer(allScores({ concerning: 4 })) });
    models.mock("mockllm/judge-c").respondWith(() => ({ text: "No." }));
    const out: string[] = [];
    const err: string[] = [];
    // prettier-ignore
    const code = await runJudgeCommand([auditId, "--judge", "mockllm/judge-a", "--judge", "mockllm/judge-b", "--judge", "mockllm/judge-c", "--retries", "1", "--db", db],
      { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) }, { models });
    expect(code).toBe(1);
    const text = out.join("\n");
    expect(text).toMatch(/^dimension\s+\w+:judge-a\s+\w+:judge-b\s+\w+:judge-c\s+mean\s+n$/m);
    expect(text).toContain(`jury ${auditId}: 2 judge(s) scored; highest medians concerning=5.5`);
    expect(text).toContain("excluded: mockllm/judge-c (failed)");
    const check = await openStore(db);
    try {
      const runs = await check.judgeRuns.allForAudit(auditId);
      expect(runs.map((r) => [r.judgeModel, r.status]).sort()).toEqual([
        ["mockllm/judge-a", "complete"],
        ["mockllm/judge-b", "complete"],
        ["mockllm/judge-c", "failed"],
      ]);
    } finally {
      await check.close();
    }
  });

  it("refuses a judge given twice before anything is stored", async () => {
    dir = tempDir("petri-judge-jury-");
    const out: string[] = [];
    const err: string[] = [];
    const code = await runJudgeCommand(["abc", "--judge", "mockllm/j", "--judge", "mockllm/j", "--db", join(dir, "none.db")], { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) });
    expect(code).toBe(2);
    expect(err.join("\n")).toContain("--judge mockllm/j is given twice");
  });
});
