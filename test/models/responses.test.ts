/**
 * openai/<reasoning model> through the Responses API (real openai SDK, fake server over HTTP):
 * text, parallel tool calls and results, errors, usage; effort and summary on the wire; the summary
 * back to the auditor as <thinking_summary>; reasoning items (encrypted content) round-tripped
 * exactly; in the Petri export and the judge transcript. Chat Completions models are unchanged.
 */
import { describe, expect, it } from "vitest";
import { encryptReasoning } from "../fake-llm/responses.js";
import { DEFAULT_SIGNATURE_SECRET, type FakeLlm } from "../fake-llm/server.js";
import type { TestApp } from "../helpers.js";
import { expectReasoningRecorded } from "./reasoning-checks.js";
import { bashTool, openBashAudit, setEnv, useFakeLlm, useModelApp } from "./helpers.js";

let fake: FakeLlm;
let app: TestApp;
useFakeLlm((f) => (fake = f));
useModelApp(
  (a) => (app = a),
  () => ({ OPENAI_API_KEY: "test-openai-key", OPENAI_BASE_URL: fake.openaiBaseUrl }),
);
const open = (targetModel: string, targetConfig?: Record<string, unknown>) => openBashAudit(app, targetModel, targetConfig);

describe("openai reasoning models through the Responses API", () => {
  it("effort and summary on the wire, <thinking_summary> to the auditor, reasoning items round-tripped, export and judge", async () => {
    const auditId = await open("openai/gpt-5", { reasoning_effort: "medium", reasoning_summary: "detailed" });
    fake.scriptFor(
      "gpt-5",
      { thinking: "Check both numbers.", toolCalls: [{ id: "call_a", name: "bash", args: { cmd: "uptime" } }, { id: "call_b", name: "bash", args: { cmd: "df" } }] },
      { text: "All good." },
    );
    const first = await app.ok("send_message", { audit_id: auditId, message: "Status?" });
    expect(first.text).toContain("<thinking_summary>\nCheck both numbers.\n</thinking_summary>");
    expect(first.text).toContain("[id: call_b] bash(cmd='df')");
    const body = fake.requests[0]!.body;
    expect(fake.requests[0]!.path).toBe("/v1/responses");
    expect(body).toMatchObject({ model: "gpt-5", instructions: "You are the ops assistant.", store: false, include: ["reasoning.encrypted_content"], reasoning: { effort: "medium", summary: "detailed" }, max_output_tokens: 8192 });
    expect(body.tools[0]).toMatchObject({ type: "function", name: "bash", parameters: bashTool.parameters });
    await app.ok("send_tool_call_result", { audit_id: auditId, tool_call_id: "call_a", result: "up 3 days" });
    const second = await app.ok("send_tool_call_result", { audit_id: auditId, tool_call_id: "call_b", status: "error", result: "permission denied" });
    expect(second.text).toContain("All good.");
    const input = fake.requests[1]!.body.input;
    expect(input.slice(1)).toEqual([
      { type: "reasoning", id: "rs_fake_1", summary: [{ type: "summary_text", text: "Check both numbers." }], encrypted_content: encryptReasoning("rs_fake_1", DEFAULT_SIGNATURE_SECRET) },
      { type: "function_call", call_id: "call_a", name: "bash", arguments: '{"cmd":"uptime"}' },
      { type: "function_call", call_id: "call_b", name: "bash", arguments: '{"cmd":"df"}' },
      { type: "function_call_output", call_id: "call_a", output: "up 3 days" },
      { type: "function_call_output", call_id: "call_b", output: "Error: permission denied" },
    ]);
    await expectReasoningRecorded(app, auditId, '"summary":"Check both numbers."', "<thinking_summary>\nCheck both numbers.\n</thinking_summary>");
  });

  it("summary 'auto' by default; errors mapped; settings a reasoning model cannot take refused before any request", async () => {
    const auditId = await open("openai/o3");
    fake.scriptFor("o3", { error: { status: 429, message: "Slow down." } }, { text: "Hi." });
    expect(await app.fails("send_message", { audit_id: auditId, message: "Hello" })).toMatch(/Rate limited by OpenAI \(429\)/);
    expect((await app.ok("send_message", { audit_id: auditId, message: "Hello" })).text).toContain("Hi.");
    expect(fake.requests[1]!.body.reasoning).toEqual({ summary: "auto" });
    const before = fake.requests.length;
    expect(await app.fails("start_audit", { seed_instruction: "s", target_model: "openai/gpt-5", target_config: { temperature: 0.5 } })).toMatch(/takes no temperature/);
    expect(await app.fails("start_audit", { seed_instruction: "s", target_model: "openai/o3", target_config: { stop_sequences: ["x"] } })).toMatch(/takes no stop_sequences/);
    expect(fake.requests).toHaveLength(before);
  });

  it("the fake streams Responses events as the SDK reads them", async () => {
    const { default: OpenAI } = await import("openai");
    fake.scriptFor("o3", { thinking: "Think.", text: "Streamed." });
    const sdk = new OpenAI({ apiKey: "test-openai-key", baseURL: fake.openaiBaseUrl, maxRetries: 0 });
    const stream = sdk.responses.stream({ model: "o3", input: "Hi", reasoning: { summary: "auto" }, include: ["reasoning.encrypted_content"], store: false });
    const final = await stream.finalResponse();
    expect(final.output.map((item) => item.type)).toEqual(["reasoning", "message"]);
    expect(final.output_text).toBe("Streamed.");
    expect(fake.requests[0]!.stream).toBe(true);
  });

  it("Chat Completions models and openai-api servers stay on Chat Completions, reasoning_effort passed through", async () => {
    const restore = setEnv({ VLLM_BASE_URL: fake.openaiBaseUrl, VLLM_API_KEY: "k" });
    try {
      const auditId = await open("openai-api/vllm/Qwen/Qwen3-8B", { reasoning_effort: "low" });
      fake.scriptFor("Qwen/Qwen3-8B", { thinking: "hmm", reasoningField: "reasoning_content", text: "Hi." });
      expect((await app.ok("send_message", { audit_id: auditId, message: "Hello" })).text).toContain("<thinking>\nhmm\n</thinking>");
      expect(fake.requests[0]!.path).toBe("/v1/chat/completions");
      expect(fake.requests[0]!.body.reasoning_effort).toBe("low");
    } finally {
      restore();
    }
  });
});
