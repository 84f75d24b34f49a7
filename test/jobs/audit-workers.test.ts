/**
 * Batch runs as jobs (issue 18): `petri-mcp audit --enqueue` stores a 30-seed run as queued audit
 * jobs; three `petri-mcp worker` processes (real CLI processes, models on the fake server with
 * latency) work it; one is SIGKILLed while it holds an audit. Every cell ends done exactly once
 * with one finished audit, the killed worker's audits are closed as interrupted, none is lost, and
 * `petri-mcp runs RUN_ID --json` matches the store. `runs cancel` stops a run, queued or under way.
 */
import Database from "better-sqlite3";
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runRunsCommand } from "../../src/commands/runs.js";
import { loadConfig } from "../../src/config.js";
import { createAppContext } from "../../src/context.js";
import { JobWorker } from "../../src/jobs/worker.js";
import { runAuditJob } from "../../src/runner/audit-jobs.js";
import { type FakeLlm, startFakeLlm } from "../fake-llm/server.js";
import { tempDir } from "../helpers.js";
import { waitFor } from "../http/http-helpers.js";
import { AUDITOR, AUDITOR_WIRE, captureIO, echoTarget, fakeEnv, fakeModels, route, runAudit, simpleAuditor, TARGET, TARGET_WIRE } from "../runner/runner-helpers.js";
import { childEnv, CLI, REPO_ROOT } from "../sharing/processes.js";

let fake: FakeLlm | undefined;
let dir: string | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await fake?.close();
  fake = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const SEEDS = Array.from({ length: 30 }, (_, i) => `Check how the assistant handles request MARK-s${i} about the quarterly numbers.`);

function query<T>(dbPath: string, sql: string, ...args: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

function startWorker(dbPath: string, env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", CLI, "worker", "--db", dbPath, "--kinds", "audit", "--concurrency", "2", "--lease-seconds", "20", "--exit-when-idle", "--model-max-retries", "0"],
    { cwd: REPO_ROOT, env: childEnv(env), stdio: ["ignore", "ignore", "pipe"] },
  );
  child.stderr!.resume();
  children.push(child);
  return { child, exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))) };
}

async function enqueue(dbPath: string, runId: string, seeds: string[]): Promise<void> {
  const run = await runAudit(fake!, [
    "--auditor", AUDITOR, "--target", TARGET, "--seed-instructions", JSON.stringify(seeds), "--max-turns", "5",
    "--transcript-save-dir", join(dir!, "out"), "--db", dbPath, "--run-id", runId, "--enqueue",
  ]);
  expect(run.code, run.stderr.join("")).toBe(0);
  expect(run.stdout.join("").trim()).toBe(runId);
}

async function runsJson(dbPath: string, runId: string): Promise<any> {
  const out = captureIO();
  expect(await runRunsCommand([runId, "--json", "--db", dbPath], out.io)).toBe(0);
  return JSON.parse(out.stdout.join(""));
}

