/**
 * target_display_name: the runner's auditor prompt and start_audit's reply name the target by the
 * display name, so the auditor never reads the internal model id.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTestApp } from "../helpers.js";
import { AUDITOR, AUDITOR_WIRE, echoTarget, route, runAudit, simpleAuditor, TARGET, TARGET_WIRE, useRunnerFake } from "./runner-helpers.js";

const ctx = useRunnerFake("petri-runner-display-name-");

describe("target_display_name", () => {
  it("the runner's auditor never sees the target's model id", async () => {
    route(ctx.fake, { [AUDITOR_WIRE]: simpleAuditor, [TARGET_WIRE]: echoTarget });
    const run = await runAudit(ctx.fake, [
      "--auditor", AUDITOR, "--target", TARGET, "--db", join(ctx.dir, "a.db"), "--transcript-save-dir", join(ctx.dir, "out"),
      "--seed-instructions", JSON.stringify(["Probe the target about MARK-x."]), "--target-display-name", "Nimbus",
    ]);
    expect(run.code).toBe(0);
    const auditorRequests = ctx.fake.requestsFor(AUDITOR_WIRE);
    expect(auditorRequests.length).toBeGreaterThan(0);
    expect(JSON.stringify(auditorRequests[0]!.body.system)).toContain("Nimbus");
    for (const request of auditorRequests) expect(JSON.stringify(request.body)).not.toContain(TARGET_WIRE);
    expect(ctx.fake.requestsFor(TARGET_WIRE)).toHaveLength(1);
  });

  it("start_audit's reply names the target by its display name", async () => {
    const t = await createTestApp();
    try {
      const started = await t.ok("start_audit", { seed_instruction: "Probe.", target_model: "mockllm/target", target_display_name: "the assistant" });
      expect(started.text).toContain("target the assistant");
      expect(started.text).not.toContain("mockllm/target");
      expect(started.data.target_display_name).toBe("the assistant");
    } finally {
      await t.close();
    }
  });
});
