/**
 * A turn whose commit the store refuses (its lease was taken over, or the conversation moved while
 * the target answered): the auditor gets today's busy / changed texts, nothing of the turn is
 * written, and the target call, made and paid for, is still recorded. On each store backend.
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
    auditId = (await t.ok("start_audit", { seed_instruction: "Refused commits" })).data.audit_id;
    await t.ok("set_target_system_message", { audit_id: auditId, system_message: "sys" });
  });
  afterEach(async () => {
    await t?.close();
    t = undefined as unknown as TestApp;
  });

  const targetContents = async () => (await t.app.store.messages.branch(auditId, "target")).map((m) => m.message.content);
  const targetCalls = async () => (await t.app.store.modelCalls.forAudit(auditId)).filter((c) => c.role === "target");

  it("lease lost during the target call: busy, nothing written, the call recorded", async () => {
    target.script(async () => {
      // Another client takes the audit over (as after this turn's lease expired).
      const mine = (await t.app.store.leases.holder(auditId))!;
      await t.app.store.leases.release(auditId, mine.owner);
      await t.app.store.leases.acquire(auditId, "another-client", 60_000);
      return { text: "never stored" };
    });
    expect(await t.fails("send_message", { audit_id: auditId, message: "hello" })).toMatch(/is busy: another client is in the middle of a turn/);
    expect(await targetContents()).toEqual(["sys"]);
    expect(await targetCalls()).toHaveLength(1);
    expect((await t.app.store.leases.holder(auditId))?.owner).toBe("another-client");
  });

  it("head moved during the target call: changed-while-running, nothing of the turn written, the call recorded, the lease released", async () => {
    target.script(async () => {
      await t.app.store.messages.append(auditId, "target", [{ id: "elsewhere", role: "user", content: "written elsewhere" }]);
      return { text: "never stored" };
    }, { text: "stored" });
    expect(await t.fails("send_message", { audit_id: auditId, message: "hello" })).toMatch(/changed while this turn was running.*Nothing was written/);
    expect(await targetContents()).toEqual(["sys", "written elsewhere"]);
    expect(await targetCalls()).toHaveLength(1);
    expect(await t.app.store.leases.holder(auditId)).toBeNull();
    await t.ok("send_message", { audit_id: auditId, message: "again" });
    expect(await targetContents()).toEqual(["sys", "written elsewhere", "again", "stored"]);
  });

  it("a missing audit is not found, on turns and simple writes alike", async () => {
    expect(await t.fails("send_message", { audit_id: "no-such-audit", message: "hi" })).toMatch(/No audit with id 'no-such-audit'/);
    expect(await t.fails("end_conversation", { audit_id: "no-such-audit" })).toMatch(/No audit with id 'no-such-audit'/);
  });
});
