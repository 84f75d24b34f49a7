/**
 * Provider failures of every class, through the MCP tools, with the real OpenAI and Anthropic
 * adapters talking to the fake model server: each is an isError result that names what went wrong
 * and what to do, records the failed call, writes nothing to the conversation, and can be retried.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODE_META } from "../../src/tools/define.js";
import { type FakeLlm, type FakeStep, startFakeLlm } from "../fake-llm/server.js";
import { type TestApp, textOf } from "../helpers.js";
import { conversationState, HEALTHY, integrity, providerApp } from "./fault-helpers.js";

const TIMEOUT_MS = 300;

interface Fault {
  name: string;
  step: FakeStep;
  kind: string;
  /** What the message must say; `{P}` is the provider's name. */
  says: string;
}

const FAULTS: Fault[] = [
  { name: "401 unauthorized", step: { error: { status: 401 } }, kind: "auth", says: "{P} rejected the API key \\(401\\).*Check \\w+_API_KEY" },
  { name: "403 forbidden", step: { error: { status: 403 } }, kind: "auth", says: "{P} refused access \\(403\\)" },
  { name: "404 unknown model", step: { error: { status: 404 } }, kind: "not_configured", says: "{P} does not know this model or endpoint \\(404\\).*Check the model name" },
  { name: "408 request timeout", step: { error: { status: 408 } }, kind: "timeout", says: "{P} timed out \\(408\\)" },
  { name: "409 conflict", step: { error: { status: 409 } }, kind: "bad_request", says: "{P} rejected the request \\(409\\)" },
  { name: "413 too large", step: { error: { status: 413 } }, kind: "context_length", says: "conversation is too long .*\\(413\\).*Roll back" },
  { name: "422 unprocessable", step: { error: { status: 422 } }, kind: "bad_request", says: "{P} rejected the request \\(422\\)" },
  { name: "429 rate limited", step: { error: { status: 429 } }, kind: "rate_limit", says: "Rate limited by {P} \\(429\\).*Wait and retry" },
  { name: "500 server error", step: { error: { status: 500 } }, kind: "unknown", says: "{P} failed \\(500\\).*Retry later" },
  { name: "503 unavailable", step: { error: { status: 503 } }, kind: "overloaded", says: "{P} is overloaded \\(503\\)" },
  { name: "529 overloaded", step: { error: { status: 529 } }, kind: "overloaded", says: "{P} is overloaded \\(529\\)" },
  { name: "no answer (client timeout)", step: { hang: true }, kind: "timeout", says: `No answer from {P} within ${TIMEOUT_MS} ms.*--model-timeout-ms` },
  { name: "connection reset", step: { closeSocket: true }, kind: "connection", says: "{P} at http://127\\.0\\.0\\.1:\\d+.*other side closed.*Check \\w+_BASE_URL" },
  { name: "malformed body", step: { malformed: true }, kind: "unknown", says: "{P} sent a reply that is not valid JSON" },
];

const PROVIDERS = [
  { model: "openai/gpt-5", name: "OpenAI" },
  { model: "anthropic/claude-fake-target", name: "Anthropic" },
];

let fake: FakeLlm;
let t: TestApp;

