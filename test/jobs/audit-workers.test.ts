/**
 * Batch runs as jobs (issue 18), on SQLite and PostgreSQL: `petri-mcp audit --enqueue` stores a
 * run as queued audit jobs (30 seeds, on SQLite and on PostgreSQL); three `petri-mcp worker`
 * processes (real CLI processes, models on the fake server with latency) work it; one is SIGKILLed
 * while it holds an audit. Every cell ends done exactly once with one finished audit, the killed
 * worker's audits are taken over and continued (the same audit), none is lost, and `petri-mcp runs RUN_ID --json`
 * matches the store. `runs cancel` stops a run, queued or under way. The test reads the store
 * through the store interface only.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runListCommand } from "../../src/commands/list.js";
import { runRunsCommand } from "../../src/commands/runs.js";
import { loadConfig } from "../../src/config.js";
import { createAppContext } from "../../src/context.js";
import { JobWorker } from "../../src/jobs/worker.js";
import { runAuditJob } from "../../src/runner/audit-jobs.js";
import { openStore } from "../../src/store/index.js";
import type { AuditRecord, AuditStore } from "../../src/store/types.js";
import { type FakeLlm, startFakeLlm } from "../fake-llm/server.js";
import { tempDir } from "../helpers.js";
import { waitFor } from "../http/http-helpers.js";
import { AUDITOR, AUDITOR_WIRE, captureIO, echoTarget, fakeEnv, fakeModels, route, runAudit, simpleAuditor, TARGET, TARGET_WIRE } from "../runner/runner-helpers.js";
import { childEnv, CLI, REPO_ROOT } from "../sharing/processes.js";
import { freshLocation, testBackends, useBackend } from "../support/backends.js";
import { freshBuild } from "../support/build.js";
import { cleanupAfterEach } from "../support/cleanup.js";

beforeAll(() => freshBuild([CLI]), 180_000);

let fake: FakeLlm | undefined;
let dir: string | undefined;
let store: AuditStore | undefined;
const own = cleanupAfterEach();

const SEEDS = Array.from({ length: 30 }, (_, i) => `Check how the assistant handles request MARK-s${i} about the quarterly numbers.`);

function startWorker(location: string, env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    [CLI, "worker", "--db", location, "--kinds", "audit", "--concurrency", "2", "--lease-seconds", "20", "--lease-ttl-ms", "2000", "--exit-when-idle", "--model-max-retries", "0"],
    { cwd: REPO_ROOT, env: childEnv(env), stdio: ["ignore", "ignore", "pipe"] },
  );
  child.stderr!.resume();
  own.child(child);
  return { child, exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))) };
}

async function enqueue(location: string, runId: string, seeds: string[]): Promise<void> {
  const run = await runAudit(fake!, [
    "--auditor", AUDITOR, "--target", TARGET, "--seed-instructions", JSON.stringify(seeds), "--max-turns", "5",
    "--transcript-save-dir", join(dir!, "out"), "--db", location, "--run-id", runId, "--enqueue",
  ]);
  expect(run.code, run.stderr.join("")).toBe(0);
  expect(run.stdout.join("").trim()).toBe(runId);
}

async function runsJson(location: string, runId: string): Promise<any> {
  const out = captureIO();
  expect(await runRunsCommand([runId, "--json", "--db", location], out.io)).toBe(0);
  return JSON.parse(out.stdout.join(""));
}

async function runAudits(runId: string): Promise<AuditRecord[]> {
  return (await store!.audits.list({ runId, limit: 1000 })).audits;
}

describe.each(testBackends())("a run's audits as jobs [%s]", (backend) => {
  useBackend(backend);

  async function fresh(): Promise<string> {
    dir = own.folder(tempDir("petri-audit-jobs-"));
    return freshLocation(backend, dir);
  }

  it("three workers, one SIGKILLed mid-audit, finish an enqueued run: each cell done once, nothing duplicated or lost", { timeout: 150_000 }, async () => {
    const location = await fresh();
    const seeds = SEEDS;
    fake = own(await startFakeLlm({ latencyMs: 150 }));
    route(fake, { [AUDITOR_WIRE]: simpleAuditor, [TARGET_WIRE]: echoTarget });
    await enqueue(location, "grid-1", seeds);
    store = own(await openStore(location));
    expect(await store.jobs.countsByRun("grid-1")).toMatchObject({ queued: seeds.length, total: seeds.length });
    expect(await runAudits("grid-1")).toHaveLength(0); // nothing ran yet

    const env = fakeEnv(fake) as Record<string, string>;
    const workers = [startWorker(location, env), startWorker(location, env), startWorker(location, env)];
    // Kill a worker that holds an audit job once the run is well under way.
    let victim: (typeof workers)[number] | undefined;
    let held: string[] = [];
    await waitFor(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const jobs = await store!.jobs.listRun("grid-1");
        const done = jobs.filter((j) => j.status === "done").length;
        const running = jobs.filter((j) => j.status === "running" && j.auditId !== null);
        victim = workers.find((w) => running.some((j) => j.leaseOwner?.split(":").at(-2) === String(w.child.pid)));
        held = running.filter((j) => j.leaseOwner?.split(":").at(-2) === String(victim?.child.pid)).map((j) => j.auditId!);
        // Audits with a turn stored (so with a conversation to continue).
        const started = await Promise.all(held.map(async (id) => ((await store!.audits.get(id))?.turnsUsed ?? 0) >= 1));
        held = held.filter((_, i) => started[i]);
        return done >= seeds.length / 5 && held.length > 0;
      },
      "a worker holding an audit mid-run",
      90_000,
    );
    victim!.child.kill("SIGKILL");
    await victim!.exited;
    const others = workers.filter((w) => w !== victim);
    expect(await Promise.all(others.map((w) => w.exited))).toEqual([0, 0]);

    const jobs = await store.jobs.listRun("grid-1");
    expect(jobs).toHaveLength(seeds.length);
    expect(jobs.filter((j) => j.status !== "done")).toEqual([]);
    const audits = await runAudits("grid-1");
    const finished = audits.filter((a) => a.status === "ended" || a.status === "max_turns");
    // Each cell has exactly one finished audit, and it is the one its job records.
    expect(finished.map((a) => a.seedInstruction).sort()).toEqual([...seeds].sort());
    expect(new Set(jobs.map((j) => j.auditId))).toEqual(new Set(finished.map((a) => a.id)));
    // The killed worker's open audits were continued by the workers that took their jobs over (or
    // finished just before the kill): each is its cell's one finished audit, none is left active.
    expect(audits.filter((a) => a.status === "active")).toHaveLength(0);
    expect(held.length).toBeGreaterThanOrEqual(1);
    for (const auditId of held) expect(finished.map((a) => a.id)).toContain(auditId);
    // Only an audit killed before its job recorded it (no turn yet) is closed as interrupted; none counts.
    const interrupted = audits.filter((a) => a.status === "failed");
    for (const audit of interrupted) expect(audit.statusReason).toBe("interrupted");
    expect(audits).toHaveLength(seeds.length + interrupted.length);

    const status = await runsJson(location, "grid-1");
    expect(status.counted_from).toBe("jobs");
    expect(status.seeds).toEqual({ total: seeds.length, queued: 0, running: 0, done: seeds.length, failed: 0, cancelled: 0 });
    expect(status.by_target).toHaveLength(1);
    expect(status.by_target[0]).toMatchObject({ target: TARGET, total: seeds.length, done: seeds.length });
    // Token totals match every model call stored for the run's audits.
    let input = 0;
    let output = 0;
    for (const audit of audits) {
      for (const role of await store.modelCalls.usageByRole(audit.id)) {
        input += role.inputTokens;
        output += role.outputTokens;
      }
    }
    expect([status.input_tokens, status.output_tokens]).toEqual([input, output]);
    expect(status.input_tokens).toBeGreaterThan(0);
  });

  it("runs cancel: queued jobs never start, the run reads cancelled", { timeout: 60_000 }, async () => {
    const location = await fresh();
    fake = own(await startFakeLlm());
    await enqueue(location, "grid-2", SEEDS.slice(0, 3));
    const out = captureIO();
    expect(await runRunsCommand(["cancel", "grid-2", "--db", location], out.io)).toBe(0);
    expect(out.stdout.join("")).toContain("3 job(s) cancelled");
    expect((await runsJson(location, "grid-2")).seeds).toEqual({ total: 3, queued: 0, running: 0, done: 0, failed: 0, cancelled: 3 });
    const list = captureIO();
    expect(await runRunsCommand(["--db", location], list.io)).toBe(0);
    expect(list.stdout.join("")).toContain("grid-2: 3 total");
    // Enqueuing the same run id again is refused.
    const again = await runAudit(fake, ["--auditor", AUDITOR, "--target", TARGET, "--seed-instructions", "text", "--db", location, "--run-id", "grid-2", "--enqueue"]);
    expect(again.code).toBe(2);
    expect(again.stderr.join("")).toContain("already has jobs");
    expect(fake.requests).toHaveLength(0);
  });

  it("runs cancel closes the running audits as cancelled and the worker stops working them", { timeout: 60_000 }, async () => {
    const location = await fresh();
    fake = own(await startFakeLlm({ latencyMs: 50 }));
    // An auditor that never ends its audit: only the cancellation stops it.
    route(fake, { [AUDITOR_WIRE]: (req) => ({ toolCalls: [{ name: "send_message", args: { message: `more ${req.receivedAt}` } }] }), [TARGET_WIRE]: echoTarget });
    await enqueue(location, "grid-3", SEEDS.slice(0, 3));
    const app = await createAppContext(loadConfig({ db: location }, {}, dir), { models: fakeModels(fake) });
    try {
      const jobs = app.store.jobs;
      const worker = new JobWorker({ jobs, owner: "w1", concurrency: 2, leaseMs: 600, pollMs: 20, exitWhenIdle: true, handlers: { audit: (job, signal) => runAuditJob(app, jobs, "w1", job, signal) } });
      const running = worker.run();
      const active = async () => (await app.store.audits.list({ runId: "grid-3", status: "active" })).total;
      await waitFor(async () => (await active()) === 2, "two audits under way");
      const out = captureIO();
      expect(await runRunsCommand(["cancel", "grid-3", "--db", location], out.io)).toBe(0);
      expect(out.stdout.join("")).toContain("3 job(s) cancelled, 2 open audit(s) closed");
      await running; // the worker notices at its next heartbeat and, with nothing left, exits
      const calls = fake.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(fake.requests.length).toBe(calls); // no model call after the worker stopped
      const audits = (await app.store.audits.list({ runId: "grid-3" })).audits;
      expect(audits.map((a) => [a.status, a.statusReason])).toEqual([
        ["cancelled", "cancelled: petri-mcp runs cancel"],
        ["cancelled", "cancelled: petri-mcp runs cancel"],
      ]);
      // list_audits' store filter, and `petri-mcp list --status cancelled`, find them; failed finds none.
      expect((await app.store.audits.list({ runId: "grid-3", status: "cancelled" })).total).toBe(2);
      expect((await app.store.audits.list({ runId: "grid-3", status: "failed" })).total).toBe(0);
      const listed = captureIO();
      expect(await runListCommand(["--db", location, "--status", "cancelled", "--run-id", "grid-3", "--json"], listed.io)).toBe(0);
      expect((JSON.parse(listed.stdout.join("")) as { audits: { status: string }[] }).audits.map((a) => a.status)).toEqual(["cancelled", "cancelled"]);
      expect((await runsJson(location, "grid-3")).seeds).toMatchObject({ total: 3, cancelled: 3, done: 0 });
    } finally {
      await app.close();
    }
  });
});
