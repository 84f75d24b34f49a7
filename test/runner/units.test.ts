/**
 * The runner's pure parts: matching seeds to an earlier invocation's audits and the run's jobs, the stop controller,
 * the progress display (plain lines and the live frame, and the run's usage it shows) and the
 * summary table.
 */
import { EventEmitter } from "node:events";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { newRunId } from "../../src/commands/audit.js";
import { type RunReport, RunUsageReader, type SeedResult } from "../../src/runner/batch.js";
import { openStore } from "../../src/store/index.js";
import { tempDir } from "../helpers.js";
import { eventLine, RunProgress } from "../../src/runner/progress.js";
import { abandonedAudits, planGrid } from "../../src/runner/resume.js";
import { callSignal, StopController, stopOnSigint } from "../../src/runner/stop.js";
import { formatSummary } from "../../src/runner/summary.js";
import type { AuditRecord, AuditStatus, JobRecord, JobStatus } from "../../src/store/types.js";
import { planRunJobs } from "../../src/runner/run-jobs.js";
import type { Seed } from "../../src/prompts/seeds.js";

function audit(id: string, seedInstruction: string, status: AuditStatus, createdAt: string, targetModel = "mockllm/t", epoch: number | null = null): AuditRecord {
  return {
    id, seedInstruction, seedId: null, status, createdAt, tags: [], targetModel, epoch, auditorModel: null, maxTurns: 30, turnsUsed: 0, turnLimit: "auditor",
    statusReason: null, realismThreshold: null, realismModel: null, resourcesDir: null, runId: "r", targetConfig: null, targetDisplayName: null, maxCostUsd: null, updatedAt: createdAt, version: 0,
  };
}

const seed = (id: string, text: string): Seed => ({ id, tags: [], text });

describe("planGrid", () => {
  it("matches seeds to finished audits by text, once each, oldest first; failed and active ones are run again", () => {
    const seeds = [seed("a", "alpha"), seed("b", "beta"), seed("a2", "alpha"), seed("a3", "alpha"), seed("g", "gamma")];
    const audits = [
      audit("new-alpha", "alpha", "max_turns", "2026-01-02"),
      audit("old-alpha", "alpha", "ended", "2026-01-01"),
      audit("beta-failed", "beta", "failed", "2026-01-01"),
      audit("gamma-active", "gamma", "active", "2026-01-01"),
    ];
    expect(planGrid(seeds, ["mockllm/t"], 1, audits).map((p) => [p.seed.id, p.previous?.id ?? null])).toEqual([
      ["a", "old-alpha"],
      ["b", null],
      ["a2", "new-alpha"],
      ["a3", null],
      ["g", null],
    ]);
    expect(abandonedAudits(audits).map((a) => a.id)).toEqual(["gamma-active"]);
  });

  it("covers seeds × targets × epochs, epoch by epoch, and resumes each cell from its own audit (no epoch = epoch 1)", () => {
    const seeds = [seed("a", "alpha"), seed("b", "beta")];
    const audits = [
      audit("a-x-1", "alpha", "ended", "2026-01-01", "mockllm/x"),
      audit("a-y-2", "alpha", "ended", "2026-01-01", "mockllm/y", 2),
      audit("b-y-1-failed", "beta", "failed", "2026-01-01", "mockllm/y", 1),
      audit("b-z-1", "beta", "ended", "2026-01-01", "mockllm/z", 1),
    ];
    expect(planGrid(seeds, ["mockllm/x", "mockllm/y"], 2, audits).map((p) => [p.epoch, p.seed.id, p.target, p.previous?.id ?? null])).toEqual([
      [1, "a", "mockllm/x", "a-x-1"],
      [1, "a", "mockllm/y", null],
      [1, "b", "mockllm/x", null],
      [1, "b", "mockllm/y", null],
      [2, "a", "mockllm/x", null],
      [2, "a", "mockllm/y", "a-y-2"],
      [2, "b", "mockllm/x", null],
      [2, "b", "mockllm/y", null],
    ]);
  });
});

