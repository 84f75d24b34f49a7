/**
 * Stopping a run in-process with the stop controller (what Ctrl-C drives): the first request lets
 * the turn under way finish and starts nothing new; the second aborts the calls in flight. Either
 * way the audit is recorded as interrupted, nothing acknowledged is lost, and the exit status is 130.
 * On SQLite and PostgreSQL.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JudgeRunStore } from "../../src/judge/runs.js";
import { StopController } from "../../src/runner/stop.js";
import { type Backend, freshLocation, testBackends, useBackend } from "../support/backends.js";
import { AUDITOR, AUDITOR_WIRE, echoTarget, JUDGE, JUDGE_WIRE, route, runAudit, savedTranscripts, simpleAuditor, storeAt, TARGET, TARGET_WIRE, stopAtFirstTurn, useRunnerFake } from "./runner-helpers.js";

const ctx = useRunnerFake("petri-runner-stop-");

const SEEDS = JSON.stringify(["Probe MARK-one.", "Probe MARK-two.", "Probe MARK-three."]);

interface Place {
  db: string;
  out: string;
  args: string[];
}

/** A fresh store of the backend and a transcripts folder for the run `name`, and its arguments. */
async function place(backend: Backend, name: string): Promise<Place> {
  const folder = join(ctx.dir, `${backend}-${name}`);
  mkdirSync(folder, { recursive: true });
  const db = await freshLocation(backend, folder);
  const out = join(folder, "out");
  return { db, out, args: ["--auditor", AUDITOR, "--target", TARGET, "--judge", JUDGE, "--db", db, "--transcript-save-dir", out, "--seed-instructions", SEEDS, "--concurrency", "1", "--run-id", name] };
}

for (const backend of testBackends()) {
  describe(`stopping a run [${backend}]`, () => {
    useBackend(backend);

    it("first stop: the turn under way finishes, its audit is interrupted, no new audit starts", async () => {
      const stop = stopAtFirstTurn(ctx.fake);
      const { db, out, args } = await place(backend, "soft");
      const run = await runAudit(ctx.fake, args, { stop });
      expect(run.code).toBe(130);
      expect(run.stderr.join("")).toContain("Stopping: no new audits or turns will start");

      // The turn that was running completed: its target call went through and is stored.
      expect(ctx.fake.requestsFor(AUDITOR_WIRE)).toHaveLength(1);
      expect(ctx.fake.requestsFor(TARGET_WIRE)).toHaveLength(1);
      const summary = run.stdout.join("\n");
      expect(summary).toMatch(/custom_1\s+\S+\s+failed\s+1/);
      expect(summary).toMatch(/custom_2\s+-\s+not started/);
      expect(summary).toMatch(/custom_3\s+-\s+not started/);
      expect(summary).toContain("2 seed(s) not started: the run was stopped. Rerun with --run-id soft to continue.");

      const store = await storeAt(db);
      try {
        const audits = (await store.audits.list({ runId: "soft" })).audits;
        expect(audits).toHaveLength(1);
        expect(audits[0]).toMatchObject({ status: "failed", statusReason: "interrupted" });
        expect((await store.messages.branch(audits[0]!.id, "target")).map((m) => m.message.role)).toEqual(["system", "user", "assistant"]);
        // An interrupted audit is exported but not judged.
        expect((await store.modelCalls.usageByRole(audits[0]!.id)).map((u) => u.role)).toEqual(["auditor", "target"]);
      } finally {
        await store.close();
      }
      expect(savedTranscripts(out)).toHaveLength(1);
    });

    it("second stop while judging: the audit keeps its status and transcript, the judge reads interrupted", async () => {
      const stop = new StopController();
      route(ctx.fake, {
        [AUDITOR_WIRE]: simpleAuditor,
        [TARGET_WIRE]: echoTarget,
        [JUDGE_WIRE]: () => {
          stop.request();
          stop.request();
          return { hang: true };
        },
      });
      const { db, out, args } = await place(backend, "judging");
      const run = await runAudit(ctx.fake, args, { stop });
      expect(run.code).toBe(130);
      expect(run.stdout.join("\n")).toMatch(/custom_1\s+\S+\s+ended\s+2\s+\(judge interrupted\)/);
      expect(run.stdout.join("\n")).toMatch(/custom_2\s+-\s+not started/);
      const [saved, ...others] = savedTranscripts(out);
      expect(others).toHaveLength(0);
      expect(saved!.data.metadata.petri_mcp.status).toBe("ended");
      const store = await storeAt(db);
      try {
        const [audit] = (await store.audits.list({ runId: "judging" })).audits;
        expect(audit).toMatchObject({ status: "ended" });
        // The judge's call was cancelled and is on record; the run is stored as failed, so a resume judges again.
        expect((await store.modelCalls.usageByRole(audit!.id)).find((u) => u.role === "judge")).toMatchObject({ calls: 1, errors: 1 });
        expect((await new JudgeRunStore(store).list(audit!.id)).map((r) => r.status)).toEqual(["failed"]);
      } finally {
        await store.close();
      }
    });

    it("second stop: the target call in flight is aborted and recorded, the audit is interrupted", async () => {
      const stop = new StopController();
      route(ctx.fake, {
        [AUDITOR_WIRE]: simpleAuditor,
        [TARGET_WIRE]: () => {
          stop.request();
          stop.request();
          return { hang: true };
        },
      });
      const { db, out, args } = await place(backend, "hard");
      const run = await runAudit(ctx.fake, args, { stop });
      expect(run.code).toBe(130);
      expect(run.stderr.join("")).toContain("Aborting the model calls in flight");

      const store = await storeAt(db);
      try {
        const [audit, ...others] = (await store.audits.list({ runId: "hard" })).audits;
        expect(others).toHaveLength(0);
        expect(audit).toMatchObject({ status: "failed", statusReason: "interrupted" });
        // Nothing of the aborted send_message reached the conversation; the aborted call is on record.
        expect((await store.messages.branch(audit!.id, "target")).map((m) => m.message.role)).toEqual(["system"]);
        const target = (await store.modelCalls.usageByRole(audit!.id)).find((u) => u.role === "target");
        expect(target).toMatchObject({ calls: 1, errors: 1 });
        const auditorView = (await store.messages.branch(audit!.id, "auditor")).map((m) => m.message);
        expect(auditorView.at(-1)).toMatchObject({ role: "tool", function: "send_message", error: { message: "The call was interrupted: the run was stopped." } });
        expect(await store.leases.holder(audit!.id)).toBeNull();
      } finally {
        await store.close();
      }
    });
  });
}
