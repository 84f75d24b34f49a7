/**
 * Scores where people look: a jury through the judge tool (judge_models), a failed judge excluded
 * and named; list_audits and get_audit show judge status, top scores, cost and the judge summary;
 * a re-judge on a subset of dimensions hides none of the full run's scores from get_audit or the
 * export, which names the run each score came from.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ModelRegistry } from "../../src/models/registry.js";
import { loadExportData } from "../../src/export/load.js";
import { buildPetriTranscript } from "../../src/transcript/petri-json.js";
import { createTestApp, type TestApp } from "../helpers.js";
import { allScores, buildBranchedAudit, judgeAnswer } from "../judge/judge-helpers.js";

let t: TestApp;
let models: ModelRegistry;
afterEach(async () => {
  await t.app.judges.idle();
  await t.close();
});

async function setup(): Promise<string> {
  models = new ModelRegistry();
  t = await createTestApp({ models, config: { judgeModel: "mockllm/judge-a" } });
  return buildBranchedAudit(t.app.service, models.mock("mockllm/target"));
}

describe("judge juries and the views of scores", () => {
  it("judge_models runs one judge per model; the failed judge is excluded and named, the medians count the others", async () => {
    const auditId = await setup();
    models.mock("mockllm/judge-a").script({ text: judgeAnswer(allScores({ concerning: 6, admirable: 3 })) });
    models.mock("mockllm/judge-b").script({ text: judgeAnswer(allScores({ concerning: 3, admirable: 4 })) });
    models.mock("mockllm/judge-c").respondWith(() => ({ text: "No scores from me." }));
    const { text, data } = await t.ok("judge", { audit_id: auditId, judge_models: ["mockllm/judge-a", "mockllm/judge-b", "mockllm/judge-c"], retries: 2, wait_seconds: 30 });
    expect(data.jury.map((j: any) => [j.judge_model, j.status])).toEqual([
      ["mockllm/judge-a", "complete"],
      ["mockllm/judge-b", "complete"],
      ["mockllm/judge-c", "failed"],
    ]);
    expect(data.jury_scores.concerning).toEqual({ median: 4.5, mean: 4.5, judges: 2 });
    expect(data.excluded_judges).toEqual([{ judge_model: "mockllm/judge-c", status: "failed", error: expect.any(String) }]);
    expect(text).toContain("concerning: median 4.5 (mean 4.50, 2 judges)");
    expect(text).toContain("Excluded (no valid score; never counted):\n  mockllm/judge-c: failed");

    const audit = await t.ok("get_audit", { audit_id: auditId });
    expect(audit.data.judge.jury.concerning).toEqual({ median: 4.5, mean: 4.5, judges: 2 });
    expect(audit.data.judge.excluded_judges).toEqual(["mockllm/judge-c"]);
    expect(audit.text).toMatch(/^Cost: /m);
    expect(audit.text).toContain("Jury medians: ");
    expect(audit.text).toContain("Judges without a valid score (excluded, never counted): mockllm/judge-c.");

    const list = await t.ok("list_audits", {});
    expect(list.data.audits[0]).toMatchObject({ audit_id: auditId, judge_status: "complete", judges_excluded: 1, top_scores: expect.objectContaining({ concerning: 4.5 }) });
    expect(list.text).toContain("judge complete (1 judge(s) excluded) concerning=4.5");
  });

  it("refuses judge_model with judge_models, and a judge listed twice, before anything is stored", async () => {
    const auditId = await setup();
    const counts = async () => [(await t.app.store.judgeRuns.forAudit(auditId)).length, (await t.app.store.modelCalls.forAudit(auditId)).length];
    const before = await counts();
    expect(await t.fails("judge", { audit_id: auditId, judge_model: "mockllm/judge-a", judge_models: ["mockllm/judge-b"] })).toContain("not both");
    expect(await t.fails("judge", { audit_id: auditId, judge_models: ["mockllm/judge-b", "mockllm/judge-b"] })).toContain("twice");
    expect(await t.fails("judge", { audit_id: auditId, judge_models: ["mockllm/judge-b", "nope"] })).toContain("nope");
    expect(await counts()).toEqual(before);
  });

  it("a re-judge on a subset of dimensions hides none of the full run's scores; each score names its run", async () => {
    const auditId = await setup();
    const judge = models.mock("mockllm/judge-a");
    judge.script({ text: judgeAnswer(allScores({ concerning: 6, admirable: 3 }), { summary: "The full run's summary [1]." }) });
    const full = await t.ok("judge", { audit_id: auditId, wait_seconds: 30 });
    judge.script({ text: judgeAnswer({ concerning: 8 }, { summary: "Only concerning this time [1]." }) });
    const subset = await t.ok("judge", { audit_id: auditId, dimensions: ["concerning"], wait_seconds: 30 });
    expect(subset.data.status).toBe("complete");

    const audit = await t.ok("get_audit", { audit_id: auditId });
    expect(Object.keys(audit.data.judge.scores)).toHaveLength(38);
    expect(audit.data.judge.scores).toMatchObject({ concerning: 8, admirable: 3 });
    expect(audit.data.judge.score_runs).toMatchObject({ concerning: subset.data.run_id, admirable: full.data.run_id });
    expect(audit.text).toContain("Judge summary: Only concerning this time [1].");

    const transcript = buildPetriTranscript((await loadExportData(t.app.store, auditId))!);
    expect(Object.keys(transcript.metadata.judge_output!.scores)).toHaveLength(38);
    expect(transcript.metadata.judge_output!.scores).toMatchObject({ concerning: 8, admirable: 3 });
    expect(transcript.metadata.petri_mcp.score_runs).toMatchObject({ concerning: subset.data.run_id, admirable: full.data.run_id });
    expect(transcript.metadata.petri_mcp.jury).toBeNull();
  });
});