describe("StopController", () => {
  it("escalates from stopping to aborting, aborting the signal only on the second request", () => {
    const stop = new StopController();
    const levels: string[] = [];
    stop.onChange((level) => levels.push(level));
    expect(stop.stopping).toBe(false);
    expect(stop.request()).toBe("stopping");
    expect(stop.stopping && !stop.aborted && !stop.signal.aborted).toBe(true);
    expect(stop.request()).toBe("aborting");
    expect(stop.aborted && stop.signal.aborted).toBe(true);
    expect(stop.request()).toBe("aborting");
    expect(levels).toEqual(["stopping", "aborting"]);
  });

  it("follows another controller's steps, those taken already at once, until unfollowed", () => {
    const run = new StopController();
    run.request();
    const audit = new StopController();
    const unfollow = audit.follow(run);
    expect(audit.level).toBe("stopping");
    run.request();
    expect(audit.aborted && audit.signal.aborted).toBe(true);
    const other = new StopController();
    other.follow(new StopController())();
    expect(other.level).toBe("running");
    unfollow();
  });

  it("turns SIGINTs into stop requests, then forces an exit, until released", () => {
    const stop = new StopController();
    const fakeProcess = new EventEmitter() as unknown as NodeJS.Process;
    let forced = 0;
    const release = stopOnSigint(stop, () => forced++, fakeProcess);
    fakeProcess.emit("SIGINT");
    expect(stop.level).toBe("stopping");
    fakeProcess.emit("SIGINT");
    expect(stop.level).toBe("aborting");
    fakeProcess.emit("SIGINT");
    expect(forced).toBe(1);
    release();
    expect((fakeProcess as unknown as EventEmitter).listenerCount("SIGINT")).toBe(0);
  });

  it("gives each call its own signal that follows the run's and can be let go", () => {
    const parent = new AbortController();
    const kept = callSignal(parent.signal);
    const released = callSignal(parent.signal);
    released.release();
    parent.abort(new Error("interrupted"));
    expect(kept.signal.aborted).toBe(true);
    expect(released.signal.aborted).toBe(false);
    expect(callSignal(parent.signal).signal.aborted).toBe(true);
  });
});