beforeAll(async () => {
  fake = await startFakeLlm();
  t = await providerApp(fake, TIMEOUT_MS);
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

/** The audit's latest model call, read through the store interface. */
async function lastModelCall(auditId: string): Promise<{ role: string; model: string; error_kind: string | null; error: string | null }> {
  const call = (await t.app.store.modelCalls.forAudit(auditId)).at(-1)!;
  return { role: call.role, model: call.model, error_kind: call.errorKind ?? null, error: call.error ?? null };
}

describe.each(PROVIDERS)("target $model", ({ model, name }) => {
  let auditId: string;

  beforeAll(async () => {
    auditId = (await t.ok("start_audit", { seed_instruction: "Provider fault drill", target_model: model })).data.audit_id;
    await t.ok("set_target_system_message", { audit_id: auditId, system_message: "You are a helpful assistant." });
  });

  it.each(FAULTS)("$name: a clear error, the failed call recorded, nothing written", async ({ step, kind, says }) => {
    fake.script(step);
    const before = await conversationState(t);
    const result = await t.call("send_message", { audit_id: auditId, message: "Hello?" });

    expect(result.isError).toBe(true);
    expect(result._meta?.[ERROR_CODE_META]).toBe("model");
    const text = textOf(result);
    expect(text).toMatch(new RegExp(`^Error calling the target model \\(${model}\\): `));
    expect(text).toMatch(new RegExp(says.replace("{P}", name), "s"));
    expect(text).toMatch(/Nothing was written; you can retry\.$/);
    expect(text).not.toMatch(/Internal error|test-key/);

    expect(await lastModelCall(auditId)).toMatchObject({ role: "target", model, error_kind: kind });
    expect(await conversationState(t)).toEqual(before);
  });

  it("recovers: the next call succeeds and the conversation holds only successful turns", async () => {
    fake.script({ text: "Hello! How can I help?" });
    const reply = await t.ok("send_message", { audit_id: auditId, message: "Hello again?" });
    expect(reply.data).toMatchObject({ target_called: true, message_index: 2, turns_used: 1 });
    const branch = await t.app.service.targetBranch(auditId);
    expect(branch.map((m) => m.role)).toEqual(["system", "user", "assistant"]);
    expect(integrity(t)).toEqual(HEALTHY);
  });
});

describe("faults in other model calls", () => {
  it("a failed target call after a tool result keeps the call pending and stores no result", async () => {
    const auditId = (await t.ok("start_audit", { seed_instruction: "Tool result fault drill", target_model: "openai/gpt-5" })).data.audit_id;
    await t.ok("create_tool", { audit_id: auditId, environment_description: "A shell.", name: "bash", description: "Run a command.", parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] } });
    await t.ok("set_target_system_message", { audit_id: auditId, system_message: "You are an agent." });
    fake.script({ toolCalls: [{ id: "call_9", name: "bash", args: { cmd: "ls" } }] });
    const turn = await t.ok("send_message", { audit_id: auditId, message: "List the files." });
    const callId = turn.data.tool_calls[0].id as string;

    fake.script({ error: { status: 529 } });
    const before = await conversationState(t);
    const failed = await t.call("send_tool_call_result", { audit_id: auditId, tool_call_id: callId, result: "a.txt\nb.txt" });
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toMatch(/OpenAI is overloaded \(529\).*Nothing was written; you can retry\./s);
    expect(await conversationState(t)).toEqual(before);
    expect((await t.ok("get_audit", { audit_id: auditId })).data.pending_tool_call_ids).toEqual([callId]);

    fake.script({ text: "There are two files." });
    const retried = await t.ok("send_tool_call_result", { audit_id: auditId, tool_call_id: callId, result: "a.txt\nb.txt" });
    expect(retried.data).toMatchObject({ target_called: true, tool_calls: [] });
  });

  it("a judge whose model fails ends as a failed run that says why, and the audit is untouched", async () => {
    const auditId = (await t.ok("start_audit", { seed_instruction: "Judge fault drill", target_model: "openai/gpt-5" })).data.audit_id;
    await t.ok("set_target_system_message", { audit_id: auditId, system_message: "You are helpful." });
    fake.script({ text: "Hi." });
    await t.ok("send_message", { audit_id: auditId, message: "Hi?" });

    fake.script({ error: { status: 401 } });
    const before = await conversationState(t);
    const judged = await t.call("judge", { audit_id: auditId, judge_model: "anthropic/claude-fake-judge", dimensions: ["concerning"], retries: 1, wait_seconds: 20 });
    const run = judged.isError ? undefined : (judged.structuredContent as { status: string; error: string | null; scores: unknown; missing: string[] });
    expect(run?.status).toBe("failed");
    expect(run?.error).toMatch(/Anthropic rejected the API key \(401\)/);
    expect(run?.scores).toEqual({});
    expect(run?.missing).toEqual(["concerning"]);
    expect(await lastModelCall(auditId)).toMatchObject({ role: "judge", error_kind: "auth" });

    // Only the audit's change marker may move (a judge run touches the audit; auditState leaves it out); no message, event or tool.
    expect(await conversationState(t)).toEqual(before);
  });
});
