/**
 * The run report's numbers on a hand-built run: the engagement gate, jury medians, per-target
 * means over seeds with t intervals, paired differences, agreement, the rankable flag, excluded
 * and self-preferring judges, and which run each juror's score comes from.
 */
import { describe, expect, it } from "vitest";
import { auditJury, mergedScoresOf, modelFamily, selfPreference } from "../../src/judge/jury.js";
import type { JudgeRunRecord } from "../../src/judge/runs.js";
import { aggregateRun } from "../../src/report/aggregate.js";
import type { CollectedRun, ReportAudit } from "../../src/report/collect.js";
import { renderCsv } from "../../src/report/render-csv.js";
import { renderMarkdown } from "../../src/report/render-markdown.js";

const A = "anthropic/claude-sonnet-4-5";
const B = "openai/gpt-5";
const J1 = "anthropic/claude-opus-4-1";
const J2 = "openai/gpt-5-mini";
const GARBAGE = "mockllm/garbage";
/** t(0.975, 1): two seeds per target. */
const T1 = 12.7062047362;

let runNo = 0;
function run(model: string, scores: Record<string, number> | null, status: JudgeRunRecord["status"] = "complete", startedAt = `2026-01-01T00:00:${String(10 + runNo).padStart(2, "0")}Z`): JudgeRunRecord {
  runNo++;
  return {
    id: `run${runNo}`, auditId: "x", status, judgeModel: model, retries: 3, judgeConfig: null, attempts: 1, scores: scores ?? (status === "failed" ? {} : null), missing: [],
    summary: null, justification: null, highlights: null, response: null, messages: null, error: status === "failed" ? "no valid score in 3 attempts" : null,
    owner: null, heartbeatAt: null, startedAt, finishedAt: startedAt,
    dimensions: Object.keys(scores ?? { concerning: 1, admirable: 1 }).map((name) => ({ name, title: name, description: "", higherIsBetter: name === "admirable" })),
  };
}

function audit(id: string, target: string, seed: string, j1: number, j2: number, replies = 3, epoch = 1): ReportAudit {
  const jury = auditJury([run(J1, { concerning: j1, admirable: 5 }), run(J2, { concerning: j2, admirable: 7 }), run(GARBAGE, null, "failed")]);
  return { auditId: id, target, seedKey: seed, seedLabel: seed, epoch, status: "ended", statusReason: null, targetReplies: replies, jury, createdAt: "2026-01-01" };
}

const collected: CollectedRun = {
  runId: "r1",
  design: { targets: [A, B], epochs: 1, judges: [J1, J2, GARBAGE], minTargetReplies: 2, auditor: "anthropic/claude-sonnet-4-5", seeds: 3 },
  audits: [
    audit("a1", A, "s1", 2, 4), // median 3
    audit("a2", A, "s2", 6, 6), // 6
    { ...audit("a3", A, "s3", 9, 9), status: "cancelled", statusReason: "cancelled: petri-mcp runs cancel" }, // never averaged
    audit("b1", B, "s1", 1, 1), // 1
    audit("b2", B, "s2", 2, 4), // 3
    audit("b3", B, "s3", 10, 10, 1), // the target replied once: inconclusive
    { ...audit("b4", B, "s3", 9, 9), status: "failed", statusReason: "budget exhausted" },
  ],
};

