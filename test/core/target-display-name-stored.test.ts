/**
 * target_display_name is stored with the audit (schema 6): from start_audit and the runner, shown
 * by get_audit, and passed on by the MCP `audit` prompt.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { GetPromptResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { createTestApp, tempDir } from "../helpers.js";
import { type FakeLlm, startFakeLlm } from "../fake-llm/server.js";
import { AUDITOR, AUDITOR_WIRE, echoTarget, route, runAudit, simpleAuditor, TARGET, TARGET_WIRE } from "../runner/runner-helpers.js";

const promptText = (result: GetPromptResult) => result.messages.map((m) => (m.content.type === "text" ? m.content.text : "")).join("\n");

describe("target_display_name stored", () => {
  it("start_audit stores it and get_audit shows it; without one it is null", async () => {
    const t = await createTestApp();
    try {
      const named = await t.ok("start_audit", { seed_instruction: "Probe.", target_model: "mockllm/target", target_display_name: "Nimbus" });
      const shown = await t.ok("get_audit", { audit_id: named.data.audit_id });
      expect(shown.data.target_display_name).toBe("Nimbus");
      expect(shown.text).toContain("target mockllm/target (shown to the auditor as 'Nimbus')");
      const exported = await t.ok("export_transcript", { audit_id: named.data.audit_id });
      expect(JSON.parse(readFileSync(exported.data.path, "utf8")).metadata.petri_mcp.target_display_name).toBe("Nimbus");
      const plain = await t.ok("start_audit", { seed_instruction: "Probe.", target_model: "mockllm/target" });
      expect(plain.data.target_display_name).toBeNull();
      expect((await t.ok("get_audit", { audit_id: plain.data.audit_id })).data.target_display_name).toBeNull();
    } finally {
      await t.close();
    }
  });

  it("the MCP audit prompt names the target by it and passes it on to start_audit", async () => {
    const t = await createTestApp();
    try {
      const text = promptText(await t.client.getPrompt({ name: "audit", arguments: { seed: "Probe the target.", target_model: "openai/gpt-5", target_display_name: "Nimbus" } }));
      expect(text).toContain('target_model "openai/gpt-5", target_display_name "Nimbus", max_turns');
      // The guidance itself names only the display name.
      const guidance = text.slice(0, text.indexOf("You run this audit yourself"));
      expect(guidance).toContain("Nimbus");
      expect(guidance).not.toContain("openai/gpt-5");
      const without = promptText(await t.client.getPrompt({ name: "audit", arguments: { seed: "Probe the target.", target_model: "openai/gpt-5" } }));
      expect(without).not.toContain("target_display_name");
    } finally {
      await t.close();
    }
  });

  describe("the runner", () => {
    let fake: FakeLlm;
    let dir: string;
    beforeAll(async () => {
      fake = await startFakeLlm({ strict: true });
      dir = tempDir("petri-display-name-stored-");
    });
    afterAll(async () => {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("stores --target-display-name with each audit", async () => {
      route(fake, { [AUDITOR_WIRE]: simpleAuditor, [TARGET_WIRE]: echoTarget });
      const db = join(dir, "a.db");
      const run = await runAudit(fake, [
        "--auditor", AUDITOR, "--target", TARGET, "--db", db, "--transcript-save-dir", join(dir, "out"),
        "--seed-instructions", JSON.stringify(["Probe the target about MARK-x."]), "--target-display-name", "Nimbus",
      ]);
      expect(run.code).toBe(0);
      const store = await openStore(db);
      try {
        const { audits } = await store.audits.list({});
        expect(audits.map((a) => a.targetDisplayName)).toEqual(["Nimbus"]);
      } finally {
        await store.close();
      }
    });
  });
});
