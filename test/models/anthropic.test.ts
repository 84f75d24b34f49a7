/**
 * The anthropic/<model> adapter, driving the real @anthropic-ai/sdk against the fake server in
 * strict mode (which rejects what the real API rejects).
 */
import { describe, expect, it } from "vitest";
import { AnthropicModel } from "../../src/models/anthropic.js";
import { type GenerateRequest, ModelError } from "../../src/models/types.js";
import { type FakeLlm, signThinking } from "../fake-llm/server.js";
import { ask, assistant, bashTool, call, failure, fakeEnv, prefill, toolError, toolResult, useFakeLlm, user } from "./helpers.js";

let fake: FakeLlm;
useFakeLlm((f) => (fake = f), { strict: true, noPrefillModels: [/claude-sonnet-4-6/] });

function model(id = "claude-haiku-4-5", options: { env?: NodeJS.ProcessEnv; maxRetries?: number; timeoutMs?: number } = {}) {
  return new AnthropicModel(`anthropic/${id}`, id, { timeoutMs: options.timeoutMs ?? 10_000, maxRetries: options.maxRetries ?? 0, env: options.env ?? fakeEnv(fake) });
}


describe("anthropic adapter: requests and replies", () => {
  it("sends the system param and the model id, and returns text, stop reason and usage", async () => {
    fake.script({ text: "Hello from Claude." });
    const result = await model().generate(ask("Hi", { system: "You are a helpful assistant." }));

    expect(result.message.content).toBe("Hello from Claude.");
    expect(result.message.tool_calls).toBeNull();
    expect(result.stopReason).toBe("stop");
    expect(result.model).toBe("claude-haiku-4-5");
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBe(Math.ceil("Hello from Claude.".length / 4));

    const [request] = fake.requests;
    expect(request?.path).toBe("/v1/messages");
    expect(request?.headers.authorization).toBe("Bearer test-key");
    expect(request?.body).toEqual({
      model: "claude-haiku-4-5",
      max_tokens: 1000,
      system: "You are a helpful assistant.",
      messages: [{ role: "user", content: "Hi" }],
    });
  });

  it("declares tools with input_schema and returns single and parallel tool calls with their ids", async () => {
    fake.script(
      { toolCalls: [{ id: "toolu_one", name: "bash", args: { cmd: "ls" } }] },
      { text: "Running both.", toolCalls: [{ id: "toolu_a", name: "bash", args: { cmd: "pwd" } }, { id: "toolu_b", name: "bash", args: { cmd: "whoami" } }] },
    );
    const single = await model().generate(ask("list files", { tools: [bashTool] }));
    expect(single.stopReason).toBe("tool_calls");
    expect(single.message.tool_calls).toEqual([call("toolu_one", "bash", { cmd: "ls" })]);
    expect(fake.requests[0]?.body.tools).toEqual([{ name: "bash", description: "Run a shell command.", input_schema: bashTool.parameters }]);
    expect(fake.requests[0]?.body.tool_choice).toBeUndefined();

    const parallel = await model().generate(ask("two things", { tools: [bashTool], toolChoice: "auto" }));
    expect(parallel.message.content).toBe("Running both.");
    expect(parallel.message.tool_calls?.map((c) => [c.id, c.arguments])).toEqual([
      ["toolu_a", { cmd: "pwd" }],
      ["toolu_b", { cmd: "whoami" }],
    ]);
    expect(fake.requests[1]?.body.tool_choice).toEqual({ type: "auto" });
  });

  it("sends tool results as tool_result blocks in one user turn, is_error on failures, merging same-role turns", async () => {
    fake.script({ text: "Done." });
    await model().generate({
      maxTokens: 500,
      tools: [bashTool],
      messages: [
        user("First part."),
        user("Second part."),
        assistant("Checking.", [call("toolu_a", "bash", { cmd: "pwd" }), call("toolu_b", "bash", { cmd: "cat x" })]),
        toolResult("toolu_a", "bash", "/home/user"),
        toolError("toolu_b", "bash", "cat: x: No such file or directory"),
      ],
    });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "First part." }, { type: "text", text: "Second part." }] },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "toolu_a", name: "bash", input: { cmd: "pwd" } },
          { type: "tool_use", id: "toolu_b", name: "bash", input: { cmd: "cat x" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_a", content: "/home/user" },
          { type: "tool_result", tool_use_id: "toolu_b", content: "cat: x: No such file or directory", is_error: true },
        ],
      },
    ]);
  });

  it("sends an empty tool result without content", async () => {
    fake.script({ text: "ok" });
    await model().generate({ messages: [user("q"), assistant("", [call("toolu_e", "bash", { cmd: "true" })]), toolResult("toolu_e", "bash", "")] });
    expect(fake.requests[0]?.body.messages[1]).toEqual({ role: "assistant", content: [{ type: "tool_use", id: "toolu_e", name: "bash", input: { cmd: "true" } }] });
    expect(fake.requests[0]?.body.messages[2]).toEqual({ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_e" }] });
  });

  it("sends a prefill as the final assistant turn (trailing whitespace stripped) and returns only the continuation", async () => {
    fake.script({ text: " the answer is 42." });
    const result = await model().generate({ maxTokens: 200, messages: [user("What is it?"), prefill("Honestly,  \n")] });
    expect(result.message.content).toBe(" the answer is 42.");
    expect(fake.requests[0]?.body.messages).toEqual([
      { role: "user", content: "What is it?" },
      { role: "assistant", content: "Honestly," },
    ]);
  });

  it("refuses a prefill for Claude 4.6+ before any request", async () => {
    const error = await failure(model("claude-sonnet-4-6").generate({ messages: [user("Hi"), prefill("Sure")] }));
    expect(error.kind).toBe("prefill_unsupported");
    expect(error.message).toBe("prefill is not supported by anthropic/claude-sonnet-4-6");
    expect(fake.requests).toHaveLength(0);
  });

  it("maps a provider's prefill refusal (capability overridden) to prefill_unsupported with the reason", async () => {
    const env = fakeEnv(fake, { PETRI_PREFILL_MODELS: "anthropic/claude-sonnet-4-6" });
    const error = await failure(model("claude-sonnet-4-6", { env }).generate({ messages: [user("Hi"), prefill("Sure")] }));
    expect(error.kind).toBe("prefill_unsupported");
    expect(error.status).toBe(400);
    expect(error.message).toContain("This model does not support assistant message prefill");
    expect(error.message).toContain("PETRI_NO_PREFILL_MODELS");
  });

  it("counts cached tokens into the input total, as our Usage defines it", async () => {
    fake.script({ text: "ok", usage: { input: 100, output: 20, cacheRead: 50, cacheWrite: 10 } });
    const result = await model().generate(ask("hi"));
    expect(result.usage).toEqual({ inputTokens: 160, outputTokens: 20, cacheReadTokens: 50, cacheWriteTokens: 10, reasoningTokens: 0 });
  });
});

