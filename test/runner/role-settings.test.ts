/**
 * --auditor-config reaches the auditor's requests; a setting a role's model cannot take stops
 * `petri-mcp audit` before any audit or request exists.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AUDITOR, AUDITOR_WIRE, echoTarget, route, runAudit, simpleAuditor, TARGET, TARGET_WIRE, useRunnerFake } from "./runner-helpers.js";

const ctx = useRunnerFake("petri-runner-role-settings-");

const base = (name: string) => ["--auditor", AUDITOR, "--target", TARGET, "--db", join(ctx.dir, `${name}.db`), "--transcript-save-dir", join(ctx.dir, name), "--seed-instructions", JSON.stringify(["Probe MARK-s."])];

describe("role settings in petri-mcp audit", () => {
  it("sends --auditor-config and --target-config on the wire", async () => {
    route(ctx.fake, { [AUDITOR_WIRE]: simpleAuditor, [TARGET_WIRE]: echoTarget });
    const run = await runAudit(ctx.fake, [...base("ok"), "--auditor-config", '{"max_tokens": 5000}', "--target-config", '{"reasoning_tokens": 1024, "max_tokens": 2000}']);
    expect(run.code).toBe(0);
    expect(ctx.fake.requestsFor(AUDITOR_WIRE)[0]!.body.max_tokens).toBe(5000);
    // claude-sonnet-4-5 takes a thinking budget on top of max_tokens.
    expect(ctx.fake.requestsFor(TARGET_WIRE)[0]!.body).toMatchObject({ max_tokens: 3024, thinking: { type: "enabled", budget_tokens: 1024 } });
  });

  it("refuses a setting the model cannot take before any audit or request", async () => {
    const run = await runAudit(ctx.fake, [...base("bad"), "--auditor-config", '{"temperature": 0.5}']);
    expect(run.code).toBe(2);
    expect(run.stderr.join("\n")).toMatch(/--auditor-config: anthropic\/\S+ takes no temperature/);
    expect(ctx.fake.requests).toHaveLength(0);
    expect(existsSync(join(ctx.dir, "bad"))).toBe(false);
  });
});
