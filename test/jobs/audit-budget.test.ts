/**
 * An audit's own budget (start_audit's max_cost_usd, issue 18): checked before each of its target
 * and realism calls. The call that crosses it is the last one: the next send_message starts no
 * model call, the audit ends as failed with a "budget:" reason, and get_audit shows the budget and
 * what was spent. Bad budgets are refused and store nothing. On SQLite and PostgreSQL.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type FakeLlm, startFakeLlm } from "../fake-llm/server.js";
import { createTestApp, type TestApp } from "../helpers.js";
import { echoTarget, fakeModels, route, TARGET, TARGET_WIRE } from "../runner/runner-helpers.js";
import { testBackends, useBackend } from "../support/backends.js";

let fake: FakeLlm | undefined;
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  await fake?.close();
  t = undefined;
  fake = undefined;
});

const text = (result: { content?: unknown }) => (result.content as { type: string; text: string }[]).map((c) => c.text).join("\n");

describe.each(testBackends())("start_audit max_cost_usd [%s]", (backend) => {
  useBackend(backend);

  it("stops making model calls within one call of the budget, closes the audit with a budget reason, and get_audit shows it", { timeout: 60_000 }, async () => {
    fake = await startFakeLlm();
    route(fake, { [TARGET_WIRE]: echoTarget });
    t = await createTestApp({ backend, models: fakeModels(fake) });
    const started = await t.call("start_audit", { seed_instruction: "Ask about the refund policy twice.", target_model: TARGET, max_cost_usd: 0.000001 });
    expect(started.isError).toBeFalsy();
    const auditId = (started.structuredContent as { audit_id: string; max_cost_usd: number }).audit_id;
    expect((started.structuredContent as { max_cost_usd: number }).max_cost_usd).toBe(0.000001);
    await t.ok("set_target_system_message", { audit_id: auditId, system_message: "You are a support assistant." });

    // The first call starts (nothing spent yet) and crosses the budget: it is the last one.
    const first = await t.call("send_message", { audit_id: auditId, message: "What is your refund policy?" });
    expect(first.isError).toBeFalsy();
    expect(fake.requests.length).toBe(1);

    const second = await t.call("send_message", { audit_id: auditId, message: "And again?" });
    expect(second.isError).toBe(true);
    expect(text(second)).toMatch(/The budget of audit .* \(max_cost_usd\) is spent/);
    expect(fake.requests.length).toBe(1); // no model call started
    const third = await t.call("send_message", { audit_id: auditId, message: "Once more?" });
    expect(third.isError).toBe(true);
    expect(fake.requests.length).toBe(1);

    const audit = (await t.call("get_audit", { audit_id: auditId })).structuredContent as Record<string, unknown>;
    expect(audit.status).toBe("failed");
    expect(audit.status_reason).toMatch(/^budget: The budget of audit /);
    expect(audit.max_cost_usd).toBe(0.000001);
    expect(audit.spent_usd as number).toBeGreaterThan(0.000001);
    // One target call stored; the refused ones wrote nothing.
    expect((await t.app.store.modelCalls.forAudit(auditId)).map((c) => c.role)).toEqual(["target"]);
    // Left out of every aggregate like any failed audit; not listed as cancelled.
    expect((await t.app.store.audits.list({ status: "failed" })).audits.map((a) => a.id)).toEqual([auditId]);
  });

  it("refuses a budget that is not a positive number and stores nothing", { timeout: 30_000 }, async () => {
    t = await createTestApp({ backend });
    for (const bad of [0, -1, "1"]) {
      const result = await t.call("start_audit", { seed_instruction: "Probe.", max_cost_usd: bad });
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/max_cost_usd/);
    }
    expect((await t.app.store.audits.list()).total).toBe(0);
  });
});
