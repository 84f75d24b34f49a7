/**
 * Judge runs as jobs, on SQLite and on PostgreSQL, in one test process with several runners (each
 * with its own store handle) standing in for several processes: a run stored by a process that does not work it is finished by another; a process that
 * stops gives its run back and another finishes it; a run whose job ended without a result reads
 * interrupted with the reason, never as a score.
 */
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultDimensions } from "../../src/judge/dimensions.js";
import { JudgeRunner, type JudgeRunRequest } from "../../src/judge/runner.js";
import { ModelError } from "../../src/models/types.js";
import { ModelRegistry } from "../../src/models/registry.js";
import { openStore } from "../../src/store/index.js";
import type { AuditStore } from "../../src/store/types.js";
import { type Backend, testBackends, useBackend } from "../support/backends.js";
import { createTestApp, type TestApp } from "../helpers.js";
import { allScores, buildBranchedAudit, judgeAnswer } from "../judge/judge-helpers.js";

let t: TestApp | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await t?.close();
  t = undefined;
});

let backend: Backend = "sqlite";

async function setup(): Promise<{ auditId: string; request: JudgeRunRequest }> {
  const models = new ModelRegistry();
  t = await createTestApp({ models, backend });
  const auditId = await buildBranchedAudit(t.app.service, models.mock("mockllm/target"));
  return { auditId, request: { auditId, judgeModel: "mockllm/judge", dimensions: defaultDimensions(), retries: 3 } };
}

/** Another "process": its own handle on the store (on PostgreSQL its own pool), its own models and runner. */
async function otherProcess(options: { work?: boolean } = {}): Promise<{ runner: JudgeRunner; models: ModelRegistry; store: AuditStore }> {
  const store = await openStore(t!.app.config.dbPath);
  const models = new ModelRegistry();
  const runner = new JudgeRunner(store, models, { claimEveryMs: 20, pollMs: 20, ...options });
  cleanups.push(async () => {
    await runner.stopWorking();
    await store.close();
  });
  return { runner, models, store };
}

/** A judge that answers only when its call is cancelled (then it fails as cancelled). */
const hangingJudge = (started: () => void) => (request: { signal?: AbortSignal }) =>
  new Promise<never>((_, reject) => {
    started();
    request.signal?.addEventListener("abort", () => reject(new ModelError("aborted", "cancelled")), { once: true });
  });

for (const which of testBackends()) describe(`judge runs as jobs (${which})`, () => {
  useBackend(which);
  beforeEach(() => {
    backend = which;
  });

  it("a run stored by a process that does not work it is finished by another, with its scores", async () => {
    const { request } = await setup();
    const storing = await otherProcess({ work: false });
    const id = await storing.runner.start(request);
    expect((await storing.runner.runs.get(id))!.status).toBe("running");
    expect(await storing.runner.jobs.get(id)).toMatchObject({ kind: "judge", status: "queued", attempts: 0, auditId: request.auditId });

    const working = await otherProcess();
    working.models.mock("mockllm/judge").script({ text: judgeAnswer(allScores({ concerning: 6 })) });
    working.runner.startWorking();
    const run = await storing.runner.wait(id, 20_000);
    expect(run).toMatchObject({ status: "complete", owner: working.runner.owner });
    expect(run!.scores!.concerning).toBe(6);
    await working.runner.idle();
    expect(await storing.runner.jobs.get(id)).toMatchObject({ status: "done", attempts: 1 });
  });

  it("a process that stops gives its run back (attempt not counted); another finishes it from the start", async () => {
    const { request } = await setup();
    const first = await otherProcess();
    let started!: () => void;
    const judging = new Promise<void>((resolve) => (started = resolve));
    first.models.mock("mockllm/judge").respondWith(hangingJudge(() => started()));
    const id = await first.runner.start(request);
    await judging;
    // Regression: a follower of the run used to turn the given-back run into an unhandled rejection (the server crashed).
    const following = first.runner.wait(id, 60_000);
    await first.runner.stopWorking();
    expect((await following)?.status).toBe("running");
    expect(await first.runner.jobs.get(id)).toMatchObject({ status: "queued", attempts: 0, leaseOwner: null });
    // Nothing was stored as the run's result: it still reads running, waiting for a worker.
    expect(await first.runner.runs.get(id)).toMatchObject({ status: "running", scores: null, error: null });

    const second = await otherProcess();
    second.models.mock("mockllm/judge").script({ text: judgeAnswer(allScores()) });
    second.runner.startWorking();
    expect(await second.runner.wait(id, 20_000)).toMatchObject({ status: "complete", attempts: 1, owner: second.runner.owner });
  });

  it("a run left by a dead process of this host is taken over at once, not when its 10-minute lease runs out", async () => {
    const { request } = await setup();
    const storing = await otherProcess({ work: false });
    const id = await storing.runner.start(request);
    const deadPid = spawnSync(process.execPath, ["-e", ""]).pid!;
    await storing.runner.jobs.claim(["judge"], `${hostname()}:${deadPid}:abcd1234`, 10 * 60_000, { jobId: id });
    // Until then a new judge call follows it (it will be finished), rather than starting another.
    expect((await storing.runner.runs.findRunning(request.auditId, request.judgeModel, request.dimensions))?.id).toBe(id);

    const restarted = await otherProcess();
    restarted.models.mock("mockllm/judge").script({ text: judgeAnswer(allScores()) });
    restarted.runner.startWorking();
    expect(await storing.runner.wait(id, 20_000)).toMatchObject({ status: "complete" });
    await restarted.runner.idle();
    const job = (await storing.runner.jobs.get(id))!;
    expect(job).toMatchObject({ status: "done", attempts: 2 });
    expect(job.lastError).toContain(`lease of ${hostname()}:${deadPid}:abcd1234 expired`);
  });

  it("a run whose job was cancelled reads interrupted with the reason, and a new judge call does not follow it", async () => {
    const { request } = await setup();
    const storing = await otherProcess({ work: false });
    const id = await storing.runner.start(request);
    expect((await storing.runner.runs.findRunning(request.auditId, request.judgeModel, request.dimensions))?.id).toBe(id);
    await storing.runner.jobs.cancel(id, "Cancelled by the operator.");
    const run = (await storing.runner.runs.get(id))!;
    expect(run).toMatchObject({ status: "interrupted", scores: null });
    expect(run.error).toMatch(/^Cancelled by the operator\. Start a new run with judge\.$/);
    expect(await storing.runner.runs.findRunning(request.auditId, request.judgeModel, request.dimensions)).toBeUndefined();
  });

  it("whenDone resolves once the run's job is stored as done (a command may close the store right after)", async () => {
    const { request } = await setup();
    const own = await otherProcess();
    own.models.mock("mockllm/judge").script({ text: judgeAnswer(allScores()) });
    const id = await own.runner.start(request);
    expect(await own.runner.whenDone(id)).toMatchObject({ status: "complete" });
    expect(await own.runner.jobs.get(id)).toMatchObject({ status: "done", attempts: 1, leaseOwner: null });
  });

  it("the judge tool of a process that works its runs still finishes them itself", async () => {
    const { auditId } = await setup();
    t!.models.mock("mockllm/judge").script({ text: judgeAnswer(allScores()) });
    const { data } = await t!.ok("judge", { audit_id: auditId, judge_model: "mockllm/judge", wait_seconds: 30 });
    expect(data.status).toBe("complete");
    expect(await t!.app.store.jobs.get(data.run_id)).toMatchObject({ kind: "judge", status: "done", attempts: 1, auditId });
  });
});
