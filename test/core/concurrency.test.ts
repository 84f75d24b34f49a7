/**
 * Two clients acting on one audit never interleave a turn: the loser gets "audit busy" and the
 * store stays consistent. Calls from one client on one audit run in order.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MockLLM } from "../../src/models/mockllm.js";
import { createTestApp, type TestApp } from "../helpers.js";
import { testBackends, useBackend } from "../support/backends.js";

let t: TestApp;
let target: MockLLM;
let auditId: string;

describe.each(testBackends())("on %s", (backend) => {
  useBackend(backend);

  beforeEach(async () => {
    t = await createTestApp({ backend });
    target = t.models.mock("mockllm/target");
    auditId = (await t.ok("start_audit", { seed_instruction: "race" })).data.audit_id;
    await t.ok("set_target_system_message", { audit_id: auditId, system_message: "sys" });
  });
  afterEach(async () => {
    await t?.close();
    t = undefined as unknown as TestApp;
  });

  /** A target reply that waits until released, so the race is deterministic. */
  function blockedReply() {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const started = new Promise<void>((resolve) => (entered = resolve));
    target.script(async () => {
      entered();
      await gate;
      return { text: "first" };
    });
    return { release, started };
  }

  it("a second client gets a clear busy error while the first holds the turn", async () => {
    const other = await t.connectClient("other-client");
    const { release, started } = blockedReply();
    const first = t.call("send_message", { audit_id: auditId, message: "from A" });
    await started;
    const second = await other.callTool({ name: "send_message", arguments: { audit_id: auditId, message: "from B" } });
    expect(second.isError).toBe(true);
    expect((second.content as any)[0].text).toMatch(/is busy: another client is in the middle of a turn/);
    // Short writes are refused too while the turn runs.
    const rollback = await other.callTool({ name: "rollback_conversation", arguments: { audit_id: auditId, index: 0 } });
    expect(rollback.isError).toBe(true);
    release();
    expect((await first).isError).toBeFalsy();
    const branch = (await t.app.store.messages.branch(auditId, "target")).map((m) => m.message.content);
    expect(branch).toEqual(["sys", "from A", "first"]);
    expect((await t.app.store.audits.get(auditId))!.turnsUsed).toBe(1);
    // The lease is gone: the other client can act now.
    const after = await other.callTool({ name: "send_message", arguments: { audit_id: auditId, message: "from B" } });
    expect(after.isError).toBeFalsy();
  });

  it("calls from one client on one audit are applied in order, not refused", async () => {
    target.script({ toolCalls: [{ id: "c1", function: "bash", arguments: {} }, { id: "c2", function: "bash", arguments: {} }] });
    await t.ok("send_message", { audit_id: auditId, message: "go" });
    const { release, started } = blockedReply();
    const both = Promise.all([
      t.call("send_tool_call_result", { audit_id: auditId, tool_call_id: "c1", result: "one" }),
      t.call("send_tool_call_result", { audit_id: auditId, tool_call_id: "c2", result: "two" }),
    ]);
    await started;
    release();
    const [r1, r2] = await both;
    expect(r1.isError).toBeFalsy();
    expect(r2.isError).toBeFalsy();
    expect((await t.app.store.messages.branch(auditId, "target")).map((m) => m.message.role)).toEqual(["system", "user", "assistant", "tool", "tool", "assistant"]);
  });

  it("an expired lease from a crashed client does not lock the audit forever", async () => {
    const store = t.app.store;
    await store.leases.acquire(auditId, "crashed-process", 60_000, Date.now() - 120_000);
    await t.ok("send_message", { audit_id: auditId, message: "still works" });
    await store.leases.acquire(auditId, "live-process", 60_000);
    expect(await t.fails("send_message", { audit_id: auditId, message: "blocked" })).toMatch(/busy/);
  });
});
