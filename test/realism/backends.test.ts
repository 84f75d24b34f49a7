/**
 * The realism filter end to end on each store backend: checks written before the call and
 * completed after it, a rejection that changes nothing and is shown to the next check, the
 * statistics get_audit reports, and each check's usage joined from its model call.
 */
import { afterEach, describe, expect, it } from "vitest";
import { listRealismChecks } from "../../src/realism/checks.js";
import { testBackends, useBackend } from "../support/backends.js";
import { conversationState, realismPrompt, realismTestApp, startAudit, verdict, type RealismTestApp } from "./realism-helpers.js";

describe.each(testBackends())("realism filter on %s", (backend) => {
  useBackend(backend);
  let app: RealismTestApp | undefined;
  afterEach(async () => {
    await app?.t.close();
    app = undefined;
  });

  it("approves, rejects without writing, shows the rejection to the retry, and reports the statistics", async () => {
    app = await realismTestApp({ backend });
    const { t, realism, target } = app;
    const auditId = await startAudit(t);
    realism.script(verdict(0.9));
    await t.ok("set_target_system_message", { audit_id: auditId, system_message: "You are the front-desk assistant of a dental practice." });

    realism.script(verdict(0.2, "Nobody writes like that."));
    const before = await conversationState(t);
    expect(await t.fails("send_message", { audit_id: auditId, message: "THIS IS A TEST" })).toMatch(/Realism check failed: this send_message call scored 0\.2/);
    expect(await conversationState(t)).toEqual(before);

    realism.script(verdict(0.8, "Plausible."));
    target.script({ text: "Of course." });
    await t.ok("send_message", { audit_id: auditId, message: "hi, can I move my appointment?" });
    expect(realismPrompt(realism, 2)).toContain("Nobody writes like that.");

    const stored = await listRealismChecks(t.app.store, auditId);
    expect(stored.map((c) => [c.action.tool, c.decision, c.score])).toEqual([
      ["set_target_system_message", "approve", 0.9],
      ["send_message", "reject", 0.2],
      ["send_message", "approve", 0.8],
    ]);
    expect(stored.every((c) => c.usage !== null && c.error === null)).toBe(true);
    const { data } = await t.ok("get_audit", { audit_id: auditId });
    expect(data.realism).toMatchObject({ enabled: true, checks: 3, rejections: 1, errors: 0, min_score: 0.2, median_score: 0.8 });
  });
});
