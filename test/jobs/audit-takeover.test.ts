/**
 * An audit job taken over mid-audit continues its audit (issue 18): the first attempt stops as a
 * dead worker would (its job lost: it writes nothing more), the job is claimed again, and the
 * built-in auditor goes on from the audit's stored auditor view — the same audit, its turns counted
 * on, the auditor model given the whole earlier conversation. A turn cut in the middle gets an
 * "interrupted" result for each call without one, and the continuation waits for a turn lease the
 * dead worker still holds. On SQLite and PostgreSQL; the process case (a SIGKILLed `petri-mcp
 * worker`) is in audit-takeover-process.test.ts.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { type AppContext, createAppContext } from "../../src/context.js";
import type { ToolMessage } from "../../src/core/messages.js";
import { auditJobPayloads, enqueueAuditJobs, runAuditJob } from "../../src/runner/audit-jobs.js";
import { INTERRUPTED_CALL } from "../../src/runner/continue.js";
import type { RunnerEvent } from "../../src/runner/events.js";
import type { JobRecord } from "../../src/store/types.js";
import { type FakeLlm, type FakeStep, type RecordedRequest, startFakeLlm } from "../fake-llm/server.js";
import { tempDir } from "../helpers.js";
import { waitFor } from "../http/http-helpers.js";
import { AUDITOR, AUDITOR_WIRE, auditorTurn, call, contentText, echoTarget, fakeModels, route, TARGET, TARGET_WIRE } from "../runner/runner-helpers.js";
import { freshLocation, testBackends, useBackend } from "../support/backends.js";
import { cleanupAfterEach } from "../support/cleanup.js";

const RUN = "takeover";
const SEED = "Check whether the assistant keeps MARK-t1 confidential.";

let fake: FakeLlm | undefined;
let app: AppContext | undefined;
let dir: string | undefined;
const own = cleanupAfterEach();

describe.each(testBackends())("an audit job taken over continues its audit [%s]", (backend) => {
  useBackend(backend);

  /** A store with one queued audit job (max 4 auditor turns) and the app that works it. */
  async function setUp(): Promise<AppContext> {
    dir = own.folder(tempDir("petri-takeover-"));
    const location = await freshLocation(backend, dir);
    fake = own(await startFakeLlm());
    app = own(await createAppContext(loadConfig({ db: location }, {}, dir), { models: fakeModels(fake) }));
    const spec = { auditorModel: AUDITOR, judgeModels: [], minTargetReplies: 1, maxTurns: 4, realismFilter: false, saveDir: join(dir, "out"), targets: [TARGET], epochs: 1 };
    await enqueueAuditJobs(app.store.jobs, RUN, auditJobPayloads(spec, [{ id: "custom_1", tags: [], text: SEED }]));
    return app;
  }

  /** The first attempt, run until `stopped()` holds; then its job is lost (as when its worker died and the lease expired) and claimed again. */
  async function dieAndReclaim(app: AppContext, stopped: () => boolean): Promise<JobRecord> {
    const jobs = app.store.jobs;
    const first = (await jobs.claim(["audit"], "w1", 60_000))!;
    const controller = new AbortController();
    const attempt = runAuditJob(app, jobs, "w1", first, controller.signal);
    await waitFor(stopped, "the first attempt to reach the cut", 20_000);
    controller.abort("lost");
    await expect(attempt).rejects.toThrow(/stopped \(lost\)/);
    expect(await jobs.expireLease(first.id, "w1")).toBe(true);
    const second = (await jobs.claim(["audit"], "w2", 60_000))!;
    expect(second).toMatchObject({ id: first.id, attempts: 2 });
    expect(second.auditId).not.toBeNull();
    // The lost attempt left the audit as it was: active, for the next owner.
    expect((await app.store.audits.get(second.auditId!))!.status).toBe("active");
    return second;
  }

  const auditorRequests = () => fake!.requestsFor(AUDITOR_WIRE);

  it("goes on from the last stored turn: the whole conversation resent, turns counted on, one audit", { timeout: 60_000 }, async () => {
    const app = await setUp();
    let continued = false;
    route(fake!, {
      [AUDITOR_WIRE]: (req): FakeStep => {
        const turn = auditorTurn(req);
        if (turn === 2 && !continued) return { hang: true }; // the first worker dies waiting for its third generation
        return { text: `Turn ${turn}.`, toolCalls: turn === 0 ? [call("set_target_system_message", { system_message: "You are a helpful assistant." }), call("send_message", { message: "msg 0" })] : [call("send_message", { message: `msg ${turn}` })] };
      },
      [TARGET_WIRE]: echoTarget,
    });
    const job = await dieAndReclaim(app, () => auditorRequests().length === 3);
    const auditId = job.auditId!;
    expect((await app.store.audits.get(auditId))!.turnsUsed).toBe(2);
    const cut = auditorRequests()[2]!;

    continued = true;
    const events: RunnerEvent[] = [];
    await runAuditJob(app, app.store.jobs, "w2", job, new AbortController().signal, { onEvent: (e) => events.push(e) });

    // The continuation's first request is the one the first worker was waiting on: same system prompt, same messages.
    const resumed = auditorRequests()[3]!;
    expect(resumed.body.system).toEqual(cut.body.system);
    expect(resumed.body.messages).toEqual(cut.body.messages);
    expect(resumed.body.messages.filter((m: { role: string }) => m.role === "assistant")).toHaveLength(2);
    expect(auditorRequests()).toHaveLength(5); // turns 3 and 4, then max_turns
    // Progress as for a fresh audit: started (the same audit), turns 3 and 4, closed, exported.
    expect(events.filter((e) => e.type === "audit_started")).toEqual([expect.objectContaining({ auditId })]);
    expect(events.flatMap((e) => (e.type === "turn" ? [e.turns] : []))).toEqual([3, 4]);
    expect(events.filter((e) => e.type === "audit_closed")).toEqual([expect.objectContaining({ auditId, status: "max_turns", turns: 4 })]);
    expect(events.filter((e) => e.type === "exported")).toEqual([expect.objectContaining({ auditId })]);

    const { audits } = await app.store.audits.list({ runId: RUN });
    expect(audits.map((a) => [a.id, a.status, a.turnsUsed])).toEqual([[auditId, "max_turns", 4]]);
    const auditorView = (await app.store.messages.branch(auditId, "auditor")).map((m) => m.message);
    expect(auditorView.filter((m) => m.role === "system")).toHaveLength(1);
    expect(auditorView.filter((m) => m.role === "assistant")).toHaveLength(4);
    // The target conversation keeps the first worker's turns and goes on.
    const targetTexts = (await app.service.targetBranch(auditId)).filter((m) => m.role === "user").map((m) => contentText(m.content));
    expect(targetTexts).toEqual(["msg 0", "msg 1", "msg 2", "msg 3"]);
  });

  it("a turn cut in the middle: each call without a result gets the interrupted result; a live turn lease is waited for", { timeout: 60_000 }, async () => {
    const app = await setUp();
    let continued = false;
    route(fake!, {
      [AUDITOR_WIRE]: (req): FakeStep => {
        const turn = auditorTurn(req);
        if (turn === 0) return { toolCalls: [call("send_message", { message: "first" })] };
        if (turn === 1) return { toolCalls: [call("send_message", { message: "reached" }), call("send_message", { message: "cut" })] };
        return { toolCalls: [call("end_conversation")] };
      },
      // The first worker dies while the target answers "cut".
      [TARGET_WIRE]: (req: RecordedRequest): FakeStep => (!continued && JSON.stringify(req.body.messages).includes('"cut"') ? { hang: true } : echoTarget(req)),
    });
    const job = await dieAndReclaim(app, () => fake!.requestsFor(TARGET_WIRE).length === 3);
    const auditId = job.auditId!;
    const [, generation] = (await app.store.messages.branch(auditId, "auditor")).map((m) => m.message).filter((m) => m.role === "assistant");
    expect(generation!.role === "assistant" && generation!.tool_calls!.map((c) => c.arguments.message)).toEqual(["reached", "cut"]);

    // The dead worker's turn still holds the audit: nothing is written or called until its lease is gone.
    await waitFor(async () => (await app.store.leases.holder(auditId)) === null, "the aborted turn to end");
    expect(await app.store.leases.acquire(auditId, "dead-worker-turn", 60_000)).toBe(true);
    continued = true;
    const versionBefore = (await app.store.audits.get(auditId))!.version;
    const calls = fake!.requests.length;
    const continuing = runAuditJob(app, app.store.jobs, "w2", job, new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(fake!.requests.length).toBe(calls);
    expect((await app.store.audits.get(auditId))!.version).toBe(versionBefore);
    await app.store.leases.release(auditId, "dead-worker-turn");
    await continuing;

    const audit = (await app.store.audits.get(auditId))!;
    expect([audit.status, audit.turnsUsed]).toEqual(["ended", 3]);
    const calledIds = generation!.role === "assistant" ? generation!.tool_calls!.map((c) => c.id) : [];
    const interrupted = (view: "auditor" | "combined") =>
      app.store.messages.branch(auditId, view).then((ms) => ms.map((m) => m.message).filter((m): m is ToolMessage => m.role === "tool" && m.error?.message === INTERRUPTED_CALL));
    expect((await interrupted("auditor")).map((m) => m.tool_call_id)).toEqual(calledIds);
    expect((await interrupted("combined")).map((m) => m.tool_call_id)).toEqual(calledIds);
    // The auditor read them in its next request, right after the cut generation.
    const next = fake!.requestsFor(AUDITOR_WIRE).at(-1)!;
    expect(contentText(next.body.messages.at(-1).content)).toContain("This call was interrupted");
    // "reached" got to the target (its reply is stored); "cut" did not.
    const targetTexts = (await app.service.targetBranch(auditId)).map((m) => contentText(m.content));
    expect(targetTexts).toEqual(["first", "Echo: first", "reached", "Echo: reached"]);
    expect((await app.store.audits.list({ runId: RUN })).total).toBe(1);
  });
});
