/**
 * The store contract for durable jobs and run status (src/store/jobs.ts, src/store/run-status.ts),
 * on SQLite and PostgreSQL: a claim is exclusive (also between concurrent claimers on separate
 * connections and processes), an expired lease is claimed again, a done job never is, attempts are
 * bounded, every write after a claim is fenced by the lease owner, and a job enqueued in a
 * transaction that fails is not stored.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import type { AuditStore, NewAudit } from "../../src/store/types.js";
import { REPO_ROOT } from "../sharing/processes.js";
import { describeBackends } from "./backends.js";

const CLAIMER = new URL("../jobs/fixtures/claimer.ts", import.meta.url).pathname;
const audit = (over: Partial<NewAudit> = {}): NewAudit => ({ seedInstruction: "Probe the target", targetModel: "mockllm/t", maxTurns: 5, ...over });

describeBackends("job contract", (backend) => {
  let store: AuditStore;
  const open = async () => (store = await backend.open());

  it("claims the oldest queued job once; a second store instance gets the next one", async () => {
    await open();
    const other = await backend.open();
    const a = await store.jobs.enqueue({ kind: "judge", payload: { n: 1 } });
    const b = await store.jobs.enqueue({ kind: "judge", payload: { n: 2 } });
    const first = (await store.jobs.claim(["judge"], "w1", 10_000))!;
    expect(first).toMatchObject({ id: a, status: "running", attempts: 1, leaseOwner: "w1", payload: { n: 1 } });
    expect((await other.jobs.claim(["judge"], "w2", 10_000))!.id).toBe(b);
    expect(await other.jobs.claim(["judge"], "w2", 10_000)).toBeUndefined();
    expect(await store.jobs.claim(["audit"], "w3", 10_000)).toBeUndefined();
  });

  it("claims in insertion order when jobs share a timestamp", async () => {
    await open();
    const ids: string[] = [];
    await store.transaction(async (tx) => {
      for (let i = 0; i < 20; i++) ids.push(await tx.jobs.enqueue({ kind: "audit", runId: "r", payload: { i } }));
    });
    expect((await store.jobs.listRun("r")).map((j) => j.id)).toEqual(ids);
    expect((await store.jobs.claim(["audit"], "w", 1000))!.id).toBe(ids[0]);
  });

  it("only claims the kinds, run and job asked for", async () => {
    await open();
    await store.jobs.enqueue({ kind: "judge", runId: "r1" });
    const auditJob = await store.jobs.enqueue({ kind: "audit", runId: "r2", auditId: "a1" });
    expect(await store.jobs.claim(["audit"], "w", 1000, { runId: "r1" })).toBeUndefined();
    expect(await store.jobs.claim(["judge", "audit"], "w", 1000, { jobId: auditJob })).toMatchObject({ id: auditJob, auditId: "a1", runId: "r2" });
    await expect(store.jobs.claim([], "w", 1000)).rejects.toThrow(/at least one job kind/);
    await expect(store.jobs.enqueue({ kind: "audit", maxAttempts: 0 })).rejects.toThrow(/max attempts/);
  });

  it("claims a running job again once its lease expired, and fences the old owner out", async () => {
    await open();
    const id = await store.jobs.enqueue({ kind: "judge" });
    const now = 1_000_000;
    await store.jobs.claim(["judge"], "dead", 5_000, {}, now);
    expect(await store.jobs.claim(["judge"], "w2", 5_000, {}, now + 4_999)).toBeUndefined();
    const again = (await store.jobs.claim(["judge"], "w2", 5_000, {}, now + 5_001))!;
    expect(again).toMatchObject({ id, attempts: 2, leaseOwner: "w2", leaseExpiresAt: now + 10_001, heartbeatAt: now + 5_001 });
    expect(again.lastError).toContain("lease of dead expired");
    expect(await store.jobs.renew(id, "dead", 5_000)).toBe(false);
    expect(await store.jobs.complete(id, "dead")).toBe(false);
    expect(await store.jobs.linkAudit(id, "dead", "x")).toBe(false);
    expect(await store.jobs.renew(id, "w2", 5_000, now + 6_000)).toBe(true);
    expect(await store.jobs.linkAudit(id, "w2", "aud1")).toBe(true);
    expect(await store.jobs.complete(id, "w2")).toBe(true);
    expect(await store.jobs.get(id)).toMatchObject({ status: "done", auditId: "aud1", leaseOwner: null, leaseExpiresAt: null });
    expect((await store.jobs.get(id))!.finishedAt).not.toBeNull();
    expect(await store.jobs.get("nope")).toBeUndefined();
  });

  it("never claims a done, failed or cancelled job again", async () => {
    await open();
    const done = await store.jobs.enqueue({ kind: "judge" });
    await store.jobs.claim(["judge"], "w", 1);
    await store.jobs.complete(done, "w");
    const failed = await store.jobs.enqueue({ kind: "judge", maxAttempts: 1 });
    await store.jobs.claim(["judge"], "w", 1);
    await store.jobs.fail(failed, "w", "boom");
    const cancelled = await store.jobs.enqueue({ kind: "judge", runId: "r" });
    expect(await store.jobs.cancelRun("r")).toBe(1);
    const single = await store.jobs.enqueue({ kind: "judge" });
    expect(await store.jobs.cancel(single, "not needed")).toBe(true);
    expect(await store.jobs.cancel(single, "again")).toBe(false);
    expect(await store.jobs.claim(["judge"], "w2", 1, {}, Date.now() + 60_000)).toBeUndefined();
    const statuses = await Promise.all([done, failed, cancelled, single].map(async (id) => (await store.jobs.get(id))!.status));
    expect(statuses).toEqual(["done", "failed", "cancelled", "cancelled"]);
    expect((await store.jobs.get(cancelled))!.lastError).toBe("The run was cancelled.");
    expect((await store.jobs.get(single))!.lastError).toBe("not needed");
  });

  it("queues a failed or cancelled job again with all its attempts; never a queued, running or done one", async () => {
    await open();
    const failed = await store.jobs.enqueue({ kind: "audit", runId: "r", maxAttempts: 1 });
    await store.jobs.claim(["audit"], "w", 1000);
    await store.jobs.fail(failed, "w", "boom");
    const cancelled = await store.jobs.enqueue({ kind: "audit", runId: "r" });
    await store.jobs.cancel(cancelled, "not needed");
    const done = await store.jobs.enqueue({ kind: "judge" });
    await store.jobs.claim(["judge"], "w", 1000);
    await store.jobs.complete(done, "w");
    const queued = await store.jobs.enqueue({ kind: "judge" });
    expect(await store.jobs.requeue(failed)).toBe(true);
    expect(await store.jobs.requeue(cancelled)).toBe(true);
    expect(await store.jobs.requeue(done)).toBe(false);
    expect(await store.jobs.requeue(queued)).toBe(false);
    expect(await store.jobs.requeue("nope")).toBe(false);
    expect(await store.jobs.get(failed)).toMatchObject({ status: "queued", attempts: 0, maxAttempts: 1, lastError: "boom", finishedAt: null, leaseOwner: null });
    expect((await store.jobs.get(done))!.status).toBe("done");
    expect((await store.jobs.claim(["audit"], "w2", 1000))!).toMatchObject({ id: failed, attempts: 1 });
  });

  it("bounds attempts: failures requeue until max_attempts, then the job fails with the last error; retry: false fails at once", async () => {
    await open();
    const id = await store.jobs.enqueue({ kind: "audit", maxAttempts: 2 });
    await store.jobs.claim(["audit"], "w", 1000);
    expect(await store.jobs.fail(id, "w", "first error")).toBe(true);
    expect(await store.jobs.get(id)).toMatchObject({ status: "queued", attempts: 1, lastError: "first error", leaseOwner: null });
    await store.jobs.claim(["audit"], "w", 1000);
    await store.jobs.fail(id, "w", "second error");
    expect(await store.jobs.get(id)).toMatchObject({ status: "failed", attempts: 2, lastError: "second error" });
    expect(await store.jobs.fail(id, "w", "again")).toBe(false);
    const final = await store.jobs.enqueue({ kind: "audit" });
    await store.jobs.claim(["audit"], "w", 1000);
    await store.jobs.fail(final, "w", "budget: spent", { retry: false });
    expect(await store.jobs.get(final)).toMatchObject({ status: "failed", attempts: 1, maxAttempts: 3, lastError: "budget: spent" });
  });

  it("fails an expired job that used all its attempts instead of claiming it", async () => {
    await open();
    const id = await store.jobs.enqueue({ kind: "judge", maxAttempts: 1 });
    await store.jobs.claim(["judge"], "dead", 10, {}, 1000);
    expect(await store.jobs.claim(["judge"], "w2", 10, {}, 2000)).toBeUndefined();
    const job = (await store.jobs.get(id))!;
    expect(job).toMatchObject({ status: "failed", attempts: 1 });
    expect(job.lastError).toContain("lease of dead expired");
  });

  it("release gives the job back without counting the attempt; expireLease lets the next claim take it", async () => {
    await open();
    const id = await store.jobs.enqueue({ kind: "judge" });
    await store.jobs.claim(["judge"], "w", 60_000);
    expect(await store.jobs.release(id, "w")).toBe(true);
    expect(await store.jobs.get(id)).toMatchObject({ status: "queued", attempts: 0 });
    await store.jobs.claim(["judge"], "gone", 60_000);
    expect(await store.jobs.leases(["judge"])).toEqual([{ id, owner: "gone" }]);
    expect(await store.jobs.leases(["audit"])).toEqual([]);
    expect(await store.jobs.pending(["judge"])).toBe(1);
    expect(await store.jobs.claim(["judge"], "w2", 60_000)).toBeUndefined();
    expect(await store.jobs.expireLease(id, "gone")).toBe(true);
    expect(await store.jobs.claim(["judge"], "w2", 60_000)).toMatchObject({ id, attempts: 2 });
  });

  it("counts a run's jobs by status and by target, and cancels only its unfinished ones", async () => {
    await open();
    const ids: string[] = [];
    for (const target of ["m/b", "m/a", "m/a", "m/b"]) ids.push(await store.jobs.enqueue({ kind: "audit", runId: "run1", payload: { target } }));
    await store.jobs.enqueue({ kind: "audit", runId: "run2" });
    await store.jobs.enqueue({ kind: "judge", runId: "run1" });
    await store.jobs.claim(["audit"], "w", 60_000, { jobId: ids[0] });
    await store.jobs.complete(ids[0]!, "w");
    await store.jobs.claim(["audit"], "w", 60_000, { jobId: ids[1] });
    expect(await store.jobs.countsByRun("run1")).toEqual({ queued: 3, running: 1, done: 1, failed: 0, cancelled: 0, total: 5 });
    expect(await store.jobs.pending(["audit"], "run1")).toBe(3);
    expect(await store.jobs.auditCountsByTarget("run1")).toEqual([
      { target: "m/a", status: "queued", n: 1 },
      { target: "m/a", status: "running", n: 1 },
      { target: "m/b", status: "done", n: 1 },
      { target: "m/b", status: "queued", n: 1 },
    ]);
    expect(await store.jobs.auditCountsByTarget("run2")).toEqual([{ target: "", status: "queued", n: 1 }]);
    expect(await store.jobs.cancelRun("run1")).toBe(4);
    expect(await store.jobs.renew(ids[1]!, "w", 1000)).toBe(false);
    expect(await store.jobs.countsByRun("run1")).toMatchObject({ done: 1, cancelled: 4 });
    expect(await store.jobs.countsByRun("run2")).toMatchObject({ queued: 1, total: 1 });
  });

  it("writes a job with the rows of its transaction, or not at all", async () => {
    await open();
    await store.audits.create(audit({ id: "aj1" }));
    const failed = store.transaction(async (tx) => {
      await tx.jobs.enqueue({ id: "job-lost", kind: "judge", auditId: "aj1" });
      throw new Error("the rest failed");
    });
    await expect(failed).rejects.toThrow("the rest failed");
    expect(await store.jobs.get("job-lost")).toBeUndefined();
    await store.transaction(async (tx) => {
      await tx.jobs.enqueue({ id: "job-kept", kind: "judge", auditId: "aj1" });
      expect(await tx.jobs.claim(["judge"], "w", 1000, { jobId: "job-kept" })).toMatchObject({ attempts: 1 });
    });
    expect(await store.jobs.get("job-kept")).toMatchObject({ status: "running", leaseOwner: "w" });
  });

  it("eight claimers racing on one queued job, each on its own store instance: exactly one wins", async () => {
    await open();
    const id = await store.jobs.enqueue({ kind: "judge" });
    const claimers = await Promise.all(Array.from({ length: 8 }, () => backend.open({ poolSize: 1 })));
    const results = await Promise.all(claimers.map((s, i) => s.jobs.claim(["judge"], `w${i}`, 60_000)));
    const winners = results.filter((r) => r !== undefined);
    expect(winners).toHaveLength(1);
    expect(await store.jobs.get(id)).toMatchObject({ status: "running", attempts: 1, leaseOwner: winners[0]!.leaseOwner });
  });

  it("three processes claiming 90 jobs at once take each exactly once", { timeout: 120_000 }, async () => {
    await open();
    const ids = new Set<string>();
    for (let i = 0; i < 90; i++) ids.add(await store.jobs.enqueue({ kind: "judge" }));
    const run = promisify(execFile);
    const outputs = await Promise.all(["p1", "p2", "p3"].map((owner) => run(process.execPath, ["--import", "tsx", CLAIMER, backend.location, owner], { cwd: REPO_ROOT, timeout: 90_000 })));
    const claimed = outputs.flatMap((o) => o.stdout.split("\n").filter(Boolean));
    expect(claimed.length).toBe(90);
    expect(new Set(claimed)).toEqual(ids);
    for (const id of ids) expect(await store.jobs.get(id)).toMatchObject({ status: "done", attempts: 1 });
  });

  it("lists runs, their usage by target, budgets and spending", async () => {
    await open();
    await store.runs.saveDesign("r-old", { targets: ["m/a"] });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.runs.saveDesign("r-new", { targets: ["m/a", "m/b"], seeds: 2 });
    expect((await store.runs.list()).map((r) => r.id)).toEqual(["r-new", "r-old"]);
    expect((await store.runs.list(1))[0]).toMatchObject({ id: "r-new", design: { targets: ["m/a", "m/b"], seeds: 2 } });
    expect(await store.runs.exists("r-new")).toBe(true);
    expect(await store.runs.exists("nope")).toBe(false);
    await store.audits.create(audit({ id: "ua", runId: "r-new", targetModel: "m/a" }));
    await store.audits.create(audit({ id: "ub", runId: "r-new", targetModel: "m/b" }));
    await store.audits.create(audit({ id: "uc", runId: "r-old", targetModel: "m/a" }));
    const call = { model: "m", startedAt: "2026-01-01T00:00:00.000Z", latencyMs: 1 };
    await store.modelCalls.record({ ...call, auditId: "ua", role: "auditor", inputTokens: 10, outputTokens: 1, costUsd: 0.5 });
    await store.modelCalls.record({ ...call, auditId: "ua", role: "target", inputTokens: 20, outputTokens: 2, costUsd: null });
    await store.modelCalls.record({ ...call, auditId: "ua", role: "target", errorKind: "rate_limit", error: "slow" });
    await store.modelCalls.record({ ...call, auditId: "ub", role: "target", inputTokens: 3, outputTokens: 4, costUsd: null });
    await store.modelCalls.record({ ...call, auditId: "uc", role: "target", inputTokens: 100, outputTokens: 100, costUsd: 9 });
    expect(await store.runs.usageByTarget("r-new")).toEqual([
      { target: "m/a", inputTokens: 30, outputTokens: 3, costUsd: 0.5, unpricedCalls: 1 },
      { target: "m/b", inputTokens: 3, outputTokens: 4, costUsd: null, unpricedCalls: 1 },
    ]);
    expect(await store.runs.spending("r-new")).toEqual({ runId: "r-new", budgetUsd: null, spentUsd: 0.5, unpricedCalls: 2 });
    expect(await store.runs.budgetedRunOf("ua")).toBeNull();
    await store.runs.setBudget("r-new", 0.75);
    expect(await store.runs.design("r-new")).toEqual({ targets: ["m/a", "m/b"], seeds: 2, budgetUsd: 0.75 });
    expect(await store.runs.budgetedRunOf("ub")).toEqual({ runId: "r-new", budgetUsd: 0.75, spentUsd: 0.5, unpricedCalls: 2 });
    expect(await store.runs.budgetedRunOf("uc")).toBeNull();
    expect(await store.runs.budgetedRunOf("no-audit")).toBeNull();
    await store.runs.setBudget("r-new", null);
    expect(await store.runs.design("r-new")).toEqual({ targets: ["m/a", "m/b"], seeds: 2 });
    await store.runs.setBudget("not-a-run", 1);
    expect(await store.runs.exists("not-a-run")).toBe(false);
    expect(await store.runs.spending("empty")).toEqual({ runId: "empty", budgetUsd: null, spentUsd: 0, unpricedCalls: 0 });
  });
});
