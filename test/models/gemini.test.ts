/**
 * google/<model> through the real @google/genai SDK and openrouter/<model> through the openai SDK,
 * against the fake server over HTTP: text, parallel tool calls and results, errors, usage and cost,
 * thinking on the wire, back to the auditor as <thinking>, signatures round-tripped, in the export.
 */
import { describe, expect, it } from "vitest";
import { GeminiModel } from "../../src/models/google.js";
import { estimateCostUsd } from "../../src/models/pricing.js";
import { signGeminiPart } from "../fake-llm/gemini.js";
import { DEFAULT_SIGNATURE_SECRET, type FakeLlm } from "../fake-llm/server.js";
import type { TestApp } from "../helpers.js";
import { expectReasoningRecorded } from "./reasoning-checks.js";
import { ask, bashTool, call, failure, openBashAudit, toolError, toolResult, useFakeLlm, useModelApp, user, assistant } from "./helpers.js";

let fake: FakeLlm;
useFakeLlm((f) => (fake = f));

function gemini(model = "gemini-2.5-flash", env: NodeJS.ProcessEnv = { GEMINI_API_KEY: "test-gemini-key", GOOGLE_GEMINI_BASE_URL: fake.geminiBaseUrl }) {
  return new GeminiModel(`google/${model}`, model, { timeoutMs: 10_000, maxRetries: 0, env });
}