describe("progress", () => {
  it("prints one plain line per event", () => {
    const lines: string[] = [];
    const progress = new RunProgress({ write: (t) => lines.push(t), live: false }, () => ({ inputTokens: 0, outputTokens: 0, costUsd: null }));
    progress.handle({ type: "run_started", runId: "r1", seeds: 2, toRun: 1, resumed: 1, recovered: 0 });
    progress.handle({ type: "audit_started", seedId: "s", auditId: "a1" });
    progress.handle({ type: "turn", seedId: "s", auditId: "a1", turns: 2, maxTurns: 30 });
    progress.handle({ type: "audit_closed", seedId: "s", auditId: "a1", status: "failed", reason: "boom", turns: 2 });
    progress.finish();
    expect(lines).toEqual([
      "run r1: 2 seed(s), 1 to audit, 1 finished earlier in this run\n",
      "[s] started audit a1\n",
      "[s] turn 2/30\n",
      "[s] audit a1 failed after 2 turn(s): boom\n",
    ]);
    expect(eventLine({ type: "stop_requested", level: "running" })).toBeNull();
  });

  it("redraws a live frame in place with counts, turns, tokens and cost", () => {
    const writes: string[] = [];
    let now = 0;
    const progress = new RunProgress({ write: (t) => writes.push(t), live: true, columns: 200 }, () => ({ inputTokens: 12_345, outputTokens: 678, costUsd: 0.5 }), () => now);
    progress.handle({ type: "run_started", runId: "r1", seeds: 3, toRun: 3, resumed: 0, recovered: 0 });
    progress.handle({ type: "audit_started", seedId: "alpha", auditId: "a1" });
    progress.handle({ type: "audit_started", seedId: "beta", auditId: "a2" });
    progress.handle({ type: "turn", seedId: "alpha", auditId: "a1", turns: 1, maxTurns: 30 });
    progress.handle({ type: "audit_closed", seedId: "beta", auditId: "a2", status: "failed", reason: "boom", turns: 0 });
    progress.handle({ type: "exported", seedId: "beta", auditId: "a2", path: "/x.json" });
    now = 65_000;
    progress.handle({ type: "stop_requested", level: "stopping" });
    progress.finish();
    const last = writes.at(-1)!;
    expect(last.startsWith("\x1b[")).toBe(true);
    const frame = last.replace(/\x1b\[\d*[A-Z]/g, "").split("\n");
    expect(frame.slice(0, 4)).toEqual([
      "petri-mcp audit  run r1  1:05  stopping (Ctrl-C again to abort)",
      "audits: 0/3 done, 1 running, 1 failed, 1 queued",
      "turns: 1  tokens: 12k in / 678 out  cost: $0.5000",
      "  alpha  turn 1/30  (audit a1)",
    ]);
    expect(last).toContain("[beta] audit a2 failed after 0 turn(s): boom");
  });
});

describe("planRunJobs", () => {
  const job = (id: string, seedText: string, status: JobStatus, auditId: string | null = null): JobRecord => ({
    id, kind: "audit", runId: "r", auditId, payload: { seed: { id: seedText, tags: [], text: seedText }, target: "mockllm/t", epoch: 1 }, status, attempts: 1, maxAttempts: 1,
    lastError: null, leaseOwner: null, leaseExpiresAt: null, heartbeatAt: null, createdAt: "2026-01-01", startedAt: null, finishedAt: null,
  });

  it("keeps live jobs, finishes finished cells here, queues failed jobs again, and gives a new job only to cells without a usable one", () => {
    const names = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "theta"];
    const audits = [
      audit("alpha-done", "alpha", "ended", "2026-01-01"),
      audit("beta-failed", "beta", "failed", "2026-01-01"),
      audit("delta-legacy", "delta", "ended", "2026-01-01"),
      audit("eps-active", "eps", "active", "2026-01-01"),
      audit("theta-active", "theta", "active", "2026-01-01"),
    ];
    const jobs = [job("jA", "alpha", "done", "alpha-done"), job("jB", "beta", "failed", "beta-failed"), job("jG", "gamma", "queued"), job("jE", "eps", "done", "eps-active"), job("jT", "theta", "running", "theta-active")];
    const plans = planGrid(names.map((n) => seed(n, n)), ["mockllm/t"], 1, audits);
    expect(planRunJobs(plans, jobs)).toEqual({ jobIds: [null, "jB", "jG", null, null, null, "jT"], requeue: ["jB"], fresh: [4, 5] });
    // The audit of a done job, still active, is abandoned; a running job's audit is not.
    expect(abandonedAudits(audits, jobs).map((a) => a.id)).toEqual(["eps-active"]);
    // While a job of the run runs, an active audit no job records may be that job's: left alone.
    const orphan = audit("orphan", "zeta", "active", "2026-01-01");
    expect(abandonedAudits([...audits, orphan], jobs).map((a) => a.id)).toEqual(["eps-active"]);
    expect(abandonedAudits([orphan], [job("jZ", "zeta", "failed")]).map((a) => a.id)).toEqual(["orphan"]);
  });

  it("pairs a seed listed twice with its two jobs, each once", () => {
    const plans = planGrid([seed("a", "alpha"), seed("a2", "alpha")], ["mockllm/t"], 1, [audit("first", "alpha", "ended", "2026-01-01")]);
    expect(planRunJobs(plans, [job("j1", "alpha", "done", "first"), job("j2", "alpha", "cancelled")])).toEqual({ jobIds: [null, "j2"], requeue: ["j2"], fresh: [] });
    expect(planRunJobs(plans, [job("j2", "alpha", "queued"), job("j1", "alpha", "done", "first")])).toEqual({ jobIds: [null, "j2"], requeue: [], fresh: [] });
  });
});

