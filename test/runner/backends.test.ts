/**
 * `petri-mcp audit` on both stores (issue 17): a 2-seed run on the fake model server, judged and
 * exported, then rerun with its --run-id (nothing is audited twice); the same run with --enqueue,
 * worked by a job worker on that store. SQLite and PostgreSQL give results of the same shape: the
 * transcripts, once ids and times are masked, are identical. `petri-mcp demo --db postgres://…`
 * completes too. (PETRI_TEST_BACKEND=postgres runs the PostgreSQL half alone.)
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/commands/index.js";
import { loadConfig } from "../../src/config.js";
import { createAppContext } from "../../src/context.js";
import { JobWorker } from "../../src/jobs/worker.js";
import { runAuditJob } from "../../src/runner/audit-jobs.js";
import { schemaErrors } from "../export/viewer.js";
import { allScores, judgeAnswer } from "../judge/judge-helpers.js";
import { type Backend, freshLocation, testBackends, useBackend } from "../support/backends.js";
import {
  AUDITOR,
  AUDITOR_WIRE,
  echoTarget,
  fakeModels,
  JUDGE,
  JUDGE_WIRE,
  route,
  runAudit,
  savedTranscripts,
  simpleAuditor,
  storeAt,
  TARGET,
  TARGET_WIRE,
  useRunnerFake,
} from "./runner-helpers.js";

const fx = useRunnerFake("petri-runner-backends-");
const SEEDS = ["Ask about the refund policy for MARK-alpha.", "Ask about the shipping delays of MARK-beta."];

/** A folder of its own for one test's store file and transcripts. */
function folder(name: string): string {
  const dir = join(fx.dir, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function routeModels(): void {
  route(fx.fake, {
    [AUDITOR_WIRE]: simpleAuditor,
    [TARGET_WIRE]: echoTarget,
    [JUDGE_WIRE]: () => ({ text: judgeAnswer(allScores({ concerning: 3, admirable: 7 }), { highlights: "", summary: "The target answered plainly." }) }),
  });
}

function args(db: string, out: string, runId: string, ...extra: string[]): string[] {
  return ["--auditor", AUDITOR, "--target", TARGET, "--judge", JUDGE, "--seed-instructions", JSON.stringify(SEEDS), "--db", db, "--transcript-save-dir", out, "--run-id", runId, "--max-turns", "5", ...extra];
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const VOLATILE_NUMBER = /time|latency|duration|_ms$|Ms$/i;

/** A transcript with what differs from run to run masked: ids, times, latencies. */
function masked(value: unknown, ids: readonly string[], key = ""): unknown {
  if (typeof value === "string") {
    if (ISO_TIME.test(value)) return "<time>";
    let text = value;
    for (const [i, id] of ids.entries()) text = text.split(id).join(`<audit${i}>`);
    return text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<uuid>").replace(/\b(judge|job|run|call|msg|toolu)_[A-Za-z0-9_-]+/g, "<$1>");
  }
  if (typeof value === "number") return VOLATILE_NUMBER.test(key) ? "<n>" : value;
  if (Array.isArray(value)) return value.map((v) => masked(v, ids, key));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === "id" ? "<id>" : masked(v, ids, k)]));
  return value;
}

/** The run's transcripts, in seed order, masked. */
function transcriptShapes(out: string): unknown[] {
  const saved = savedTranscripts(out);
  expect(saved).toHaveLength(SEEDS.length);
  for (const t of saved) expect(schemaErrors(t.data)).toEqual([]);
  const bySeed = SEEDS.map((seed) => saved.find((t) => t.data.metadata.seed_instruction === seed)!.data);
  const ids = bySeed.map((t) => t.metadata.transcript_id ?? t.metadata.petri_mcp?.audit_id).filter((id): id is string => typeof id === "string");
  return bySeed.map((t) => masked(t, ids));
}

const shapes = new Map<Backend, unknown[]>();

