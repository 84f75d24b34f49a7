/**
 * Judge runs as jobs, in one test process with two store connections standing in for two
 * processes: a run stored by a process that does not work it is finished by another; a process that
 * stops gives its run back and another finishes it; a run whose job ended without a result reads
 * interrupted with the reason, never as a score.
 */
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultDimensions } from "../../src/judge/dimensions.js";
import { JudgeRunner, type JudgeRunRequest } from "../../src/judge/runner.js";
import { ModelError } from "../../src/models/types.js";
import { ModelRegistry } from "../../src/models/registry.js";
import { AuditStore } from "../../src/store/audit-store.js";
import { openDatabase } from "../../src/store/db.js";
import { createTestApp, type TestApp } from "../helpers.js";
import { allScores, buildBranchedAudit, judgeAnswer } from "../judge/judge-helpers.js";

let t: TestApp | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await t?.close();
  t = undefined;
});

async function setup(): Promise<{ auditId: string; request: JudgeRunRequest }> {
  const models = new ModelRegistry();
  t = await createTestApp({ models });
  const auditId = await buildBranchedAudit(t.app.service, models.mock("mockllm/target"));
  return { auditId, request: { auditId, judgeModel: "mockllm/judge", dimensions: defaultDimensions(), retries: 3 } };
}

/** Another "process": its own connection to the store, its own models and runner. */
function otherProcess(options: { work?: boolean } = {}): { runner: JudgeRunner; models: ModelRegistry; store: AuditStore } {
  const store = new AuditStore(openDatabase(join(t!.dir, "petri.db")));
  const models = new ModelRegistry();
  const runner = new JudgeRunner(store, models, { claimEveryMs: 20, pollMs: 20, ...options });
  cleanups.push(async () => {
    await runner.stopWorking();
    store.close();
  });
  return { runner, models, store };
}

/** A judge that answers only when its call is cancelled (then it fails as cancelled). */
const hangingJudge = (started: () => void) => (request: { signal?: AbortSignal }) =>
  new Promise<never>((_, reject) => {
    started();
    request.signal?.addEventListener("abort", () => reject(new ModelError("aborted", "cancelled")), { once: true });
  });

describe("judge runs as jobs", () => {
  it("a run stored by a process that does not work it is finished by another, with its scores", async () => {
    const { request } = await setup();
    const storing = otherProcess({ work: false });
    const id = storing.runner.start(request);
    expect(storing.runner.runs.get(id)!.status).toBe("running");
    expect(storing.runner.jobs.get(id)).toMatchObject({ kind: "judge", status: "queued", attempts: 0, auditId: request.auditId });

    const working = otherProcess();
    working.models.mock("mockllm/judge").script({ text: judgeAnswer(allScores({ concerning: 6 })) });
    working.runner.startWorking();
    const run = await storing.runner.wait(id, 20_000);
    expect(run).toMatchObject({ status: "complete", owner: working.runner.owner });
    expect(run!.scores!.concerning).toBe(6);
    await working.runner.idle();
    expect(storing.runner.jobs.get(id)).toMatchObject({ status: "done", attempts: 1 });
  });

  it("a process that stops gives its run back (attempt not counted); another finishes it from the start", async () => {
    const { request } = await setup();
    const first = otherProcess();
    let started!: () => void;
    const judging = new Promise<void>((resolve) => (started = resolve));
    first.models.mock("mockllm/judge").respondWith(hangingJudge(() => started()));
    const id = first.runner.start(request);
    await judging;
    // Regression: a follower of the run used to turn the given-back run into an unhandled rejection (the server crashed).
    const following = first.runner.wait(id, 60_000);
    await first.runner.stopWorking();
    expect((await following)?.status).toBe("running");
    expect(first.runner.jobs.get(id)).toMatchObject({ status: "queued", attempts: 0, leaseOwner: null });
    // Nothing was stored as the run's result: it still reads running, waiting for a worker.
    expect(first.runner.runs.get(id)).toMatchObject({ status: "running", scores: null, error: null });

    const second = otherProcess();
    second.models.mock("mockllm/judge").script({ text: judgeAnswer(allScores()) });
    second.runner.startWorking();
    expect(await second.runner.wait(id, 20_000)).toMatchObject({ status: "complete", attempts: 1, owner: second.runner.owner });
  });

  it("a run left by a dead process of this host is taken over at once, not when its 10-minute lease runs out", async () => {
    const { request } = await setup();
    const storing = otherProcess({ work: false });
    const id = storing.runner.start(request);
    const deadPid = spawnSync(process.execPath, ["-e", ""]).pid!;
    storing.runner.jobs.claim(["judge"], `${hostname()}:${deadPid}:abcd1234`, 10 * 60_000, { jobId: id });
    // Until then a new judge call follows it (it will be finished), rather than starting another.
    expect(storing.runner.runs.findRunning(request.auditId, request.judgeModel, request.dimensions)?.id).toBe(id);

    const restarted = otherProcess();
    restarted.models.mock("mockllm/judge").script({ text: judgeAnswer(allScores()) });
    restarted.runner.startWorking();
    expect(await storing.runner.wait(id, 20_000)).toMatchObject({ status: "complete" });
    await restarted.runner.idle();
    const job = storing.runner.jobs.get(id)!;
    expect(job).toMatchObject({ status: "done", attempts: 2 });
    expect(job.lastError).toContain(`lease of ${hostname()}:${deadPid}:abcd1234 expired`);
  });

  it("a run whose job was cancelled reads interrupted with the reason, and a new judge call does not follow it", async () => {
    const { request } = await setup();
    const storing = otherProcess({ work: false });
    const id = storing.runner.start(request);
    expect(storing.runner.runs.findRunning(request.auditId, request.judgeModel, request.dimensions)?.id).toBe(id);
    storing.runner.jobs.cancel(id, "Cancelled by the operator.");
    const run = storing.runner.runs.get(id)!;
    expect(run).toMatchObject({ status: "interrupted", scores: null });
    expect(run.error).toMatch(/^Cancelled by the operator\. Start a new run with judge\.$/);
    expect(storing.runner.runs.findRunning(request.auditId, request.judgeModel, request.dimensions)).toBeUndefined();
  });

  it("whenDone resolves once the run's job is stored as done (a command may close the store right after)", async () => {
    const { request } = await setup();
    const own = otherProcess();
    own.models.mock("mockllm/judge").script({ text: judgeAnswer(allScores()) });
    const id = own.runner.start(request);
    expect(await own.runner.whenDone(id)).toMatchObject({ status: "complete" });
    expect(own.runner.jobs.get(id)).toMatchObject({ status: "done", attempts: 1, leaseOwner: null });
  });

  it("the judge tool of a process that works its runs still finishes them itself", async () => {
    const { auditId } = await setup();
    t!.models.mock("mockllm/judge").script({ text: judgeAnswer(allScores()) });
    const { data } = await t!.ok("judge", { audit_id: auditId, judge_model: "mockllm/judge", wait_seconds: 30 });
    expect(data.status).toBe("complete");
    const job = t!.app.legacyStore.db.prepare("SELECT kind, status, attempts, audit_id FROM jobs WHERE id = ?").get(data.run_id);
    expect(job).toEqual({ kind: "judge", status: "done", attempts: 1, audit_id: auditId });
  });
});
