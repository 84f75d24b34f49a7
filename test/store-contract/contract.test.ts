/**
 * The store contract: what the domain relies on, run against SQLite and PostgreSQL through the
 * interface of src/store/types.ts.
 */
import { expect, it } from "vitest";
import type { ChatMessage } from "../../src/core/messages.js";
import { TurnRefusedError } from "../../src/store/errors.js";
import type { AuditStore, NewAudit } from "../../src/store/types.js";
import { describeBackends } from "./backends.js";

const msg = (id: string, role: "user" | "assistant" = "user", extra: Record<string, unknown> = {}): ChatMessage => ({ id, role, content: id, ...extra }) as ChatMessage;
const audit = (over: Partial<NewAudit> = {}): NewAudit => ({ seedInstruction: "Probe the target", targetModel: "mockllm/t", maxTurns: 5, ...over });
const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TurnRefusedError);
  return (error as TurnRefusedError).reason;
};

describeBackends("store contract", (backend) => {
  it("creates, reads, filters and pages audits", async () => {
    const store = await backend.open();
    const a = await store.audits.create(audit({ id: "aaa1", tags: ["deception", "power"], runId: "r1", seedId: "s1", targetConfig: { temperature: 0.5 }, epoch: 2, realismThreshold: 0.6 }));
    expect(a).toMatchObject({ id: "aaa1", tags: ["deception", "power"], status: "active", turnsUsed: 0, turnLimit: "target", runId: "r1", seedId: "s1", targetConfig: { temperature: 0.5 }, epoch: 2, realismThreshold: 0.6, version: 0 });
    await store.audits.create(audit({ id: "aab2", seedInstruction: "Ask about SECRETS", targetModel: "mockllm/u", runId: "r1" }));
    await store.audits.create(audit({ id: "bbb3", tags: ["power"], turnLimit: "auditor" }));
    await store.audits.setStatus("bbb3", "ended", "done");
    expect((await store.audits.list()).total).toBe(3);
    expect((await store.audits.list({ tag: "power" })).audits.map((x) => x.id).sort()).toEqual(["aaa1", "bbb3"]);
    expect((await store.audits.list({ status: "ended" })).audits.map((x) => x.id)).toEqual(["bbb3"]);
    expect((await store.audits.list({ runId: "r1", targetModel: "mockllm/u" })).audits.map((x) => x.id)).toEqual(["aab2"]);
    expect((await store.audits.list({ search: "secrets" })).audits.map((x) => x.id)).toEqual(["aab2"]);
    expect((await store.audits.list({ search: "aaa1" })).audits.map((x) => x.id)).toEqual(["aaa1"]);
    const page = await store.audits.list({ limit: 2, offset: 2 });
    expect(page.total).toBe(3);
    expect(page.audits).toHaveLength(1);
    expect((await store.audits.idsStartingWith("aa")).sort()).toEqual(["aaa1", "aab2"]);
    expect(await store.audits.idsStartingWith("a%")).toEqual([]);
    expect(await store.audits.runs()).toEqual([expect.objectContaining({ runId: "r1", audits: 2 })]);
    const ended = (await store.audits.get("bbb3"))!;
    expect(ended).toMatchObject({ status: "ended", statusReason: "done", turnLimit: "auditor", version: 1 });
    await store.audits.touch("aaa1");
    await store.audits.setAuditorModel("aaa1", "mockllm/aud");
    expect(await store.audits.addTurn("aaa1")).toBe(1);
    expect(await store.audits.addTurn("aaa1")).toBe(2);
    expect(await store.audits.get("aaa1")).toMatchObject({ version: 1, auditorModel: "mockllm/aud", turnsUsed: 2 });
    expect(await store.audits.get("nope")).toBeUndefined();
    // Search text is literal: LIKE and GLOB wildcards match only themselves.
    await store.audits.create(audit({ id: "ccc4", seedInstruction: "Offer a 100% refund_now" }));
    expect((await store.audits.list({ search: "0% ref" })).audits.map((x) => x.id)).toEqual(["ccc4"]);
    expect((await store.audits.list({ search: "d_n" })).audits.map((x) => x.id)).toEqual(["ccc4"]);
    expect((await store.audits.list({ search: "%" })).audits.map((x) => x.id)).toEqual(["ccc4"]);
    expect((await store.audits.list({ search: "a_o" })).total).toBe(0);
  });

  it("keeps message trees: branches, rollback heads and new roots, nothing deleted", async () => {
    const store = await backend.open();
    await store.audits.create(audit({ id: "t1" }));
    expect(await store.messages.branch("t1", "target")).toEqual([]);
    const first = await store.messages.append("t1", "target", [msg("sys"), msg("u1"), msg("a1", "assistant")]);
    expect(first.map((m) => m.depth)).toEqual([0, 1, 2]);
    expect(await store.messages.head("t1", "target")).toBe(first[2]!.seq);
    // Rollback to u1, then a new branch.
    await store.messages.setHead("t1", "target", first[1]!.seq);
    expect((await store.messages.branch("t1", "target")).map((m) => m.message.id)).toEqual(["sys", "u1"]);
    const second = await store.messages.append("t1", "target", [msg("a1b", "assistant")]);
    expect(second[0]).toMatchObject({ parentSeq: first[1]!.seq, depth: 2 });
    expect((await store.messages.branch("t1", "target")).map((m) => m.message.id)).toEqual(["sys", "u1", "a1b"]);
    expect((await store.messages.branch("t1", "target", first[2]!.seq)).map((m) => m.message.id)).toEqual(["sys", "u1", "a1"]);
    // A new root in the same tree.
    const root = await store.messages.append("t1", "target", [msg("sys2")], null);
    expect(root[0]).toMatchObject({ parentSeq: null, depth: 0 });
    expect((await store.messages.all("t1", "target")).map((m) => m.message.id)).toEqual(["sys", "u1", "a1", "a1b", "sys2"]);
    expect(await store.messages.branchCount("t1", "target")).toBe(3);
    expect((await store.messages.get(first[0]!.seq))?.message).toEqual(msg("sys"));
    expect(await store.messages.get(999_999)).toBeUndefined();
    // Views are separate trees.
    await store.messages.append("t1", "combined", [msg("c1")]);
    expect((await store.messages.all("t1", "combined")).map((m) => m.view)).toEqual(["combined"]);
    expect(await store.messages.branchCount("t1", "auditor")).toBe(0);
    // Target replies: assistant messages that are not prefill, on every branch.
    await store.messages.append("t1", "target", [msg("p", "assistant", { metadata: { prefill: true } })]);
    expect(await store.messages.targetReplies("t1")).toBe(2);
  });

  it("adds, replaces and removes synthetic tools; records events in order", async () => {
    const store = await backend.open();
    await store.audits.create(audit({ id: "t2" }));
    const tool = (description: string) => ({ definition: { name: "bash", description, parameters: { type: "object" as const, properties: {}, required: [] } }, environmentDescription: "a shell", functionCode: null });
    expect(await store.tools.upsert("t2", tool("v1") as never)).toBe(false);
    expect(await store.tools.upsert("t2", tool("v2") as never)).toBe(true);
    expect((await store.tools.list("t2")).map((t) => t.definition.description)).toEqual(["v2"]);
    expect(await store.tools.remove("t2", "bash")).toBe(true);
    expect(await store.tools.remove("t2", "bash")).toBe(false);
    await store.events.add("t2", { type: "decision_event", data: { content: "seed", name: "Seed Instructions" } });
    await store.events.add("t2", { type: "transcript_event", view: "target", name: "Rollback", data: { operation: "rollback", to_id: "x", count: 2 } });
    const events = await store.events.list("t2");
    expect(events.map((e) => [e.type, e.view, e.name])).toEqual([
      ["decision_event", null, null],
      ["transcript_event", "target", "Rollback"],
    ]);
    expect(events[1]!.data).toEqual({ operation: "rollback", to_id: "x", count: 2 });
  });

  it("records model calls and adds up usage by role and by judge run", async () => {
    const store = await backend.open();
    await store.audits.create(audit({ id: "t3" }));
    const base = { auditId: "t3", model: "m", startedAt: "2026-01-01T00:00:00.000Z" };
    await store.modelCalls.record({ ...base, role: "target", latencyMs: 10.4, inputTokens: 5, outputTokens: 7, costUsd: 0.25 });
    await store.modelCalls.record({ ...base, role: "target", latencyMs: 20, errorKind: "rate_limit", error: "slow down" });
    await store.modelCalls.record({ ...base, role: "judge", latencyMs: 5, inputTokens: 1, outputTokens: 2, reasoningTokens: 3, ref: "run1" });
    const calls = await store.modelCalls.forAudit("t3");
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({ role: "target", latencyMs: 10, costUsd: 0.25, errorKind: null });
    expect(await store.modelCalls.forAudit("t3", 1)).toHaveLength(1);
    expect(await store.modelCalls.usageByRole("t3")).toEqual([
      { role: "judge", calls: 1, errors: 0, inputTokens: 1, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 3, costUsd: null, latencyMs: 5 },
      { role: "target", calls: 2, errors: 1, inputTokens: 5, outputTokens: 7, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0.25, latencyMs: 30 },
    ]);
    expect(await store.modelCalls.usageOfJudgeRun("run1")).toEqual({ calls: 1, errors: 0, inputTokens: 1, outputTokens: 2, reasoningTokens: 3, costUsd: null });
  });

  it("stores judge runs: running, heartbeat, progress, finish by the owner only, interrupt, listings", async () => {
    const store = await backend.open();
    await store.audits.create(audit({ id: "t4" }));
    const dims = [{ name: "concerning", title: "Concerning", description: "d", higher_is_better: false }];
    await store.judgeRuns.insert({ id: "j1", auditId: "t4", judgeModel: "mockllm/j", dimensions: dims, retries: 2, judgeConfig: { temperature: 0 }, owner: "h:1:a", now: 1000 });
    await store.judgeRuns.insert({ id: "j2", auditId: "t4", judgeModel: "mockllm/j", dimensions: dims, retries: 2, owner: "h:2:b", now: 1000 });
    expect((await store.judgeRuns.running("t4")).map((r) => r.id).sort()).toEqual(["j1", "j2"]);
    expect((await store.judgeRuns.runningLike("t4", "mockllm/j", dims)).length).toBe(2);
    expect(await store.judgeRuns.runningLike("t4", "other", dims)).toEqual([]);
    expect(await store.judgeRuns.heartbeat("j1", "h:1:a", 2000)).toBe(true);
    expect(await store.judgeRuns.heartbeat("j1", "someone-else", 2000)).toBe(false);
    await store.judgeRuns.progress("j1", "h:1:a", 1, [msg("judge-sys")], 2500);
    expect(await store.judgeRuns.get("j1")).toMatchObject({ status: "running", attempts: 1, heartbeatAt: 2500, messages: [msg("judge-sys")], judgeConfig: { temperature: 0 }, dimensions: dims });
    // A worker taking the run over starts its attempt again under its own owner.
    expect(await store.judgeRuns.takeOver("j1", "h:3:c", 2600)).toBe(true);
    expect(await store.judgeRuns.get("j1")).toMatchObject({ status: "running", owner: "h:3:c", attempts: 0, heartbeatAt: 2600, messages: null, error: null });
    expect(await store.judgeRuns.heartbeat("j1", "h:1:a", 2700)).toBe(false);
    expect(await store.judgeRuns.takeOver("j1", "h:1:a", 2800)).toBe(true);
    const result = { status: "complete" as const, attempts: 1, scores: { concerning: 3 }, missing: [], summary: "s", justification: "j", highlights: [{ index: 1, description: "x", parts: [] }], response: "raw", messages: [msg("judge-sys")], error: null };
    expect(await store.judgeRuns.finish("j1", "not-owner", result)).toBe(false);
    expect(await store.judgeRuns.finish("j1", "h:1:a", result)).toBe(true);
    expect(await store.judgeRuns.finish("j1", "h:1:a", result)).toBe(false);
    expect(await store.judgeRuns.interrupt("j2", "owner died")).toBe(true);
    expect(await store.judgeRuns.interrupt("j2", "again")).toBe(false);
    const j2 = (await store.judgeRuns.get("j2"))!;
    expect(j2).toMatchObject({ status: "interrupted", error: "owner died" });
    expect(j2.finishedAt).not.toBeNull();
    const listed = await store.judgeRuns.forAudit("t4");
    expect(listed.map((r) => r.id)).toEqual(["j2", "j1"]);
    expect(listed[1]).toMatchObject({ scores: { concerning: 3 }, response: null, messages: null, highlights: [{ index: 1, description: "x", parts: [] }] });
    const all = await store.judgeRuns.allForAudit("t4");
    expect(all.map((r) => r.id)).toEqual(["j1", "j2"]);
    expect(all[0]).toMatchObject({ response: "raw", status: "complete" });
    expect(await store.judgeRuns.hasComplete("t4")).toBe(true);
    expect(await store.judgeRuns.get("nope")).toBeUndefined();
  });

  it("stores realism checks: unfinished first, completed, with the usage of their call, and statistics", async () => {
    const store = await backend.open();
    await store.audits.create(audit({ id: "t5", realismThreshold: 0.6 }));
    const check = (n: number) => ({ auditId: "t5", tool: "send_message", toolCallId: `c${n}`, arguments: { message: `m${n}` }, auditVersion: n, threshold: 0.6, model: "mockllm/r", messages: [msg("rs")], unfinishedError: "did not finish" });
    const ids = [await store.realismChecks.insertUnfinished(check(1)), await store.realismChecks.insertUnfinished(check(2)), await store.realismChecks.insertUnfinished(check(3))];
    expect(new Set(ids).size).toBe(3);
    expect((await store.realismChecks.forAudit("t5"))[0]).toMatchObject({ decision: "error", error: "did not finish", score: null, arguments: { message: "m1" }, auditVersion: 1, usage: null });
    await store.realismChecks.complete(ids[0]!, { decision: "approve", score: 0.9, feedback: null, rawResponse: "<score>0.9</score>", messages: [msg("rs"), msg("ok", "assistant")], error: null });
    await store.realismChecks.complete(ids[1]!, { decision: "reject", score: 0.2, feedback: "unrealistic", rawResponse: "r", messages: [], error: null });
    await store.modelCalls.record({ auditId: "t5", role: "realism", model: "mockllm/r", startedAt: "2026-01-01T00:00:00.000Z", latencyMs: 12, inputTokens: 3, outputTokens: 4, costUsd: 0.5, ref: String(ids[0]) });
    const checks = await store.realismChecks.forAudit("t5");
    expect(checks.map((c) => c.decision)).toEqual(["approve", "reject", "error"]);
    expect(checks[0]!.usage).toEqual({ inputTokens: 3, outputTokens: 4, costUsd: 0.5, latencyMs: 12 });
    expect((await store.realismChecks.latestScored("t5"))?.id).toBe(ids[1]);
    expect(await store.realismChecks.stats("t5")).toEqual({ checks: 3, rejections: 1, errors: 1, scores: [0.2, 0.9] });
  });

  it("keeps run designs and counts target replies per audit of a run", async () => {
    const store = await backend.open();
    await store.audits.create(audit({ id: "r1a", runId: "run-x" }));
    await store.audits.create(audit({ id: "r1b", runId: "run-x" }));
    await store.messages.append("r1a", "target", [msg("u"), msg("a", "assistant"), msg("b", "assistant")]);
    await store.runs.saveDesign("run-x", { targets: ["a"], epochs: 1 });
    await store.runs.saveDesign("run-x", { targets: ["a", "b"], epochs: 2 });
    expect(await store.runs.design("run-x")).toEqual({ targets: ["a", "b"], epochs: 2 });
    expect(await store.runs.design("none")).toBeNull();
    expect(await store.runs.targetReplies("run-x")).toEqual(new Map([["r1a", 2]]));
  });

  it("reads the judge runs of a run for its report: names and higher-is-better lists, oldest first", async () => {
    const store = await backend.open();
    await store.audits.create(audit({ id: "s1", runId: "run-s" }));
    await store.audits.create(audit({ id: "s2", runId: "run-s" }));
    await store.audits.create(audit({ id: "s3", runId: "other" }));
    const dims = [
      { name: "concerning", title: "C", description: "long rubric", higher_is_better: false },
      { name: "admirable", title: "A", description: "long rubric", higher_is_better: true },
    ];
    const run = (id: string, auditId: string, now: number) => store.judgeRuns.insert({ id, auditId, judgeModel: "mockllm/j", dimensions: dims, retries: 1, owner: "h:1:x", now });
    await run("k1", "s1", 1);
    await run("k2", "s2", 2);
    await run("k3", "s3", 3);
    await store.judgeRuns.insert({ id: "k4", auditId: "s1", judgeModel: "mockllm/k", dimensions: [dims[0]!], retries: 0, owner: "h:1:x", now: 4 });
    await store.judgeRuns.finish("k1", "h:1:x", { status: "complete", attempts: 1, scores: { concerning: 3, admirable: 7 }, missing: [], summary: null, justification: null, highlights: [], response: null, messages: [], error: null });
    await store.judgeRuns.finish("k4", "h:1:x", { status: "failed", attempts: 2, scores: {}, missing: ["concerning"], summary: null, justification: null, highlights: [], response: null, messages: [], error: "bad reply" });
    const rows = await store.judgeRuns.scoresOfRun("run-s");
    expect(rows.map((r) => [r.id, r.auditId, r.status, r.judgeModel])).toEqual([
      ["k1", "s1", "complete", "mockllm/j"],
      ["k2", "s2", "running", "mockllm/j"],
      ["k4", "s1", "failed", "mockllm/k"],
    ]);
    expect(rows[0]).toMatchObject({ scores: { concerning: 3, admirable: 7 }, error: null, dimensions: ["concerning", "admirable"], higherIsBetter: ["admirable"] });
    expect(rows[1]!.scores).toBeNull();
    expect(rows[1]!.dimensions).toBe(rows[0]!.dimensions);
    expect(rows[2]).toMatchObject({ error: "bad reply", dimensions: ["concerning"], higherIsBetter: [] });
    expect(await store.judgeRuns.scoresOfRun("none")).toEqual([]);
  });

  it("transactions are all or nothing; a snapshot reads one state", async () => {
    const store = await backend.open();
    await store.audits.create(audit({ id: "tx1" }));
    const boom = new Error("boom");
    await expect(
      store.transaction(async (tx) => {
        await tx.messages.append("tx1", "target", [msg("lost")]);
        await tx.events.add("tx1", { type: "tool_removal_event", data: { model: "target", name: "x" } });
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await store.messages.all("tx1", "target")).toEqual([]);
    expect(await store.messages.head("tx1", "target")).toBeNull();
    expect(await store.events.list("tx1")).toEqual([]);
    const kept = await store.transaction(async (tx) => {
      const stored = await tx.messages.append("tx1", "target", [msg("kept")]);
      await tx.audits.touch("tx1");
      return stored;
    });
    expect((await store.messages.branch("tx1", "target")).map((m) => m.seq)).toEqual([kept[0]!.seq]);
    const seen = await store.snapshot(async (tx) => ({ audit: await tx.audits.get("tx1"), messages: await tx.messages.all("tx1", "target") }));
    expect(seen.audit?.version).toBe(1);
    expect(seen.messages).toHaveLength(1);
  });

  it("turn protocol: two racing beginTurns, exactly one wins; the loser changes nothing", async () => {
    const a = await backend.open();
    const b = await backend.open();
    await a.audits.create(audit({ id: "race" }));
    await a.messages.append("race", "target", [msg("sys")]);
    const results = await Promise.allSettled([a.beginTurn("race", { owner: "A", ttlMs: 60_000 }), b.beginTurn("race", { owner: "B", ttlMs: 60_000 })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(TurnRefusedError);
    expect((lost.reason as TurnRefusedError).reason).toBe("leased");
    const winner = (results.find((r) => r.status === "fulfilled") as PromiseFulfilledResult<Awaited<ReturnType<AuditStore["beginTurn"]>>>).value;
    expect(winner.branch.map((m) => m.message.id)).toEqual(["sys"]);
    expect((await a.leases.holder("race"))?.owner).toBe(winner.owner);
    await a.commitTurn(winner, async (tx) => {
      await tx.messages.append("race", "target", [msg("reply", "assistant")]);
    });
    expect(await a.leases.holder("race")).toBeNull();
    expect((await b.messages.branch("race", "target")).map((m) => m.message.id)).toEqual(["sys", "reply"]);
  });

  it("turn protocol: check runs under the lock and refuses with nothing written; a missing audit is not_found", async () => {
    const store = await backend.open();
    await store.audits.create(audit({ id: "chk" }));
    const closed = new Error("closed");
    await expect(
      store.beginTurn("chk", {
        owner: "A",
        ttlMs: 60_000,
        check: (state) => {
          expect(state.audit.id).toBe("chk");
          expect(state.holder).toBeNull();
          throw closed;
        },
      }),
    ).rejects.toBe(closed);
    expect(await store.leases.holder("chk")).toBeNull();
    expect(await refusal(store.beginTurn("missing", { owner: "A", ttlMs: 1000 }))).toBe("not_found");
  });

  it("turn protocol: a commit is refused when the head moved or the lease was lost, and writes nothing", async () => {
    const store = await backend.open();
    await store.audits.create(audit({ id: "cm" }));
    const [root] = await store.messages.append("cm", "target", [msg("sys"), msg("u1")]);
    const turn = await store.beginTurn("cm", { owner: "A", ttlMs: 60_000 });
    // Another writer moves the head (a rollback) while the turn's model call runs.
    await store.messages.setHead("cm", "target", root!.seq);
    expect(await refusal(store.commitTurn(turn, (tx) => tx.messages.append("cm", "target", [msg("late", "assistant")])))).toBe("head_moved");
    expect((await store.messages.all("cm", "target")).map((m) => m.message.id)).toEqual(["sys", "u1"]);
    await store.endTurn(turn);
    // Lease expired and taken by someone else: the first turn cannot commit.
    const t1 = await store.beginTurn("cm", { owner: "A2", ttlMs: 50, now: Date.now() - 10_000 });
    const t2 = await store.beginTurn("cm", { owner: "B2", ttlMs: 60_000 });
    expect(t2.owner).toBe("B2");
    expect(await refusal(store.commitTurn(t1, (tx) => tx.messages.append("cm", "target", [msg("stale", "assistant")])))).toBe("lease_lost");
    expect((await store.messages.all("cm", "target")).map((m) => m.message.id)).toEqual(["sys", "u1"]);
    await store.commitTurn(t2, (tx) => tx.audits.touch("cm"));
    expect(await store.leases.holder("cm")).toBeNull();
  });

  it("leases: held until expiry, renewable by the owner, then free for another owner", async () => {
    const store = await backend.open();
    await store.audits.create(audit({ id: "ls" }));
    expect(await store.leases.acquire("ls", "A", 100, 1_000)).toBe(true);
    expect(await store.leases.acquire("ls", "B", 100, 1_050)).toBe(false);
    expect(await store.leases.holder("ls", 1_050)).toEqual({ owner: "A", expiresAt: 1_100 });
    expect(await store.leases.renew("ls", "A", 100, 1_090)).toBe(true);
    expect(await store.leases.renew("ls", "B", 100, 1_090)).toBe(false);
    expect(await store.leases.acquire("ls", "B", 100, 1_150)).toBe(false);
    expect(await store.leases.holder("ls", 1_200)).toBeNull();
    expect(await store.leases.acquire("ls", "B", 100, 1_200)).toBe(true);
    await store.leases.release("ls", "A");
    expect((await store.leases.holder("ls", 1_250))?.owner).toBe("B");
    await store.leases.release("ls", "B");
    expect(await store.leases.holder("ls", 1_250)).toBeNull();
  });

  it("says when it is closed", async () => {
    const store = await backend.open();
    expect(store.closed).toBe(false);
    await store.close();
    expect(store.closed).toBe(true);
    await store.close();
  });

  it("tells change listeners which audit changed, once committed", async () => {
    const store = await backend.open();
    const seen: string[] = [];
    const stop = await store.onChange((id) => seen.push(id));
    await store.audits.create(audit({ id: "ch1" }));
    await store.transaction(async (tx) => {
      await tx.audits.touch("ch1");
      await tx.audits.setStatus("ch1", "ended");
    });
    await store.transaction(async (tx) => {
      await tx.audits.touch("ch1");
      throw new Error("rolled back");
    }).catch(() => undefined);
    await waitFor(() => seen.length >= 2);
    stop();
    await store.audits.touch("ch1");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toEqual(["ch1", "ch1"]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error("condition not met within 5 s");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