describe("google adapter", () => {
  it("text reply with system, settings and usage on the wire", async () => {
    fake.scriptFor("gemini-2.5-flash", { text: "Hello there." });
    const result = await gemini().generate(ask("Hi", { system: "Be brief.", temperature: 0.4, topP: 0.8, stopSequences: ["END"] }));
    expect(result.message.content).toBe("Hello there.");
    expect(result.stopReason).toBe("stop");
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    const request = fake.requests[0]!;
    expect(request.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(request.headers["x-goog-api-key"]).toBe("test-gemini-key");
    expect(request.body.systemInstruction.parts[0].text).toBe("Be brief.");
    expect(request.body.generationConfig).toMatchObject({ maxOutputTokens: 1000, temperature: 0.4, topP: 0.8, stopSequences: ["END"] });
    expect(request.body.generationConfig.thinkingConfig).toBeUndefined();
  });

  it("sends through petri's keep-alive transport (src/models/http-client.ts), not the built-in fetch", async () => {
    fake.scriptFor("gemini-2.5-flash", { text: "ok" });
    await gemini().generate(ask("Hi"));
    // Node's built-in fetch (undici) marks every request with sec-fetch-mode; node:http does not.
    expect(fake.requests[0]!.headers["sec-fetch-mode"]).toBeUndefined();
    expect(fake.requests[0]!.headers["x-goog-api-key"]).toBe("test-gemini-key");
  });

  it("parallel tool calls, then results (one failed) as functionResponse parts", async () => {
    fake.scriptFor("gemini-2.5-flash", {
      toolCalls: [
        { id: "c1", name: "bash", args: { cmd: "ls" } },
        { id: "c2", name: "bash", args: { cmd: "df" } },
      ],
    }, { text: "Done." });
    const first = await gemini().generate(ask("Look around", { tools: [bashTool] }));
    expect(first.stopReason).toBe("tool_calls");
    expect(first.message.tool_calls).toEqual([call("c1", "bash", { cmd: "ls" }), call("c2", "bash", { cmd: "df" })]);
    expect(fake.requests[0]!.body.tools[0].functionDeclarations[0]).toMatchObject({ name: "bash", parametersJsonSchema: bashTool.parameters });
    await gemini().generate(ask("Look around", { tools: [bashTool], messages: [user("Look around"), assistant("", first.message.tool_calls!), toolResult("c1", "bash", "a b"), toolError("c2", "bash", "permission denied")] }));
    const contents = fake.requests[1]!.body.contents;
    expect(contents[2]).toEqual({
      role: "user",
      parts: [
        { functionResponse: { id: "c1", name: "bash", response: { output: "a b" } } },
        { functionResponse: { id: "c2", name: "bash", response: { error: "permission denied" } } },
      ],
    });
  });

  it("maps errors to actionable texts without the key", async () => {
    fake.scriptFor("gemini-2.5-flash", { error: { status: 429, message: "Quota exceeded for test-gemini-key" } });
    const limited = await failure(gemini().generate(ask("Hi")));
    expect(limited.kind).toBe("rate_limit");
    expect(limited.message).toMatch(/Rate limited by Google \(429\)/);
    expect(limited.message).not.toContain("test-gemini-key");
    fake.scriptFor("gemini-2.5-flash", { error: { status: 404, message: "models/nope is not found" } });
    expect((await failure(gemini().generate(ask("Hi")))).message).toMatch(/Check the model name 'google\/gemini-2.5-flash' and GOOGLE_GEMINI_BASE_URL/);
    const noKey = await failure(gemini("gemini-2.5-flash", { GOOGLE_GEMINI_BASE_URL: fake.geminiBaseUrl }).generate(ask("Hi")));
    expect(noKey.message).toMatch(/set GOOGLE_API_KEY \(or GEMINI_API_KEY\)/);
    expect(fake.requests).toHaveLength(2);
  });

  it("thinking: budget or level on the wire; thoughts and signatures come back and go back unchanged", async () => {
    fake.scriptFor("gemini-2.5-pro", { thinking: "Plan the call.", toolCalls: [{ id: "c1", name: "bash", args: { cmd: "uptime" } }] }, { text: "Up 3 days." });
    const model = gemini("gemini-2.5-pro");
    const first = await model.generate(ask("Uptime?", { tools: [bashTool], reasoning: { budgetTokens: 2048 } }));
    expect(fake.requests[0]!.body.generationConfig.thinkingConfig).toEqual({ includeThoughts: true, thinkingBudget: 2048 });
    const signature = signGeminiPart({ functionCall: { name: "bash", args: { cmd: "uptime" } } }, DEFAULT_SIGNATURE_SECRET);
    expect(first.message.content).toEqual([{ type: "reasoning", reasoning: "Plan the call.", signature, redacted: false }]);
    expect(first.usage.reasoningTokens).toBeGreaterThan(0);
    await model.generate(ask("Uptime?", { tools: [bashTool], reasoning: { effort: "low" }, messages: [user("Uptime?"), assistant(first.message.content, first.message.tool_calls!), toolResult("c1", "bash", "3 days")] }));
    const second = fake.requests[1]!.body;
    expect(second.generationConfig.thinkingConfig).toEqual({ includeThoughts: true, thinkingLevel: "LOW" });
    expect(second.contents[1].parts).toEqual([
      { text: "Plan the call.", thought: true },
      { functionCall: { id: "c1", name: "bash", args: { cmd: "uptime" } }, thoughtSignature: signature },
    ]);
  });

  it("the fake streams generateContent as the SDK reads it (streamGenerateContent, SSE)", async () => {
    const { GoogleGenAI } = await import("@google/genai");
    fake.scriptFor("gemini-2.5-flash", { thinking: "Hmm.", text: "Streamed reply.", toolCalls: [{ id: "s1", name: "bash", args: { cmd: "ls" } }] });
    const sdk = new GoogleGenAI({ vertexai: false, apiKey: "test-gemini-key", httpOptions: { baseUrl: fake.geminiBaseUrl } });
    const stream = await sdk.models.generateContentStream({ model: "gemini-2.5-flash", contents: "Hi", config: { thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 } } });
    const parts: unknown[] = [];
    let usage: unknown;
    for await (const chunk of stream) {
      parts.push(...(chunk.candidates?.[0]?.content?.parts ?? []));
      usage = chunk.usageMetadata ?? usage;
    }
    expect(fake.requests[0]!.path).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
    expect(parts).toMatchObject([{ text: "Hmm.", thought: true }, { text: "Streamed reply." }, { functionCall: { id: "s1", name: "bash", args: { cmd: "ls" } } }]);
    expect(usage).toMatchObject({ thoughtsTokenCount: 1 });
  });

  it("prices calls from the catalogue", () => {
    expect(estimateCostUsd("google/gemini-2.5-pro", { inputTokens: 1000, outputTokens: 1000 })).toBeGreaterThan(0);
    expect(estimateCostUsd("openrouter/anthropic/claude-sonnet-4.5", { inputTokens: 1000, outputTokens: 1000 })).toBeGreaterThan(0);
  });
});

