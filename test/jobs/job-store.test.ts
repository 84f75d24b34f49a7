/**
 * JobStore on SQLite: a claim is exclusive (also across processes), an expired lease is claimed
 * again, a done job never is, attempts are bounded, and every write after a claim is fenced by the
 * lease owner.
 */
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { AuditStore } from "../../src/store/audit-store.js";
import { openDatabase } from "../../src/store/db.js";
import { JobStore } from "../../src/store/jobs.js";
import { tempDir } from "../helpers.js";
import { REPO_ROOT as CLI_CWD } from "../sharing/processes.js";

const CLAIMER = new URL("./fixtures/claimer.ts", import.meta.url).pathname;
let dir: string | undefined;
const stores: AuditStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function open(path: string): JobStore {
  const store = new AuditStore(openDatabase(path));
  stores.push(store);
  return new JobStore(store);
}

function fresh(): { jobs: JobStore; path: string } {
  dir = tempDir("petri-jobs-");
  const path = join(dir, "petri.db");
  return { jobs: open(path), path };
}

describe("JobStore", () => {
  it("claims the oldest queued job once; a second connection gets the next one", () => {
    const { jobs, path } = fresh();
    const other = open(path);
    const a = jobs.enqueue({ kind: "judge", payload: { n: 1 } });
    const b = jobs.enqueue({ kind: "judge", payload: { n: 2 } });
    const first = jobs.claim(["judge"], "w1", 10_000)!;
    expect(first).toMatchObject({ id: a, status: "running", attempts: 1, leaseOwner: "w1", payload: { n: 1 } });
    expect(other.claim(["judge"], "w2", 10_000)!.id).toBe(b);
    expect(other.claim(["judge"], "w2", 10_000)).toBeUndefined();
    expect(jobs.claim(["audit"], "w3", 10_000)).toBeUndefined();
  });

  it("only claims the kinds, run and job asked for", () => {
    const { jobs } = fresh();
    jobs.enqueue({ kind: "judge", runId: "r1" });
    const audit = jobs.enqueue({ kind: "audit", runId: "r2" });
    expect(jobs.claim(["audit"], "w", 1000, { runId: "r1" })).toBeUndefined();
    expect(jobs.claim(["judge", "audit"], "w", 1000, { jobId: audit })!.id).toBe(audit);
  });

  it("claims a running job again once its lease expired, and fences the old owner out", () => {
    const { jobs } = fresh();
    const id = jobs.enqueue({ kind: "judge" });
    const now = 1_000_000;
    jobs.claim(["judge"], "dead", 5_000, {}, now);
    expect(jobs.claim(["judge"], "w2", 5_000, {}, now + 4_999)).toBeUndefined();
    const again = jobs.claim(["judge"], "w2", 5_000, {}, now + 5_001)!;
    expect(again).toMatchObject({ id, attempts: 2, leaseOwner: "w2" });
    expect(again.lastError).toContain("lease of dead expired");
    expect(jobs.renew(id, "dead", 5_000)).toBe(false);
    expect(jobs.complete(id, "dead")).toBe(false);
    expect(jobs.renew(id, "w2", 5_000, now + 6_000)).toBe(true);
    expect(jobs.complete(id, "w2")).toBe(true);
    expect(jobs.get(id)!.status).toBe("done");
  });

  it("never claims a done, failed or cancelled job again", () => {
    const { jobs } = fresh();
    const done = jobs.enqueue({ kind: "judge" });
    jobs.claim(["judge"], "w", 1)!;
    jobs.complete(done, "w");
    const failed = jobs.enqueue({ kind: "judge", maxAttempts: 1 });
    jobs.claim(["judge"], "w", 1)!;
    jobs.fail(failed, "w", "boom");
    const cancelled = jobs.enqueue({ kind: "judge", runId: "r" });
    expect(jobs.cancelRun("r")).toBe(1);
    expect(jobs.claim(["judge"], "w2", 1, {}, Date.now() + 60_000)).toBeUndefined();
    expect([done, failed, cancelled].map((id) => jobs.get(id)!.status)).toEqual(["done", "failed", "cancelled"]);
  });

  it("bounds attempts: failures requeue until max_attempts, then the job fails with the last error", () => {
    const { jobs } = fresh();
    const id = jobs.enqueue({ kind: "audit", maxAttempts: 2 });
    jobs.claim(["audit"], "w", 1000);
    expect(jobs.fail(id, "w", "first error")).toBe(true);
    expect(jobs.get(id)).toMatchObject({ status: "queued", attempts: 1, lastError: "first error", leaseOwner: null });
    jobs.claim(["audit"], "w", 1000);
    jobs.fail(id, "w", "second error");
    expect(jobs.get(id)).toMatchObject({ status: "failed", attempts: 2, lastError: "second error" });
    expect(jobs.fail(id, "w", "again")).toBe(false);
  });

  it("fails an expired job that used all its attempts instead of claiming it", () => {
    const { jobs } = fresh();
    const id = jobs.enqueue({ kind: "judge", maxAttempts: 1 });
    jobs.claim(["judge"], "dead", 10, {}, 1000);
    expect(jobs.claim(["judge"], "w2", 10, {}, 2000)).toBeUndefined();
    const job = jobs.get(id)!;
    expect(job).toMatchObject({ status: "failed", attempts: 1 });
    expect(job.lastError).toContain("lease of dead expired");
  });

  it("release gives the job back without counting the attempt; expireLease lets the next claim take it", () => {
    const { jobs } = fresh();
    const id = jobs.enqueue({ kind: "judge" });
    jobs.claim(["judge"], "w", 60_000);
    expect(jobs.release(id, "w")).toBe(true);
    expect(jobs.get(id)).toMatchObject({ status: "queued", attempts: 0 });
    jobs.claim(["judge"], "gone", 60_000);
    expect(jobs.leases(["judge"])).toEqual([{ id, owner: "gone" }]);
    expect(jobs.claim(["judge"], "w2", 60_000)).toBeUndefined();
    expect(jobs.expireLease(id, "gone")).toBe(true);
    expect(jobs.claim(["judge"], "w2", 60_000)).toMatchObject({ id, attempts: 2 });
  });

  it("counts a run's jobs by status and cancels only its unfinished ones", () => {
    const { jobs } = fresh();
    const ids = [0, 1, 2, 3].map(() => jobs.enqueue({ kind: "audit", runId: "run1" }));
    jobs.enqueue({ kind: "audit", runId: "run2" });
    jobs.claim(["audit"], "w", 60_000, { jobId: ids[0] });
    jobs.complete(ids[0]!, "w");
    jobs.claim(["audit"], "w", 60_000, { jobId: ids[1] });
    expect(jobs.countsByRun("run1")).toEqual({ queued: 2, running: 1, done: 1, failed: 0, cancelled: 0, total: 4 });
    expect(jobs.cancelRun("run1")).toBe(3);
    expect(jobs.renew(ids[1]!, "w", 1000)).toBe(false);
    expect(jobs.countsByRun("run1")).toMatchObject({ done: 1, cancelled: 3 });
    expect(jobs.countsByRun("run2")).toMatchObject({ queued: 1 });
  });

  it("three processes claiming 150 jobs at once take each exactly once", async () => {
    const { jobs, path } = fresh();
    const ids = new Set(Array.from({ length: 150 }, () => jobs.enqueue({ kind: "judge" })));
    const run = promisify(execFile);
    const outputs = await Promise.all(
      ["p1", "p2", "p3"].map((owner) => run(process.execPath, ["--import", "tsx", CLAIMER, path, owner], { cwd: CLI_CWD, timeout: 60_000 })),
    );
    const claimed = outputs.flatMap((o) => o.stdout.split("\n").filter(Boolean));
    expect(claimed.length).toBe(150);
    expect(new Set(claimed)).toEqual(ids);
    expect(jobs.store.prepare("SELECT COUNT(*) AS n FROM jobs WHERE status = 'done' AND attempts = 1").get()).toEqual({ n: 150 });
  }, 90_000);
});