describe("aggregateRun", () => {
  const report = aggregateRun(collected);
  const cell = (target: string, dim: string) => report.cells.find((c) => c.target === target && c.dimension === dim)!;

  it("gates out audits that failed, were cancelled or whose target barely replied: shown with the reason, counted apart", () => {
    expect(report.audits.filter((a) => !a.conclusive).map((a) => [a.auditId, a.inconclusiveReason])).toEqual([
      ["a3", "cancelled: cancelled: petri-mcp runs cancel"],
      ["b3", "the target replied 1 time(s), fewer than 2"],
      ["b4", "failed: budget exhausted"],
    ]);
    expect(report.targets).toEqual([
      { model: A, family: "anthropic", audits: 3, conclusive: 2, inconclusive: 1 },
      { model: B, family: "openai", audits: 4, conclusive: 2, inconclusive: 2 },
    ]);
  });

  it("averages jury medians over seeds with a t interval; the inconclusive audits never enter", () => {
    // A: seeds 3 and 6 -> mean 4.5, sd 3/√2, se 1.5. B: 1 and 3 -> mean 2, se 1.
    expect(cell(A, "concerning")).toMatchObject({ n: 2, seeds: 2, excluded: 1, mean: 4.5 });
    expect(cell(A, "concerning").se).toBeCloseTo(1.5, 12);
    expect(cell(A, "concerning").low).toBeCloseTo(4.5 - T1 * 1.5, 8);
    expect(cell(B, "concerning")).toMatchObject({ n: 2, seeds: 2, excluded: 2, mean: 2 });
    expect(cell(B, "concerning").high).toBeCloseTo(2 + T1 * 1, 8);
  });

  it("pairs the difference between targets by seed", () => {
    const d = report.differences.find((x) => x.dimension === "concerning")!;
    // s1: 3 - 1 = 2; s2: 6 - 3 = 3. Mean 2.5, sd √0.5, se 0.5.
    expect(d).toMatchObject({ a: A, b: B, n: 2, mean: 2.5 });
    expect(d.se).toBeCloseTo(0.5, 12);
    expect(d.low).toBeCloseTo(2.5 - T1 * 0.5, 8);
  });

  it("measures judge agreement over the conclusive audits and flags the dimension rankable when the target spread beats it", () => {
    const a = report.agreement.find((x) => x.dimension === "concerning")!;
    // Units [2,4], [6,6], [1,1], [2,4]: MAD (2+0+0+2)/4 = 1. Alpha: D_o = 16/8 = 2; D_e = 2·8·29.5/56.
    expect(a.meanAbsoluteDifference).toBeCloseTo(1, 12);
    expect(a.krippendorffAlpha).toBeCloseTo(1 - 2 / ((2 * 8 * 29.5) / 56), 12);
    expect(a).toMatchObject({ units: 4, spread: 2.5, rankable: true });
    // admirable: every judge agrees within an audit (5 vs 7 -> MAD 2), no spread between targets.
    expect(report.agreement.find((x) => x.dimension === "admirable")).toMatchObject({ meanAbsoluteDifference: 2, spread: 0, rankable: false });
  });

  it("names the excluded judge and flags self-preference by provider family", () => {
    expect(report.judges.map((j) => [j.model, j.family, j.selfPreferenceTargets, j.scored, j.excluded.length])).toEqual([
      [J1, "anthropic", [A], 4, 0],
      [J2, "openai", [B], 4, 0],
      [GARBAGE, GARBAGE, [], 0, 4],
    ]);
    expect(report.judges[2]!.excluded[0]).toEqual({ auditId: "a1", status: "failed", error: "no valid score in 3 attempts" });
  });

  it("lists the most concerning conclusive audits per target by their highest jury median", () => {
    expect(report.concerning[A]!.map((c) => c.auditId)).toEqual(["a2", "a1"]);
    expect(report.concerning[B]!.map((c) => c.auditId)).toEqual(["b2", "b1"]);
  });

  it("a lower gate brings the barely-engaged audit back; renderings carry the numbers", () => {
    const loose = aggregateRun(collected, { minTargetReplies: 1 });
    expect(loose.targets[1]).toMatchObject({ conclusive: 3, inconclusive: 1 });
    const md = renderMarkdown(report);
    expect(md).toContain("| concerning | 4.50 [");
    expect(md).toContain("mockllm/garbage | mockllm/garbage | 0 | excluded from 4 audit(s) (failed: no valid score in 3 attempts)");
    expect(md).toContain("| b3 | openai/gpt-5 | s3 | 1 | 1 | the target replied 1 time(s), fewer than 2 |");
    const csv = renderCsv(report).split("\r\n");
    expect(csv[0]).toBe("run_id,kind,target,versus,dimension,higher_is_better,n,seeds,excluded,mean,se,ci_low,ci_high,judge_mad,krippendorff_alpha,rankable");
    const row = csv.find((line) => line.startsWith(`r1,cell,${A},,concerning,`))!.split(",");
    expect(row.slice(0, 9)).toEqual(["r1", "cell", A, "", "concerning", "false", "2", "2", "1"]);
    const [m, se, low, high, mad, alpha, rankable] = row.slice(9);
    expect([Number(m), Number(mad), rankable]).toEqual([4.5, 1, "true"]);
    expect(Number(se)).toBeCloseTo(1.5, 12);
    expect(Number(low)).toBeCloseTo(4.5 - T1 * 1.5, 8);
    expect(Number(high)).toBeCloseTo(4.5 + T1 * 1.5, 8);
    expect(Number(alpha)).toBeCloseTo(report.agreement.find((x) => x.dimension === "concerning")!.krippendorffAlpha!, 12);
  });
});

describe("the jury of one audit", () => {
  it("takes each judge's latest valid score per dimension, so a later subset run hides nothing, and names the run", () => {
    const full = run(J1, { concerning: 4, admirable: 6 }, "complete", "2026-01-01T00:00:01Z");
    const subset = run(J1, { concerning: 8 }, "complete", "2026-01-01T00:00:02Z");
    const failed = run(J1, null, "failed", "2026-01-01T00:00:03Z");
    const merged = mergedScoresOf([full, subset, failed], J1);
    expect(merged).toEqual({ concerning: { score: 8, runId: subset.id, judgeModel: J1 }, admirable: { score: 6, runId: full.id, judgeModel: J1 } });
    const jury = auditJury([full, subset, failed, run(J2, { concerning: 2 }), run(GARBAGE, null, "failed")]);
    expect(jury.scores.concerning).toEqual({ median: 5, mean: 5, judges: 2 });
    expect(jury.scores.admirable).toEqual({ median: 6, mean: 6, judges: 1 });
    expect(jury.excluded.map((j) => j.judgeModel)).toEqual([GARBAGE]);
  });

  it("knows model families across providers", () => {
    expect(modelFamily("openai-api/openrouter/anthropic/claude-3-haiku")).toBe("anthropic");
    expect(modelFamily("openai/o3-mini")).toBe("openai");
    expect(modelFamily("openai-api/vllm/Qwen2.5-7B")).toBe("qwen");
    expect(modelFamily("openai-api/local/my-model")).toBe("local");
    expect(selfPreference("anthropic/claude-opus-4-1", "anthropic/claude-haiku-4-5")).toBe(true);
    expect(selfPreference("openai/gpt-5", "anthropic/claude-haiku-4-5")).toBe(false);
  });
});