describe("google and openrouter through MCP", () => {
  let app: TestApp;
  useModelApp(
    (a) => (app = a),
    () => ({
      GEMINI_API_KEY: "test-gemini-key",
      GOOGLE_API_KEY: undefined,
      GOOGLE_GEMINI_BASE_URL: fake.geminiBaseUrl,
      OPENROUTER_API_KEY: "test-openrouter-key",
      OPENROUTER_BASE_URL: fake.openaiBaseUrl,
    }),
  );
  const open = (targetModel: string, targetConfig?: Record<string, unknown>) => openBashAudit(app, targetModel, targetConfig);

  it("gemini thinking reaches the auditor as <thinking>, is round-tripped, exported and judged; usage and cost recorded", async () => {
    const auditId = await open("google/gemini-2.5-pro", { reasoning_effort: "high" });
    fake.scriptFor("gemini-2.5-pro", { thinking: "Check load first.", toolCalls: [{ id: "g1", name: "bash", args: { cmd: "uptime" } }, { id: "g2", name: "bash", args: { cmd: "free -m" } }] }, { text: "All fine." });
    const first = await app.ok("send_message", { audit_id: auditId, message: "How is the server?" });
    expect(first.text).toContain("<thinking>\nCheck load first.\n</thinking>");
    expect(first.text).toContain("[id: g1] bash(cmd='uptime')");
    expect(fake.requests[0]!.body.generationConfig.thinkingConfig).toEqual({ includeThoughts: true, thinkingLevel: "HIGH" });
    await app.ok("send_tool_call_result", { audit_id: auditId, tool_call_id: "g1", result: "load 0.1" });
    await app.ok("send_tool_call_result", { audit_id: auditId, tool_call_id: "g2", result: "free 2G" });
    // The strict fake refuses a changed or missing signature, so this second reply proves the round trip.
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.body.contents[1].parts[1].thoughtSignature).toBe(signGeminiPart({ functionCall: { name: "bash", args: { cmd: "uptime" } } }, DEFAULT_SIGNATURE_SECRET));
    await expectReasoningRecorded(app, auditId, '"type":"reasoning","reasoning":"Check load first."', "<thinking>\nCheck load first.\n</thinking>");
  });

  it("refuses prefill and settings a Gemini model cannot take before any request", async () => {
    expect(await app.fails("start_audit", { seed_instruction: "s", target_model: "google/gemini-2.0-flash", target_config: { reasoning_tokens: 2048 } })).toMatch(/does not think/);
    const auditId = await open("google/gemini-2.5-flash");
    expect(await app.fails("send_message", { audit_id: auditId, message: "Hi", prefill: "Sure" })).toMatch(/[Pp]refill is not supported/);
    expect(fake.requests).toHaveLength(0);
  });

  it("openrouter/<vendor>/<model>: OpenAI-compatible endpoint, its key, reasoning setting and returned reasoning", async () => {
    const auditId = await open("openrouter/anthropic/claude-sonnet-4.5", { reasoning_tokens: 2048 });
    fake.scriptFor("anthropic/claude-sonnet-4.5", { thinking: "Think.", reasoningField: "reasoning", text: "Hi." });
    const reply = await app.ok("send_message", { audit_id: auditId, message: "Hello" });
    expect(reply.text).toContain("<thinking>\nThink.\n</thinking>");
    const request = fake.requests[0]!;
    expect(request.headers.authorization).toBe("Bearer test-openrouter-key");
    expect(request.body).toMatchObject({ model: "anthropic/claude-sonnet-4.5", reasoning: { max_tokens: 2048 }, max_tokens: 8192 });
    const audit = await app.ok("get_audit", { audit_id: auditId });
    expect(audit.data.usage.find((u: { role: string }) => u.role === "target").cost_usd).toBeGreaterThan(0);
  });
});
