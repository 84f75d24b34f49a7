/**
 * The job worker: works jobs up to its concurrency, renews leases while a handler runs, requeues a
 * failed attempt until its attempts are used, aborts a handler whose lease was lost (cancelled),
 * gives jobs back when stopped (or when a handler throws ReleaseJobError), drains (claims nothing
 * more, lets running jobs end), and exits when idle only once nothing is queued or running.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { JobWorker, ReleaseJobError } from "../../src/jobs/worker.js";
import { openStore } from "../../src/store/index.js";
import type { AuditStore, JobRecord, JobRepo } from "../../src/store/types.js";
import { tempDir } from "../helpers.js";
import { freshLocation, testBackends, useBackend } from "../support/backends.js";

let dir: string | undefined;
let store: AuditStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Resolves when `signal` aborts. */
const aborted = (signal: AbortSignal) => new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));

describe.each(testBackends())("JobWorker [%s]", (backend) => {
  useBackend(backend);

  async function jobStore(): Promise<JobRepo> {
    dir = tempDir("petri-worker-");
    store = await openStore(await freshLocation(backend, dir));
    return store.jobs;
  }

  it("works every job once, at most `concurrency` at a time, and exits when idle", async () => {
    const jobs = await jobStore();
    for (let i = 0; i < 10; i++) await jobs.enqueue({ kind: "audit", runId: "r", payload: { i } });
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    const worker = new JobWorker({
      jobs,
      concurrency: 3,
      pollMs: 10,
      exitWhenIdle: true,
      handlers: {
        audit: async (job: JobRecord) => {
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 20));
          seen.push((job.payload as { i: number }).i);
          running--;
        },
      },
    });
    expect(await worker.run()).toEqual({ done: 10, failed: 0, retried: 0, released: 0, lost: 0 });
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
    expect(await jobs.countsByRun("r")).toMatchObject({ done: 10, total: 10 });
  });

  it("requeues a failing job until its attempts are used, then records the last error", async () => {
    const jobs = await jobStore();
    const id = await jobs.enqueue({ kind: "judge", maxAttempts: 2 });
    let calls = 0;
    const worker = new JobWorker({
      jobs,
      pollMs: 10,
      exitWhenIdle: true,
      handlers: {
        judge: async () => {
          calls++;
          throw new Error(`provider down (${calls})`);
        },
      },
    });
    expect(await worker.run()).toMatchObject({ retried: 1, failed: 1, done: 0 });
    expect(calls).toBe(2);
    expect(await jobs.get(id)).toMatchObject({ status: "failed", attempts: 2, lastError: "provider down (2)" });
  });

  it("renews the lease while a handler runs past it, so nobody else claims the job", async () => {
    const jobs = await jobStore();
    const id = await jobs.enqueue({ kind: "judge" });
    let stolen: JobRecord | undefined;
    const worker = new JobWorker({
      jobs,
      leaseMs: 200,
      heartbeatMs: 20,
      pollMs: 10,
      exitWhenIdle: true,
      handlers: {
        judge: async () => {
          await new Promise((r) => setTimeout(r, 600));
          stolen = await jobs.claim(["judge"], "thief", 1000);
        },
      },
    });
    expect(await worker.run()).toMatchObject({ done: 1 });
    expect(stolen).toBeUndefined();
    expect(await jobs.get(id)).toMatchObject({ status: "done", attempts: 1 });
  });

  it("aborts a handler whose run is cancelled and writes nothing for it", async () => {
    const jobs = await jobStore();
    const id = await jobs.enqueue({ kind: "audit", runId: "r" });
    const worker = new JobWorker({
      jobs,
      heartbeatMs: 10,
      pollMs: 10,
      exitWhenIdle: true,
      handlers: {
        audit: async (_job, signal) => {
          await jobs.cancelRun("r", "Cancelled by the test.");
          await aborted(signal);
          throw new Error("aborted");
        },
      },
    });
    expect(await worker.run()).toMatchObject({ lost: 1, done: 0 });
    expect(await jobs.get(id)).toMatchObject({ status: "cancelled", lastError: "Cancelled by the test." });
  });

  it("gives running jobs back, attempt not counted, when stopped", async () => {
    const jobs = await jobStore();
    const id = await jobs.enqueue({ kind: "judge" });
    const stop = new AbortController();
    const worker = new JobWorker({
      jobs,
      pollMs: 10,
      signal: stop.signal,
      handlers: {
        judge: async (_job, signal) => {
          stop.abort();
          await aborted(signal);
          throw new Error("stopped");
        },
      },
    });
    expect(await worker.run()).toMatchObject({ released: 1 });
    expect(await jobs.get(id)).toMatchObject({ status: "queued", attempts: 0, leaseOwner: null });
  });

  it("drained: claims nothing more, lets the running jobs end without aborting them; ReleaseJobError gives a job back", async () => {
    const jobs = await jobStore();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await jobs.enqueue({ kind: "audit", runId: "r", payload: { i } }));
    const drain = new AbortController();
    const aborts: boolean[] = [];
    // Both handlers are running before the drain.
    let started = 0;
    let bothStarted!: () => void;
    const both = new Promise<void>((resolve) => (bothStarted = resolve));
    const worker = new JobWorker({
      jobs,
      concurrency: 2,
      pollMs: 10,
      exitWhenIdle: true,
      drain: drain.signal,
      handlers: {
        audit: async (job, signal) => {
          if (++started === 2) bothStarted();
          await both;
          drain.abort();
          await new Promise((r) => setTimeout(r, 20));
          aborts.push(signal.aborted);
          if ((job.payload as { i: number }).i === 1) throw new ReleaseJobError("stopped by its process");
        },
      },
    });
    expect(await worker.run()).toMatchObject({ done: 1, released: 1, failed: 0 });
    expect(aborts).toEqual([false, false]);
    expect((await jobs.listRun("r")).map((j) => [j.status, j.attempts])).toEqual([["done", 1], ["queued", 0], ["queued", 0], ["queued", 0]]);
    expect(started).toBe(2);
  });

  it("with exitWhenIdle waits for a job another worker holds, and takes it over when that lease expires", async () => {
    const jobs = await jobStore();
    const id = await jobs.enqueue({ kind: "judge" });
    await jobs.claim(["judge"], "elsewhere:1:stalled", 150);
    const worker = new JobWorker({ jobs, pollMs: 20, exitWhenIdle: true, handlers: { judge: async () => undefined } });
    expect(await worker.run()).toMatchObject({ done: 1 });
    expect(await jobs.get(id)).toMatchObject({ status: "done", attempts: 2 });
  });
});