describe("summary", () => {
  const result = (overrides: Partial<SeedResult>): SeedResult => ({
    seed: seed("s", "text"), target: "mockllm/t", epoch: 1, inconclusive: null, judges: [], auditId: "a1", status: "ended", reason: null, turns: 4, judgeStatus: null, judgeError: null, topScores: [], exportPath: null, resumed: false, ...overrides,
  });

  it("has one row per seed with status, turns and top scores, then problems, the folder and the run id", () => {
    const report: RunReport = {
      runId: "r1",
      saveDir: "/out",
      stopLevel: "stopping",
      recovered: [],
      results: [
        result({ seed: seed("whistle", "w"), topScores: [["concerning", 7], ["deception", 5], ["manipulation", 3]], judgeStatus: "complete" }),
        result({ seed: seed("broken", "b"), auditId: "a2", status: "failed", reason: "The target model failed", turns: 1 }),
        result({ seed: seed("judged_badly", "j"), auditId: "a3", judgeStatus: "failed", judgeError: "judge down", resumed: true }),
        result({ seed: seed("later", "l"), auditId: null, status: "not_started", turns: 0 }),
      ],
    };
    expect(formatSummary(report).split("\n")).toEqual([
      "seed          audit  status           turns  top scores",
      "whistle       a1     ended                4  concerning=7 deception=5 manipulation=3",
      "broken        a2     failed               1  -",
      "judged_badly  a3     ended (earlier)      4  (judge failed)",
      "later         -      not started          -  -",
      "",
      "broken (audit a2) failed: The target model failed",
      "judged_badly (audit a3) judge failed: judge down",
      "",
      "1 seed(s) not started: the run was stopped. Rerun with --run-id r1 to continue.",
      "The run's unfinished audits stay queued as jobs: rerunning with --run-id r1, or petri-mcp worker --run-id r1 --exit-when-idle, finishes them.",
      "Transcripts: /out",
      "Run id: r1 (petri-mcp report r1 for means, intervals and judge agreement)",
    ]);
  });

  it("names runs so they sort by time", () => {
    expect(newRunId(new Date("2026-01-22T10:04:05Z"))).toMatch(/^run-20260122-100405-[a-z2-9]{4}$/);
  });
});

describe("RunUsageReader", () => {
  it("answers a frame with the totals last read, and refresh() reads the run's calls now", async () => {
    const dir = tempDir("petri-usage-reader-");
    const store = await openStore(join(dir, "petri.db"));
    try {
      const inRun = await store.audits.create({ seedInstruction: "s", targetModel: "mockllm/t", maxTurns: 3, runId: "r1" });
      const other = await store.audits.create({ seedInstruction: "s", targetModel: "mockllm/t", maxTurns: 3, runId: "r2" });
      const call = (auditId: string, costUsd: number | null) => ({ auditId, role: "target", model: "mockllm/t", startedAt: new Date().toISOString(), latencyMs: 1, inputTokens: 10, outputTokens: 5, costUsd });
      await store.modelCalls.record(call(inRun.id, null));
      await store.modelCalls.record(call(other.id, 1));
      const reader = new RunUsageReader(store, "r1");
      expect(reader.current()).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: null });
      await reader.refresh();
      // No priced call: the cost is unknown, not $0; the other run's calls are not counted.
      expect(reader.current()).toEqual({ inputTokens: 10, outputTokens: 5, costUsd: null });
      await store.modelCalls.record(call(inRun.id, 0.25));
      await reader.refresh();
      expect(reader.current()).toEqual({ inputTokens: 20, outputTokens: 10, costUsd: 0.25 });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
    // A closed store is not read again: the last totals stay.
    await expect(new RunUsageReader(store, "r1").refresh()).resolves.toBeUndefined();
  });
});
