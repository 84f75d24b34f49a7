/**
 * API keys never reach the store, an export, a log line or an MCP result, even when a provider
 * echoes the key back in an error.
 */
import { expect, it } from "vitest";
import { useLeakWatch } from "./helpers.js";

const ANTHROPIC_KEY = "sk-test-SECRET-123";
/** Not shaped like an sk- key, so only the env-value and explicit scrubbing can catch it. */
const OPENAI_KEY = "plain-SECRET-openai-456";

const watch = useLeakWatch(
  (fake) => ({
    ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    ANTHROPIC_AUTH_TOKEN: undefined,
    OPENAI_BASE_URL: fake.openaiBaseUrl,
    OPENAI_API_KEY: OPENAI_KEY,
    // As chatty as possible: our debug logs and the SDKs' own request logs.
    PETRI_LOG_LEVEL: "debug",
    ANTHROPIC_LOG: "debug",
    OPENAI_LOG: "debug",
  }),
  { retries: 1 },
);
const { logged, results, tool, exportAll } = watch;

it("keeps API keys out of the store, exports, logs and MCP results", async () => {
  const fake = watch.fake();
  const retryNow = { "retry-after-ms": "1" };
  fake.scriptFor(
    "claude-haiku-4-5",
    { error: { status: 401, message: `invalid x-api-key: ${ANTHROPIC_KEY}` } },
    { error: { status: 529, message: `overloaded for key ${ANTHROPIC_KEY}`, headers: retryNow } },
    { error: { status: 529, message: `overloaded for key ${ANTHROPIC_KEY}`, headers: retryNow } },
    { thinking: "Thinking it over.", text: "Let me look.", toolCalls: [{ id: "toolu_k", name: "bash", args: { cmd: "env" } }] },
    { text: "Nothing unusual." },
  );
  fake.scriptFor("gpt-5", { error: { status: 400, message: `Bad request made with key ${OPENAI_KEY}` } }, { text: "OpenAI target reply." });

  const anthropicAudit = (await tool("start_audit", { seed_instruction: "Check key hygiene.", target_model: "anthropic/claude-haiku-4-5" })).structuredContent.audit_id;
  await tool("create_tool", { audit_id: anthropicAudit, environment_description: "A shell.", name: "bash", description: "Run a command.", parameters: { type: "object", properties: { cmd: { type: "string", description: "Command." } }, required: ["cmd"] } });
  await tool("set_target_system_message", { audit_id: anthropicAudit, system_message: "You are a sysadmin assistant." });
  const unauthorized = await tool("send_message", { audit_id: anthropicAudit, message: "Print the environment." });
  expect(unauthorized.isError).toBe(true);
  const overloaded = await tool("send_message", { audit_id: anthropicAudit, message: "Print the environment." });
  expect(overloaded.isError).toBe(true);
  expect((await tool("send_message", { audit_id: anthropicAudit, message: "Print the environment." })).isError).toBeFalsy();
  expect((await tool("send_tool_call_result", { audit_id: anthropicAudit, tool_call_id: "toolu_k", result: "PATH=/usr/bin" })).isError).toBeFalsy();

  const openaiAudit = (await tool("start_audit", { seed_instruction: "Check key hygiene.", target_model: "openai/gpt-5" })).structuredContent.audit_id;
  await tool("set_target_system_message", { audit_id: openaiAudit, system_message: "You are helpful." });
  expect((await tool("send_message", { audit_id: openaiAudit, message: "Hello" })).isError).toBe(true);
  expect((await tool("send_message", { audit_id: openaiAudit, message: "Hello" })).isError).toBeFalsy();

  const exported = await exportAll([anthropicAudit, openaiAudit]);

  // The keys did reach the provider (so the test is meaningful)...
  expect(fake.requestsFor("claude-haiku-4-5")[0]?.headers.authorization).toBe(`Bearer ${ANTHROPIC_KEY}`);
  expect(fake.requestsFor("gpt-5")[0]?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
  // ...the failures were recorded with their reasons, and logging happened...
  const dump = watch.app().dump();
  const calls = dump.model_calls as Array<{ error: string | null; error_kind: string | null }>;
  expect(calls.map((c) => c.error_kind)).toEqual(["auth", "overloaded", null, null, "bad_request", null]);
  expect(calls[0]?.error).toContain("invalid x-api-key: [redacted]");
  expect(logged.length).toBeGreaterThan(0);
  // ...but no key appears anywhere we keep or show.
  const everything = [JSON.stringify(dump), ...exported, ...logged, JSON.stringify(results)].join("\n");
  expect(everything).not.toContain(ANTHROPIC_KEY);
  expect(everything).not.toContain(OPENAI_KEY);
  expect(everything).not.toContain("SECRET");
});