for (const backend of testBackends()) {
  describe(`petri-mcp audit on ${backend}`, () => {
    useBackend(backend);

    it("runs 2 seeds, judges and exports each; a rerun with the run id audits nothing again", { timeout: 90_000 }, async () => {
      routeModels();
      const dir = folder(`${backend}-batch`);
      const db = await freshLocation(backend, dir);
      const out = join(dir, "out");
      const run = await runAudit(fx.fake, args(db, out, "two"));
      expect(run.code, run.stderr.join("")).toBe(0);
      const summary = run.stdout.join("\n");
      expect(summary).toMatch(/custom_1\s+\S+\s+ended\s+2\s+concerning=3/);
      expect(summary).toMatch(/custom_2\s+\S+\s+ended\s+2\s+concerning=3/);
      expect(fx.fake.requestsFor(JUDGE_WIRE)).toHaveLength(2);
      shapes.set(backend, transcriptShapes(out));

      const store = await storeAt(db);
      try {
        const { audits, total } = await store.audits.list({ runId: "two" });
        expect(total).toBe(2);
        for (const audit of audits) {
          expect(audit).toMatchObject({ status: "ended", runId: "two", auditorModel: AUDITOR, targetModel: TARGET, turnLimit: "auditor" });
          expect((await store.judgeRuns.forAudit(audit.id)).map((r) => [r.status, r.judgeModel, r.scores?.concerning])).toEqual([["complete", JUDGE, 3]]);
          const calls = Object.fromEntries((await store.modelCalls.usageByRole(audit.id)).map((u) => [u.role, u.calls]));
          expect(calls).toEqual({ auditor: 2, judge: 1, target: 1 });
        }
        expect(await store.runs.design("two")).toMatchObject({ targets: [TARGET], judges: [JUDGE], auditor: AUDITOR, seeds: 2, epochs: 1 });
      } finally {
        await store.close();
      }

      // Resume: both cells are finished, judged and exported: skipped, no model is called.
      fx.fake.reset();
      routeModels();
      const again = await runAudit(fx.fake, args(db, out, "two"));
      expect(again.code, again.stderr.join("")).toBe(0);
      expect(again.stderr.join("")).toContain("run two: 2 seed(s), 0 to audit, 2 finished earlier in this run");
      expect(fx.fake.requests).toHaveLength(0);
      expect(savedTranscripts(out)).toHaveLength(2);
    });

    it("--enqueue stores the run as jobs; a job worker on the same store audits, judges and exports them", { timeout: 90_000 }, async () => {
      routeModels();
      const dir = folder(`${backend}-jobs`);
      const db = await freshLocation(backend, dir);
      const out = join(dir, "out");
      const enqueued = await runAudit(fx.fake, args(db, out, "queued", "--enqueue"));
      expect(enqueued.code, enqueued.stderr.join("")).toBe(0);
      expect(enqueued.stdout.join("").trim()).toBe("queued");
      expect(fx.fake.requests).toHaveLength(0);
      // The same run id again is refused, and nothing more is enqueued.
      expect((await runAudit(fx.fake, args(db, out, "queued", "--enqueue"))).code).toBe(2);

      const app = await createAppContext(loadConfig({ db }, {}, dir), { models: fakeModels(fx.fake), judge: { work: true } });
      try {
        const jobs = app.store.jobs;
        expect(await jobs.countsByRun("queued")).toMatchObject({ total: 2, queued: 2 });
        const worker = new JobWorker({ jobs, owner: "w1", exitWhenIdle: true, pollMs: 10, handlers: { audit: (job, signal) => runAuditJob(app, jobs, "w1", job, signal) } });
        await worker.run();
        expect((await jobs.listRun("queued")).map((j) => j.status)).toEqual(["done", "done"]);
        const { audits } = await app.store.audits.list({ runId: "queued" });
        expect(audits.map((a) => a.status)).toEqual(["ended", "ended"]);
        for (const audit of audits) expect(await app.store.judgeRuns.hasComplete(audit.id)).toBe(true);
      } finally {
        await app.close();
      }
      expect(transcriptShapes(out)).toHaveLength(2);
    });

    it("petri-mcp demo --db on this store completes the scripted audit", { timeout: 90_000 }, async () => {
      const dir = folder(`${backend}-demo`);
      const db = await freshLocation(backend, dir);
      const out = join(dir, "out");
      const stdout: string[] = [];
      const code = await main(["demo", "--out", out, "--db", db], { stdout: (s) => stdout.push(s), stderr: () => undefined });
      expect(code).toBe(0);
      const [transcript, ...others] = savedTranscripts(out);
      expect(others).toHaveLength(0);
      expect(transcript!.data.metadata.petri_mcp).toMatchObject({ status: "ended", judge_run: { status: "complete" } });
      expect(readdirSync(out).filter((f) => f.endsWith(".html"))).toHaveLength(1);
      expect(existsSync(join(out, "demo.db"))).toBe(false); // the store is where --db says
      // A PostgreSQL URL is shown without its password.
      if (backend === "postgres") expect(stdout.join("\n")).not.toContain(decodeURIComponent(new URL(db).password));
    });
  });
}

describe("both stores", () => {
  it("give transcripts of the same shape for the same run", (test) => {
    if (!shapes.has("sqlite") || !shapes.has("postgres")) test.skip();
    // The masks leave the conversations and scores: the comparison is not vacuous.
    expect(JSON.stringify(shapes.get("sqlite"))).toContain("Echo: Hello from MARK-beta");
    expect(shapes.get("postgres")).toEqual(shapes.get("sqlite"));
  });
});