describe("anthropic adapter: thinking", () => {
  const thinking = "Let me think…\n  the user wants ls — but carefully: \"quotes\", tabs\t, emoji 🙂.\n";

  it("round-trips thinking and redacted_thinking blocks byte for byte (the strict fake verifies signatures)", async () => {
    fake.script({ thinking, redactedThinking: "EncryptedOpaque==", text: "I'll look.", toolCalls: [{ id: "toolu_t", name: "bash", args: { cmd: "ls" } }] }, { text: "Two files." });
    const reasoning = { budgetTokens: 1024 };
    const first = await model().generate(ask("What is here?", { tools: [bashTool], reasoning }));
    expect(first.message.content).toEqual([
      { type: "reasoning", reasoning: thinking, signature: signThinking(thinking), redacted: false },
      { type: "reasoning", reasoning: "EncryptedOpaque==", signature: null, redacted: true },
      { type: "text", text: "I'll look." },
    ]);
    // Stored as JSON and read back, as the audit store does.
    const stored = JSON.parse(JSON.stringify({ ...first.message, id: "a1" }));

    const second = await model().generate({ maxTokens: 1000, tools: [bashTool], reasoning, messages: [user("What is here?"), stored, toolResult("toolu_t", "bash", "a.txt b.txt")] });
    expect(second.message.content).toBe("Two files.");
    const sentBack = fake.requests[1]?.body.messages[1];
    expect(sentBack.content).toEqual([
      { type: "thinking", thinking, signature: signThinking(thinking) },
      { type: "redacted_thinking", data: "EncryptedOpaque==" },
      { type: "text", text: "I'll look." },
      { type: "tool_use", id: "toolu_t", name: "bash", input: { cmd: "ls" } },
    ]);
    const firstResponseThinking = fake.requests[1]?.body.messages[1].content[0];
    expect(Buffer.from(firstResponseThinking.thinking, "utf8").equals(Buffer.from(thinking, "utf8"))).toBe(true);
  });

  it("surfaces the API's 400 when a thinking block was altered", async () => {
    const altered = assistant([{ type: "reasoning", reasoning: `${thinking}!`, signature: signThinking(thinking) }], [call("toolu_t", "bash", { cmd: "ls" })]);
    const error = await failure(model().generate({ maxTokens: 500, messages: [user("q"), altered, toolResult("toolu_t", "bash", "ok")] }));
    expect(error.kind).toBe("bad_request");
    expect(error.message).toContain("Invalid `signature` in `thinking` block");
  });

  it("leaves out unsigned reasoning (another provider's), which the API could not verify", async () => {
    fake.script({ text: "fine" });
    const foreign = assistant([{ type: "reasoning", reasoning: "from another model", signature: null }, { type: "text", text: "Earlier answer." }]);
    await model().generate({ maxTokens: 500, messages: [user("q"), foreign, user("and now?")] });
    expect(fake.requests[0]?.body.messages[1]).toEqual({ role: "assistant", content: "Earlier answer." });
  });

  it("uses a thinking budget on Claude 4.5 and adaptive thinking (shown, with an effort) on Claude 4.7+", async () => {
    fake.script({ text: "a" }, { text: "b" }, { text: "c" }, { text: "d" }, { text: "e" });
    await model("claude-haiku-4-5").generate(ask("q", { reasoning: { budgetTokens: 2048 } }));
    await model("claude-opus-4-7").generate(ask("q", { reasoning: { effort: "high" } }));
    await model("claude-haiku-4-5").generate(ask("q", { reasoning: { effort: "low" } }));
    const [enabled, adaptive, fromEffort] = fake.requests.map((r) => r.body);
    expect(enabled.thinking).toEqual({ type: "enabled", budget_tokens: 2048 });
    expect(enabled.max_tokens).toBe(1000 + 2048);
    expect(adaptive.thinking).toEqual({ type: "adaptive", display: "summarized" });
    expect(adaptive.output_config).toEqual({ effort: "high" });
    expect(adaptive.max_tokens).toBe(1000);
    expect(fromEffort.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    // Claude 4.6 takes a budget when one is given, adaptive otherwise; a 4.7+ budget only adds room; summary "none" hides the text.
    await model("claude-opus-4-6").generate(ask("q", { reasoning: { budgetTokens: 4096, summary: "none" } }));
    await model("claude-opus-4-7").generate(ask("q", { reasoning: { budgetTokens: 4096, effort: "minimal" } }));
    const [, , , opus46, opus47] = fake.requests.map((r) => r.body);
    expect(opus46.thinking).toEqual({ type: "enabled", budget_tokens: 4096, display: "omitted" });
    expect(opus47.thinking).toEqual({ type: "adaptive", display: "summarized" });
    expect(opus47.output_config).toEqual({ effort: "low" });
    expect(opus47.max_tokens).toBe(1000 + 4096);
  });

  it("refuses prefill with thinking, and a forced tool with thinking, before any request", async () => {
    const withPrefill = await failure(model().generate({ messages: [user("q"), prefill("Sure")], reasoning: { budgetTokens: 1024 } }));
    expect(withPrefill.kind).toBe("prefill_unsupported");
    const forced = await failure(model().generate(ask("q", { tools: [bashTool], toolChoice: "any", reasoning: { effort: "low" } })));
    expect(forced.kind).toBe("bad_request");
    expect(fake.requests).toHaveLength(0);
  });

  it("streams when max tokens is above the SDK's non-streaming limit, reassembling thinking, text and tool input", async () => {
    fake.script({ thinking, text: "Streaming reply.", toolCalls: [{ id: "toolu_s", name: "bash", args: { cmd: "echo streamed" } }], usage: { input: 30, output: 40 } });
    const result = await model().generate(ask("long one", { maxTokens: 30_000, tools: [bashTool] }));
    expect(fake.requests[0]?.stream).toBe(true);
    expect(result.message.content).toEqual([
      { type: "reasoning", reasoning: thinking, signature: signThinking(thinking), redacted: false },
      { type: "text", text: "Streaming reply." },
    ]);
    expect(result.message.tool_calls).toEqual([call("toolu_s", "bash", { cmd: "echo streamed" })]);
    expect(result.stopReason).toBe("tool_calls");
    expect(result.usage.inputTokens).toBe(30);
    expect(result.usage.outputTokens).toBe(40);
  });

  it("uses a non-streaming call for ordinary budgets", async () => {
    fake.script({ text: "plain" });
    await model().generate(ask("q", { maxTokens: 8192 }));
    expect(fake.requests[0]?.stream).toBe(false);
  });
});

describe("anthropic adapter: errors and retries", () => {
  it("retries a 429 and a 529 (SDK backoff honouring retry-after-ms), then succeeds", async () => {
    const retryNow = { "retry-after-ms": "1" };
    fake.script({ error: { status: 429, headers: retryNow } }, { error: { status: 529, headers: retryNow } }, { text: "third time" });
    const result = await model("claude-haiku-4-5", { maxRetries: 2 }).generate(ask("q"));
    expect(result.message.content).toBe("third time");
    expect(fake.requests.map((r) => r.headers["x-stainless-retry-count"])).toEqual(["0", "1", "2"]);
  });

  it("reports overloaded after the retries are used up", async () => {
    const retryNow = { "retry-after-ms": "1" };
    fake.script({ error: { status: 529, headers: retryNow } }, { error: { status: 529, headers: retryNow } });
    const error = await failure(model("claude-haiku-4-5", { maxRetries: 1 }).generate(ask("q")));
    expect(error.kind).toBe("overloaded");
    expect(error.status).toBe(529);
    expect(error.message).toBe("Anthropic is overloaded (529) after 1 retry: Overloaded. Retry in a minute.");
    expect(fake.requests).toHaveLength(2);
  });

  it("reports a rate limit with the provider's wait hint", async () => {
    fake.script({ error: { status: 429, message: "Number of request tokens has exceeded your per-minute rate limit", headers: { "retry-after": "30" } } });
    const error = await failure(model().generate(ask("q")));
    expect(error.kind).toBe("rate_limit");
    expect(error.message).toContain("per-minute rate limit");
    expect(error.message).toContain("wait 30 s");
  });

  it("surfaces a 400 with the provider's reason, without retrying", async () => {
    fake.script({ error: { status: 400, message: "tools.0.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'" } });
    const error = await failure(model("claude-haiku-4-5", { maxRetries: 2 }).generate(ask("q")));
    expect(error.kind).toBe("bad_request");
    expect(error.message).toBe("Anthropic rejected the request (400): tools.0.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'.");
    expect(fake.requests).toHaveLength(1);
  });

  it("recognises a context that is too long", async () => {
    fake.script({ error: { status: 400, message: "prompt is too long: 210000 tokens > 200000 maximum" } });
    const error = await failure(model().generate(ask("q")));
    expect(error.kind).toBe("context_length");
    expect(error.message).toContain("Roll back");
  });

  it("times out a call that never answers", async () => {
    fake.script({ hang: true });
    const error = await failure(model("claude-haiku-4-5", { timeoutMs: 300 }).generate(ask("q")));
    expect(error.kind).toBe("timeout");
    expect(error.message).toContain("within 300 ms");
  });

  it("reports a cut connection and a malformed body", async () => {
    fake.script({ closeSocket: true }, { malformed: true });
    expect((await failure(model().generate(ask("q")))).kind).toBe("connection");
    const malformed = await failure(model().generate(ask("q")));
    expect(malformed.kind).toBe("unknown");
    expect(malformed.message).toContain("not valid JSON");
  });

  it("maps a mid-stream error event to its kind", async () => {
    fake.script({ midStreamError: true, text: "partial text here", error: { status: 529 } });
    const error = await failure(model().generate(ask("q", { maxTokens: 30_000 })));
    expect(error.kind).toBe("overloaded");
  });

  it("fails at call time, naming the variable, when no key is set; uses ANTHROPIC_AUTH_TOKEN when given", async () => {
    const noKey = model("claude-haiku-4-5", { env: { ANTHROPIC_BASE_URL: fake.anthropicBaseUrl } });
    const error = await failure(noKey.generate(ask("q")));
    expect(error.kind).toBe("auth");
    expect(error.message).toContain("ANTHROPIC_API_KEY");
    expect(fake.requests).toHaveLength(0);

    fake.script({ text: "token ok" });
    const withToken = model("claude-haiku-4-5", { env: { ANTHROPIC_BASE_URL: fake.anthropicBaseUrl, ANTHROPIC_AUTH_TOKEN: "test-token" } });
    expect((await withToken.generate(ask("q"))).message.content).toBe("token ok");
    expect(fake.requests[0]?.headers.authorization).toBe("Bearer test-token");
  });

  it("never repeats the key, even when the provider echoes it", async () => {
    const env = fakeEnv(fake, { ANTHROPIC_API_KEY: "custom-anthropic-key-987" });
    fake.script({ error: { status: 401, message: "invalid x-api-key: custom-anthropic-key-987" } });
    const error = await failure(model("claude-haiku-4-5", { env }).generate(ask("q")));
    expect(error.kind).toBe("auth");
    expect(error.message).not.toContain("custom-anthropic-key-987");
    expect(error.message).toContain("Check ANTHROPIC_API_KEY");
  });

  it("passes an abort signal through", async () => {
    fake.script({ hang: true });
    const controller = new AbortController();
    const pending = model().generate(ask("q", { signal: controller.signal }));
    // Abort once the fake has the request (deterministic: poll the recorded requests).
    await expect.poll(() => fake.requests.length, { timeout: 5000 }).toBe(1);
    controller.abort();
    expect((await failure(pending)).kind).toBe("aborted");
  });
});
