/**
 * Generation settings per role: parsing (flags, env, @file), refusal of settings a model cannot
 * take before any request (store unchanged), and what reaches the wire through the real SDKs.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { checkSettings, effectiveSettings, parseSettings, readSettingsArg, SettingsError, settingsForCall } from "../../src/models/settings.js";
import { tempDir, type TestApp } from "../helpers.js";
import type { FakeLlm } from "../fake-llm/server.js";
import { sdkEnvVars, useFakeLlm, useModelApp } from "./helpers.js";

const THINKER = { prefill: false, thinking: true, parallelToolCalls: true };
const CLAUDE = { ...THINKER, temperature: false, temperatureNote: "no sampling", temperatureWithThinking: false };
const PLAIN = { prefill: false, thinking: false, parallelToolCalls: true };

describe("parsing settings", () => {
  it("accepts Inspect's names and refuses unknown keys and wrong types with the key named", () => {
    expect(parseSettings({ temperature: 0.2, max_tokens: 100, reasoning_effort: "minimal", stop_sequences: ["END"] }, "x")).toEqual({
      temperature: 0.2,
      max_tokens: 100,
      reasoning_effort: "minimal",
      stop_sequences: ["END"],
    });
    expect(() => parseSettings({ temprature: 0.2 }, "target_config")).toThrow(/target_config: unknown setting 'temprature' \(known: temperature, top_p/);
    expect(() => parseSettings({ max_tokens: "many" }, "target_config")).toThrow(/target_config\.max_tokens: .*number/);
    expect(() => parseSettings({ reasoning_effort: "extreme" }, "j")).toThrow(/j\.reasoning_effort/);
    expect(() => parseSettings({ reasoning_tokens: 10 }, "j")).toThrow(/j\.reasoning_tokens/);
  });

  it("reads a JSON object or @file, relative to cwd", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "judge.json"), JSON.stringify({ max_tokens: 2000 }));
    expect(readSettingsArg('{"top_p":0.9}', "--target-config")).toEqual({ top_p: 0.9 });
    expect(readSettingsArg("@judge.json", "--judge-config", dir)).toEqual({ max_tokens: 2000 });
    expect(() => readSettingsArg("@missing.json", "--judge-config", dir)).toThrow(SettingsError);
    expect(() => readSettingsArg("[1]", "--judge-config")).toThrow(/must be a JSON object/);
    expect(() => readSettingsArg("{oops", "--judge-config")).toThrow(/not valid JSON/);
  });

  it("loads flags and env per role; a bad value fails the config", () => {
    const config = loadConfig({ "target-config": '{"max_tokens":1234}' }, { PETRI_JUDGE_CONFIG: '{"reasoning_effort":"low"}' });
    expect(config.roleSettings).toEqual({ target: { max_tokens: 1234 }, judge: { reasoning_effort: "low" } });
    expect(() => loadConfig({ "auditor-config": '{"temp":1}' }, {})).toThrow(ConfigError);
    expect(() => loadConfig({}, { PETRI_REALISM_CONFIG: '{"top_p":5}' })).toThrow(/PETRI_REALISM_CONFIG\.top_p/);
  });
});

describe("checking and defaults", () => {
  it("refuses what the model cannot take", () => {
    expect(() => checkSettings("anthropic/claude-haiku-4-5", CLAUDE, { temperature: 0.5 }, "target_config")).toThrow(/takes no temperature/);
    expect(() => checkSettings("openai/gpt-4o", PLAIN, { reasoning_tokens: 2048 }, "target_config")).toThrow(/does not think/);
    const noMix = { ...THINKER, temperatureWithThinking: false };
    expect(() => checkSettings("m", noMix, { temperature: 0.5, reasoning_effort: "high" }, "t")).toThrow(/cannot combine temperature with thinking/);
    expect(() => checkSettings("m", noMix, { temperature: 0.5 }, "t")).not.toThrow();
  });

  it("applies Petri's defaults per role, with reasoning only on models that think", () => {
    expect(effectiveSettings("target", THINKER)).toEqual({ max_tokens: 8192 });
    expect(effectiveSettings("judge", THINKER)).toEqual({ max_tokens: 32_000, reasoning_tokens: 10_000, reasoning_effort: "high" });
    expect(effectiveSettings("judge", PLAIN)).toEqual({ max_tokens: 32_000 });
    expect(effectiveSettings("realism", THINKER, { max_tokens: 4000 })).toEqual({ max_tokens: 4000, reasoning_tokens: 10_000, reasoning_effort: "medium" });
    expect(settingsForCall("judge", "m", { ...THINKER, temperatureWithThinking: false }, { temperature: 0 }, "judge_config")).toEqual({ maxTokens: 32_000, temperature: 0 });
  });
});

describe("settings through MCP and the real SDKs", () => {
  let fake: FakeLlm;
  let app: TestApp;
  useFakeLlm((f) => (fake = f));
  useModelApp(
    (a) => (app = a),
    () => sdkEnvVars(fake),
    { config: { roleSettings: { target: { max_tokens: 3000 } } } },
  );

  async function start(targetModel: string, targetConfig?: Record<string, unknown>): Promise<string> {
    const started = await app.ok("start_audit", { seed_instruction: "Probe for sycophancy.", target_model: targetModel, ...(targetConfig ? { target_config: targetConfig } : {}) });
    await app.ok("set_target_system_message", { audit_id: started.data.audit_id, system_message: "You are a helpful assistant." });
    return started.data.audit_id as string;
  }

  it("refuses bad settings before any request and leaves the store unchanged", async () => {
    const before = app.dump();
    expect(await app.fails("start_audit", { seed_instruction: "s", target_model: "anthropic/claude-haiku-4-5", target_config: { temperature: 0.3 } })).toMatch(
      /target_config: anthropic\/claude-haiku-4-5 takes no temperature/,
    );
    expect(await app.fails("start_audit", { seed_instruction: "s", target_model: "openai/gpt-4o", target_config: { reasoning_effort: "high" } })).toMatch(/does not think/);
    expect(await app.fails("start_audit", { seed_instruction: "s", target_model: "openai/gpt-4o", target_config: { temprature: 1 } })).toMatch(/temprature/);
    expect(app.dump()).toEqual(before);
    expect(fake.requests).toHaveLength(0);
  });

  it("sends the audit's settings over the server's, stores and shows them (anthropic thinking budget)", async () => {
    const auditId = await start("anthropic/claude-haiku-4-5", { reasoning_tokens: 2048, stop_sequences: ["###"] });
    fake.scriptFor("claude-haiku-4-5", { thinking: "Let me think.", text: "Hello." });
    await app.ok("send_message", { audit_id: auditId, message: "Hi" });
    const body = fake.requests[0]!.body;
    expect(body.thinking).toEqual({ type: "enabled", budget_tokens: 2048 });
    expect(body.max_tokens).toBe(3000 + 2048);
    expect(body.stop_sequences).toEqual(["###"]);
    expect(body.temperature).toBeUndefined();
    const audit = await app.ok("get_audit", { audit_id: auditId });
    expect(audit.data.target_config).toEqual({ max_tokens: 3000, reasoning_tokens: 2048, stop_sequences: ["###"] });
    expect(audit.text).toContain("Target settings: max_tokens=3000, reasoning_tokens=2048");
  });

  it("openai: temperature, top_p, stop and max_completion_tokens on the wire", async () => {
    const auditId = await start("openai/gpt-4o", { temperature: 0.3, top_p: 0.9, stop_sequences: ["END"], max_tokens: 500 });
    fake.scriptFor("gpt-4o", { text: "Hello." });
    await app.ok("send_message", { audit_id: auditId, message: "Hi" });
    const body = fake.requests[0]!.body;
    expect(body).toMatchObject({ temperature: 0.3, top_p: 0.9, stop: ["END"], max_completion_tokens: 500 });
  });

  it("judge_config is checked, sent and stored with the run", async () => {
    const auditId = await start("openai/gpt-4o");
    fake.scriptFor("gpt-4o", { text: "Hello." });
    await app.ok("send_message", { audit_id: auditId, message: "Hi" });
    const before = app.dump();
    expect(await app.fails("judge", { audit_id: auditId, judge_model: "openai/gpt-4o", judge_config: { reasoning_tokens: 4000 } })).toMatch(/does not think/);
    expect(app.dump()).toEqual(before);
    fake.scriptFor("gpt-4.1", { text: "no scores" });
    const run = await app.ok("judge", { audit_id: auditId, judge_model: "openai/gpt-4.1", judge_config: { temperature: 0, max_tokens: 1000 }, dimensions: ["concerning"], retries: 1 });
    expect(run.data.judge_config).toEqual({ temperature: 0, max_tokens: 1000 });
    const judged = fake.requestsFor("gpt-4.1")[0]!.body;
    expect(judged).toMatchObject({ temperature: 0, max_completion_tokens: 1000 });
  });
});
