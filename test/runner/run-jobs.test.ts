/**
 * `petri-mcp audit` without --enqueue goes through the jobs table (issue 18): it stores the run's
 * cells as audit jobs and works them itself. After a run its cells are done jobs and `runs RUN_ID
 * --json` matches; a rerun with --run-id adds no job; a run stopped by its first stop leaves its
 * unfinished cells queued, and a worker finishes them; a run from before jobs (audits, no jobs)
 * still resumes without re-auditing. In-process on SQLite and PostgreSQL; the built CLI (Ctrl-C,
 * then `petri-mcp worker --run-id … --exit-when-idle`, then a rerun) on SQLite.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { runRunsCommand } from "../../src/commands/runs.js";
import { loadConfig } from "../../src/config.js";
import { createAppContext } from "../../src/context.js";
import { JobWorker } from "../../src/jobs/worker.js";
import { runAuditJob } from "../../src/runner/audit-jobs.js";
import { type Backend, freshLocation, testBackends, useBackend } from "../support/backends.js";
import { freshBuild } from "../support/build.js";
import { AUDITOR, AUDITOR_WIRE, captureIO, echoTarget, fakeModels, gate, route, runAudit, simpleAuditor, storeAt, TARGET, TARGET_WIRE, stopAtFirstTurn, useRunnerFake } from "./runner-helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "dist", "cli.js");
const SEEDS = JSON.stringify(["Probe MARK-one.", "Probe MARK-two.", "Probe MARK-three."]);

const ctx = useRunnerFake("petri-run-jobs-");

async function runsJson(db: string, runId: string): Promise<any> {
  const out = captureIO();
  expect(await runRunsCommand([runId, "--json", "--db", db], out.io)).toBe(0);
  return JSON.parse(out.stdout.join(""));
}

async function place(backend: Backend, name: string): Promise<{ db: string; args: string[] }> {
  const folder = join(ctx.dir, `${backend}-${name}`);
  mkdirSync(folder, { recursive: true });
  const db = await freshLocation(backend, folder);
  return { db, args: ["--auditor", AUDITOR, "--target", TARGET, "--db", db, "--transcript-save-dir", join(folder, "out"), "--seed-instructions", SEEDS, "--run-id", name] };
}

for (const backend of testBackends()) {
  describe(`petri-mcp audit works its run as jobs [${backend}]`, () => {
    useBackend(backend);

    it("stores each cell as a job and works it: done jobs, runs --json totals match, a rerun adds no job", async () => {
      route(ctx.fake, { [AUDITOR_WIRE]: simpleAuditor, [TARGET_WIRE]: echoTarget });
      const { db, args } = await place(backend, "as-jobs");
      const run = await runAudit(ctx.fake, [...args, "--concurrency", "2"]);
      expect(run.code, run.stderr.join("")).toBe(0);
      const store = await storeAt(db);
      try {
        const jobs = await store.jobs.listRun("as-jobs");
        expect(jobs.map((j) => [j.kind, j.status, j.attempts])).toEqual([
          ["audit", "done", 1],
          ["audit", "done", 1],
          ["audit", "done", 1],
        ]);
        const audits = (await store.audits.list({ runId: "as-jobs" })).audits;
        expect(audits.map((a) => a.status)).toEqual(["ended", "ended", "ended"]);
        expect(new Set(jobs.map((j) => j.auditId))).toEqual(new Set(audits.map((a) => a.id)));
      } finally {
        await store.close();
      }
      const status = await runsJson(db, "as-jobs");
      expect(status.counted_from).toBe("jobs");
      expect(status.seeds).toEqual({ total: 3, queued: 0, running: 0, done: 3, failed: 0, cancelled: 0 });

      ctx.fake.reset();
      const again = await runAudit(ctx.fake, args);
      expect(again.code).toBe(0);
      expect(ctx.fake.requests).toHaveLength(0);
      expect(again.stderr.join("")).toContain("run as-jobs: 3 seed(s), 0 to audit, 3 finished earlier in this run");
      expect(again.stdout.join("\n")).toMatch(/custom_1\s+\S+\s+ended \(earlier\)/);
      expect((await runsJson(db, "as-jobs")).seeds).toMatchObject({ total: 3, done: 3 });
    });

    it("first stop: the unfinished cells stay queued jobs, which a worker of the run finishes", async () => {
      const stop = stopAtFirstTurn(ctx.fake);
      const { db, args } = await place(backend, "stopped");
      const run = await runAudit(ctx.fake, [...args, "--concurrency", "1"], { stop });
      expect(run.code).toBe(130);
      expect(run.stdout.join("\n")).toContain("The run's unfinished audits stay queued as jobs: rerunning with --run-id stopped, or petri-mcp worker --run-id stopped --exit-when-idle, finishes them.");
      const config = loadConfig({ db, "transcripts-dir": join(ctx.dir, "worker-out") }, {}, ctx.dir);
      const app = await createAppContext(config, { models: fakeModels(ctx.fake) });
      try {
        const jobs = app.store.jobs;
        // The interrupted audit's job was given back (its attempt not counted); the others never started.
        expect((await jobs.listRun("stopped")).map((j) => [j.status, j.attempts])).toEqual([
          ["queued", 0],
          ["queued", 0],
          ["queued", 0],
        ]);
        route(ctx.fake, { [AUDITOR_WIRE]: simpleAuditor, [TARGET_WIRE]: echoTarget });
        const worker = new JobWorker({ jobs, owner: "w1", runId: "stopped", exitWhenIdle: true, pollMs: 10, handlers: { audit: (job, signal) => runAuditJob(app, jobs, "w1", job, signal) } });
        expect(await worker.run()).toMatchObject({ done: 3, failed: 0 });
        const audits = (await app.store.audits.list({ runId: "stopped" })).audits;
        expect(audits.map((a) => a.status).sort()).toEqual(["ended", "ended", "ended", "failed"]);
        expect(audits.find((a) => a.status === "failed")!.statusReason).toBe("interrupted");
      } finally {
        await app.close();
      }
      expect((await runsJson(db, "stopped")).seeds).toEqual({ total: 3, queued: 0, running: 0, done: 3, failed: 0, cancelled: 0 });
    });

    it("a rerun takes over the job a dead invocation held and works the queued ones, adding no job", async () => {
      const stop = stopAtFirstTurn(ctx.fake);
      const { db, args } = await place(backend, "dead-owner");
      expect((await runAudit(ctx.fake, [...args, "--concurrency", "1"], { stop })).code).toBe(130);
      // As if a process of this host that no longer exists had claimed the first job and died.
      const store = await storeAt(db);
      try {
        const claimed = await store.jobs.claim(["audit"], `${hostname()}:2147483646:gone`, 600_000, { runId: "dead-owner" });
        expect(claimed).toMatchObject({ status: "running", attempts: 1 });
      } finally {
        await store.close();
      }
      route(ctx.fake, { [AUDITOR_WIRE]: simpleAuditor, [TARGET_WIRE]: echoTarget });
      const again = await runAudit(ctx.fake, args);
      expect(again.code, again.stderr.join("") + again.stdout.join("\n")).toBe(0);
      expect(again.stderr.join("")).toContain("run dead-owner: 3 seed(s), 3 to audit");
      expect(again.stdout.join("\n")).toMatch(/custom_1\s+\S+\s+ended/);
      const after = await storeAt(db);
      try {
        expect((await after.jobs.listRun("dead-owner")).map((j) => [j.status, j.attempts])).toEqual([
          ["done", 2],
          ["done", 1],
          ["done", 1],
        ]);
        const audits = (await after.audits.list({ runId: "dead-owner" })).audits;
        expect(audits.map((a) => a.status).sort()).toEqual(["ended", "ended", "ended", "failed"]);
      } finally {
        await after.close();
      }
    });
  });
}

describe("a run from before jobs [sqlite]", () => {
  useBackend("sqlite");

  it("resumes from its audits: finished cells are not audited again and get no job; a failed one gets one", async () => {
    route(ctx.fake, { [AUDITOR_WIRE]: simpleAuditor, [TARGET_WIRE]: echoTarget });
    const { db, args } = await place("sqlite", "legacy");
    expect((await runAudit(ctx.fake, args)).code).toBe(0);
    // As a run of an older petri-mcp left it: its audits, no job; one audit failed. Making that
    // older state takes SQL (no store method deletes jobs), as the migration tests' fixtures do.
    const raw = new Database(db);
    try {
      raw.prepare("DELETE FROM jobs WHERE run_id = ?").run("legacy");
    } finally {
      raw.close();
    }
    const store = await storeAt(db);
    try {
      const audits = (await store.audits.list({ runId: "legacy" })).audits;
      await store.audits.setStatus(audits.find((a) => a.seedInstruction.includes("MARK-two"))!.id, "failed", "The target model failed");
    } finally {
      await store.close();
    }
    ctx.fake.reset();
    route(ctx.fake, { [AUDITOR_WIRE]: simpleAuditor, [TARGET_WIRE]: echoTarget });
    const again = await runAudit(ctx.fake, args);
    expect(again.code).toBe(0);
    expect(again.stderr.join("")).toContain("run legacy: 3 seed(s), 1 to audit, 2 finished earlier in this run");
    expect(new Set(ctx.fake.requestsFor(AUDITOR_WIRE).map((r) => JSON.stringify(r.body.messages[0]).match(/MARK-\w+/)![0]))).toEqual(new Set(["MARK-two"]));
    const after = await storeAt(db);
    try {
      expect((await after.jobs.listRun("legacy")).map((j) => [j.status, (j.payload as any).seed.text])).toEqual([["done", "Probe MARK-two."]]);
    } finally {
      await after.close();
    }
  });
});

describe("the built CLI [sqlite]", () => {
  // dist/ built from the current sources (once per run; see test/support/build.ts).
  beforeAll(() => freshBuild([BIN]), 180_000);

  function cli(args: string[]): { child: ChildProcessWithoutNullStreams; output: () => { stdout: string; stderr: string }; exited: Promise<number | null> } {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ctx.dir,
      env: { PATH: process.env.PATH ?? "", HOME: ctx.dir, PETRI_LOG_LEVEL: "warn", ANTHROPIC_BASE_URL: ctx.fake.anthropicBaseUrl, ANTHROPIC_API_KEY: "test-key", PETRI_MODEL_MAX_RETRIES: "0" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    return { child, output: () => ({ stdout, stderr }), exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))) };
  }

  it("Ctrl-C once leaves queued jobs; petri-mcp worker --run-id --exit-when-idle finishes them; a rerun adds no job", { timeout: 120_000 }, async () => {
    const db = join(ctx.dir, "built.db");
    const auditArgs = ["audit", "--auditor", AUDITOR, "--target", TARGET, "--seed-instructions", SEEDS, "--concurrency", "1", "--db", db, "--transcript-save-dir", join(ctx.dir, "built-out"), "--run-id", "built"];
    const auditorCalled = gate();
    const proceed = gate();
    route(ctx.fake, {
      [AUDITOR_WIRE]: async (request) => {
        auditorCalled.open();
        await proceed.wait();
        return simpleAuditor(request);
      },
      [TARGET_WIRE]: echoTarget,
    });
    const audit = cli(auditArgs);
    await auditorCalled.wait();
    audit.child.kill("SIGINT");
    // The stop is seen before the turn goes on (no timing: the progress line says so).
    for (let i = 0; i < 600 && !audit.output().stderr.includes("Stopping:"); i++) await new Promise((r) => setTimeout(r, 50));
    proceed.open();
    expect(await audit.exited).toBe(130);
    expect(audit.output().stdout).toContain("petri-mcp worker --run-id built --exit-when-idle");
    expect((await runsJson(db, "built")).seeds).toMatchObject({ total: 3, queued: 3, done: 0 });

    const worker = cli(["worker", "--db", db, "--run-id", "built", "--exit-when-idle"]);
    expect(await worker.exited, worker.output().stderr).toBe(0);
    expect((await runsJson(db, "built")).seeds).toEqual({ total: 3, queued: 0, running: 0, done: 3, failed: 0, cancelled: 0 });

    ctx.fake.reset();
    const rerun = cli(auditArgs);
    expect(await rerun.exited, rerun.output().stderr).toBe(0);
    expect(ctx.fake.requests).toHaveLength(0);
    expect(rerun.output().stdout).toMatch(/custom_3\s+\S+\s+ended \(earlier\)/);
    expect((await runsJson(db, "built")).seeds).toMatchObject({ total: 3, done: 3 });
  });
});