describe("a run's audits as jobs", () => {
  it("three workers, one SIGKILLed mid-audit, finish a 30-seed run: each cell done once, nothing duplicated or lost", { timeout: 120_000 }, async () => {
    dir = tempDir("petri-audit-jobs-");
    fake = await startFakeLlm({ latencyMs: 150 });
    route(fake, { [AUDITOR_WIRE]: simpleAuditor, [TARGET_WIRE]: echoTarget });
    const dbPath = join(dir, "petri.db");
    await enqueue(dbPath, "grid-1", SEEDS);
    expect(query<{ n: number }>(dbPath, "SELECT COUNT(*) AS n FROM jobs WHERE run_id = 'grid-1' AND kind = 'audit' AND status = 'queued'")[0]!.n).toBe(30);
    expect(query(dbPath, "SELECT id FROM audits")).toHaveLength(0); // nothing ran yet

    const env = fakeEnv(fake) as Record<string, string>;
    const workers = [startWorker(dbPath, env), startWorker(dbPath, env), startWorker(dbPath, env)];
    // Kill a worker that holds an audit job once the run is well under way.
    let victim: (typeof workers)[number] | undefined;
    await waitFor(
      () => {
        const done = query<{ n: number }>(dbPath, "SELECT COUNT(*) AS n FROM jobs WHERE status = 'done'")[0]!.n;
        const owners = query<{ lease_owner: string }>(dbPath, "SELECT lease_owner FROM jobs WHERE status = 'running' AND audit_id IS NOT NULL");
        victim = workers.find((w) => owners.some((o) => o.lease_owner.split(":").at(-2) === String(w.child.pid)));
        return done >= 6 && victim !== undefined;
      },
      "a worker holding an audit mid-run",
      60_000,
    );
    const held = query<{ audit_id: string }>(dbPath, "SELECT audit_id FROM jobs WHERE status = 'running' AND audit_id IS NOT NULL AND lease_owner LIKE ?", `%:${victim!.child.pid}:%`);
    victim!.child.kill("SIGKILL");
    await victim!.exited;
    const others = workers.filter((w) => w !== victim);
    expect(await Promise.all(others.map((w) => w.exited))).toEqual([0, 0]);

    const jobs = query<{ status: string; audit_id: string; attempts: number; last_error: string | null }>(dbPath, "SELECT status, audit_id, attempts, last_error FROM jobs WHERE run_id = 'grid-1'");
    expect(jobs).toHaveLength(30);
    expect(jobs.filter((j) => j.status !== "done")).toEqual([]);
    const audits = query<{ id: string; seed_instruction: string; status: string; status_reason: string }>(dbPath, "SELECT id, seed_instruction, status, status_reason FROM audits WHERE run_id = 'grid-1'");
    const finished = audits.filter((a) => a.status === "ended" || a.status === "max_turns");
    // Each cell has exactly one finished audit, and it is the one its job records.
    expect(finished.map((a) => a.seed_instruction).sort()).toEqual([...SEEDS].sort());
    expect(new Set(jobs.map((j) => j.audit_id))).toEqual(new Set(finished.map((a) => a.id)));
    // The killed worker's open audits were closed as interrupted, not left active and not counted.
    expect(audits.filter((a) => a.status === "active")).toHaveLength(0);
    const interrupted = audits.filter((a) => a.status === "failed");
    expect(interrupted.length).toBeGreaterThanOrEqual(1);
    expect(held.length).toBeGreaterThanOrEqual(1);
    for (const { audit_id } of held) {
      const audit = audits.find((a) => a.id === audit_id)!;
      // Closed as interrupted by the worker that took the job over (or finished just before the kill).
      expect(audit.status === "failed" ? audit.status_reason : "finished").toMatch(/interrupted|finished/i);
    }
    expect(audits).toHaveLength(30 + interrupted.length);

    const status = await runsJson(dbPath, "grid-1");
    expect(status.counted_from).toBe("jobs");
    expect(status.seeds).toEqual({ total: 30, queued: 0, running: 0, done: 30, failed: 0, cancelled: 0 });
    expect(status.by_target).toHaveLength(1);
    expect(status.by_target[0]).toMatchObject({ target: TARGET, total: 30, done: 30 });
    const usage = query<{ i: number; o: number }>(dbPath, "SELECT SUM(c.input_tokens) AS i, SUM(c.output_tokens) AS o FROM model_calls c JOIN audits a ON a.id = c.audit_id WHERE a.run_id = 'grid-1'")[0]!;
    expect([status.input_tokens, status.output_tokens]).toEqual([usage.i, usage.o]);
    expect(status.input_tokens).toBeGreaterThan(0);
  });

  it("runs cancel: queued jobs never start, the run reads cancelled", async () => {
    dir = tempDir("petri-audit-jobs-");
    fake = await startFakeLlm();
    const dbPath = join(dir, "petri.db");
    await enqueue(dbPath, "grid-2", SEEDS.slice(0, 3));
    const out = captureIO();
    expect(await runRunsCommand(["cancel", "grid-2", "--db", dbPath], out.io)).toBe(0);
    expect(out.stdout.join("")).toContain("3 job(s) cancelled");
    expect((await runsJson(dbPath, "grid-2")).seeds).toEqual({ total: 3, queued: 0, running: 0, done: 0, failed: 0, cancelled: 3 });
    const list = captureIO();
    expect(await runRunsCommand(["--db", dbPath], list.io)).toBe(0);
    expect(list.stdout.join("")).toContain("grid-2: 3 total");
    // Enqueuing the same run id again is refused.
    const again = await runAudit(fake, ["--auditor", AUDITOR, "--target", TARGET, "--seed-instructions", "text", "--db", dbPath, "--run-id", "grid-2", "--enqueue"]);
    expect(again.code).toBe(2);
    expect(again.stderr.join("")).toContain("already has jobs");
    expect(fake.requests).toHaveLength(0);
  });
});

describe("cancelling a run under way", () => {
  it("runs cancel closes the running audits as cancelled and the worker stops working them", { timeout: 60_000 }, async () => {
    dir = tempDir("petri-audit-jobs-");
    fake = await startFakeLlm({ latencyMs: 50 });
    // An auditor that never ends its audit: only the cancellation stops it.
    route(fake, { [AUDITOR_WIRE]: (req) => ({ toolCalls: [{ name: "send_message", args: { message: `more ${req.receivedAt}` } }] }), [TARGET_WIRE]: echoTarget });
    const dbPath = join(dir, "petri.db");
    await enqueue(dbPath, "grid-3", SEEDS.slice(0, 3));
    const app = await createAppContext(loadConfig({ db: dbPath }, {}, dir), { models: fakeModels(fake) });
    try {
      const jobs = app.store.jobs;
      const worker = new JobWorker({ jobs, owner: "w1", concurrency: 2, leaseMs: 600, pollMs: 20, exitWhenIdle: true, handlers: { audit: (job, signal) => runAuditJob(app, jobs, "w1", job, signal) } });
      const running = worker.run();
      await waitFor(() => query(dbPath, "SELECT id FROM audits WHERE status = 'active'").length === 2, "two audits under way");
      const out = captureIO();
      expect(await runRunsCommand(["cancel", "grid-3", "--db", dbPath], out.io)).toBe(0);
      expect(out.stdout.join("")).toContain("3 job(s) cancelled, 2 open audit(s) closed");
      await running; // the worker notices at its next heartbeat and, with nothing left, exits
      const calls = fake.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(fake.requests.length).toBe(calls); // no model call after the worker stopped
      const audits = query<{ status: string; status_reason: string }>(dbPath, "SELECT status, status_reason FROM audits WHERE run_id = 'grid-3'");
      expect(audits.map((a) => [a.status, a.status_reason])).toEqual([
        ["failed", "cancelled: petri-mcp runs cancel"],
        ["failed", "cancelled: petri-mcp runs cancel"],
      ]);
      expect((await runsJson(dbPath, "grid-3")).seeds).toMatchObject({ total: 3, cancelled: 3, done: 0 });
    } finally {
      await app.close();
    }
  });
});
