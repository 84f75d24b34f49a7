/**
 * The openai/<model> and openai-api/<name>/<model> adapters, driving the real `openai` SDK against
 * the fake server in strict mode.
 */
import { describe, expect, it } from "vitest";
import { OpenAIChatModel } from "../../src/models/openai.js";
import { parseModelName } from "../../src/models/registry.js";
import { type GenerateRequest, ModelError } from "../../src/models/types.js";
import { type FakeLlm, startFakeLlm } from "../fake-llm/server.js";
import { ask, assistant, bashTool, call, failure, fakeEnv, prefill, toolError, toolResult, useFakeLlm, user } from "./helpers.js";

let fake: FakeLlm;
useFakeLlm((f) => (fake = f));

function model(name = "openai/gpt-4.1", options: { env?: NodeJS.ProcessEnv; maxRetries?: number; timeoutMs?: number } = {}) {
  return new OpenAIChatModel(name, parseModelName(name), { timeoutMs: options.timeoutMs ?? 10_000, maxRetries: options.maxRetries ?? 0, env: options.env ?? fakeEnv(fake) });
}

/** An env for `openai-api/vllm/...` at the fake, with an optional prefill strategy. */
function vllmEnv(prefillStrategy?: string): NodeJS.ProcessEnv {
  return { VLLM_BASE_URL: fake.openaiBaseUrl, VLLM_API_KEY: "test-vllm-key", ...(prefillStrategy ? { VLLM_PREFILL: prefillStrategy } : {}) };
}


describe("openai adapter: requests and replies", () => {
  it("sends the system text as the first message and max_completion_tokens; returns text, stop reason and usage", async () => {
    fake.script({ text: "Hello from GPT." });
    const result = await model().generate(ask("Hi", { system: "You are helpful." }));
    expect(result.message.content).toBe("Hello from GPT.");
    expect(result.message.tool_calls).toBeNull();
    expect(result.stopReason).toBe("stop");
    expect(result.model).toBe("gpt-4.1");
    const [request] = fake.requests;
    expect(request?.path).toBe("/v1/chat/completions");
    expect(request?.headers.authorization).toBe("Bearer test-key");
    expect(request?.body).toEqual({
      model: "gpt-4.1",
      max_completion_tokens: 1000,
      messages: [
        { role: "system", content: "You are helpful." },
        { role: "user", content: "Hi" },
      ],
    });
  });

  it("declares function tools and returns single and parallel tool calls with parsed arguments", async () => {
    fake.script(
      { toolCalls: [{ id: "call_one", name: "bash", args: { cmd: "ls" } }] },
      { toolCalls: [{ id: "call_a", name: "bash", args: { cmd: "pwd" } }, { id: "call_b", name: "bash", args: { cmd: "id" } }] },
    );
    const single = await model().generate(ask("list", { tools: [bashTool], toolChoice: "any" }));
    expect(single.stopReason).toBe("tool_calls");
    expect(single.message.tool_calls).toEqual([call("call_one", "bash", { cmd: "ls" })]);
    expect(fake.requests[0]?.body.tools).toEqual([{ type: "function", function: { name: "bash", description: "Run a shell command.", parameters: bashTool.parameters } }]);
    expect(fake.requests[0]?.body.tool_choice).toBe("required");

    const parallel = await model().generate(ask("two", { tools: [bashTool], toolChoice: { name: "bash" } }));
    expect(parallel.message.tool_calls?.map((c) => c.id)).toEqual(["call_a", "call_b"]);
    expect(fake.requests[1]?.body.tool_choice).toEqual({ type: "function", function: { name: "bash" } });
  });

  it("parses tool arguments defensively: invalid JSON or a non-object gives {} and a parse_error", async () => {
    fake.script({ toolCalls: [{ id: "call_bad", name: "bash", args: '{"cmd": "ls' }, { id: "call_list", name: "bash", args: "[1, 2]" }] });
    const result = await model().generate(ask("q", { tools: [bashTool] }));
    const [bad, list] = result.message.tool_calls ?? [];
    expect(bad?.arguments).toEqual({});
    expect(bad?.parse_error).toContain('{"cmd": "ls');
    expect(list?.arguments).toEqual({});
    expect(list?.parse_error).toContain("not a JSON object");
  });

  it("sends tool results as tool messages (errors say so in the text) and arguments as JSON strings", async () => {
    fake.script({ text: "Done." });
    await model().generate({
      tools: [bashTool],
      messages: [
        user("Go."),
        assistant("", [call("call_a", "bash", { cmd: "pwd" }), call("call_b", "bash", { cmd: "cat x" })]),
        toolResult("call_a", "bash", "/home/user"),
        toolError("call_b", "bash", "cat: x: No such file"),
      ],
    });
    expect(fake.requests[0]?.body.messages).toEqual([
      { role: "user", content: "Go." },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "call_a", type: "function", function: { name: "bash", arguments: '{"cmd":"pwd"}' } },
          { id: "call_b", type: "function", function: { name: "bash", arguments: '{"cmd":"cat x"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_a", content: "/home/user" },
      { role: "tool", tool_call_id: "call_b", content: "Error: cat: x: No such file" },
    ]);
  });

  it("refuses a prefill for openai/* before any request", async () => {
    const error = await failure(model().generate({ messages: [user("Hi"), prefill("Sure")] }));
    expect(error.kind).toBe("prefill_unsupported");
    expect(error.message).toBe("prefill is not supported by openai/gpt-4.1");
    expect(fake.requests).toHaveLength(0);
  });

  it("maps reasoning settings to reasoning_effort and reads cached and reasoning tokens", async () => {
    fake.script({ text: "ok", thinking: "hidden", usage: { input: 80, output: 30, cacheRead: 20 } }, { text: "ok" });
    const result = await model().generate(ask("q", { reasoning: { effort: "high" } }));
    expect(fake.requests[0]?.body.reasoning_effort).toBe("high");
    expect(result.usage).toEqual({ inputTokens: 100, outputTokens: 30, cacheReadTokens: 20, cacheWriteTokens: 0, reasoningTokens: 2 });
    await model().generate(ask("q", { reasoning: { budgetTokens: 1500 } }));
    expect(fake.requests[1]?.body.reasoning_effort).toBe("low");
  });
});

describe("openai-api adapter (OpenAI-compatible servers)", () => {
  it("reads <NAME>_BASE_URL and <NAME>_API_KEY, and sends max_tokens", async () => {
    fake.script({ text: "from vllm" });
    const result = await model("openai-api/vllm/Qwen/Qwen3-8B", { env: vllmEnv() }).generate(ask("q"));
    expect(result.message.content).toBe("from vllm");
    expect(fake.requests[0]?.model).toBe("Qwen/Qwen3-8B");
    expect(fake.requests[0]?.headers.authorization).toBe("Bearer test-vllm-key");
    expect(fake.requests[0]?.body.max_tokens).toBe(1000);
    expect(fake.requests[0]?.body.max_completion_tokens).toBeUndefined();
  });

  it("upper-cases the server name and turns '-' into '_' for its env variables", async () => {
    fake.script({ text: "ok" });
    const env = { MY_SERVER_BASE_URL: fake.openaiBaseUrl, MY_SERVER_API_KEY: "test-key" };
    expect((await model("openai-api/my-server/llama", { env }).generate(ask("q"))).message.content).toBe("ok");
  });

  it("sends a prefill as a trailing assistant message by default", async () => {
    fake.script({ text: " continued." });
    const result = await model("openai-api/llamacpp/model", { env: { LLAMACPP_BASE_URL: fake.openaiBaseUrl, LLAMACPP_API_KEY: "x-key" } }).generate({ messages: [user("q"), prefill("I began")] });
    expect(result.message.content).toBe(" continued.");
    const body = fake.requests[0]?.body;
    expect(body.messages.at(-1)).toEqual({ role: "assistant", content: "I began" });
    expect(body.continue_final_message).toBeUndefined();
  });

  it("adds vLLM's continue_final_message / add_generation_prompt with <NAME>_PREFILL=vllm", async () => {
    fake.script({ text: " continued." });
    await model("openai-api/vllm/Qwen/Qwen3-8B", { env: vllmEnv("vllm") }).generate({ messages: [user("q"), prefill("I began")] });
    const body = fake.requests[0]?.body;
    expect(body.messages.at(-1)).toEqual({ role: "assistant", content: "I began" });
    expect(body.continue_final_message).toBe(true);
    expect(body.add_generation_prompt).toBe(false);
  });

  it("refuses a prefill with <NAME>_PREFILL=none, and an unknown strategy is a configuration error", async () => {
    const error = await failure(model("openai-api/vllm/m", { env: vllmEnv("none") }).generate({ messages: [user("q"), prefill("x")] }));
    expect(error.kind).toBe("prefill_unsupported");
    expect(fake.requests).toHaveLength(0);
    expect(() => model("openai-api/vllm/m", { env: vllmEnv("sometimes") })).toThrow(/VLLM_PREFILL='sometimes' is not a prefill strategy/);
  });

  it("reads reasoning from `reasoning` and from `reasoning_content`", async () => {
    fake.script({ thinking: "step one", text: "answer" }, { thinking: "older field", reasoningField: "reasoning_content", text: "answer 2" });
    const m = model("openai-api/vllm/m", { env: vllmEnv() });
    expect((await m.generate(ask("q"))).message.content).toEqual([
      { type: "reasoning", reasoning: "step one", signature: null, redacted: false },
      { type: "text", text: "answer" },
    ]);
    expect((await m.generate(ask("q"))).message.content).toEqual([
      { type: "reasoning", reasoning: "older field", signature: null, redacted: false },
      { type: "text", text: "answer 2" },
    ]);
  });

  it("names the missing variable when the server's URL or key is not set", async () => {
    const noUrl = await failure(model("openai-api/vllm/m", { env: { VLLM_API_KEY: "k" } }).generate(ask("q")));
    expect(noUrl.kind).toBe("not_configured");
    expect(noUrl.message).toContain("VLLM_BASE_URL");
    const noKey = await failure(model("openai-api/vllm/m", { env: { VLLM_BASE_URL: fake.openaiBaseUrl } }).generate(ask("q")));
    expect(noKey.kind).toBe("auth");
    expect(noKey.message).toContain("VLLM_API_KEY");
    expect(fake.requests).toHaveLength(0);
  });
});

describe("openai adapter: errors and retries", () => {
  it("retries a 429 and a 500, then succeeds", async () => {
    const retryNow = { "retry-after-ms": "1" };
    fake.script({ error: { status: 429, headers: retryNow } }, { error: { status: 500, headers: retryNow } }, { text: "third" });
    const result = await model("openai/gpt-4.1", { maxRetries: 2 }).generate(ask("q"));
    expect(result.message.content).toBe("third");
    expect(fake.requests.map((r) => r.headers["x-stainless-retry-count"])).toEqual(["0", "1", "2"]);
  });

  it("reports a rate limit once the retries are used up", async () => {
    fake.script({ error: { status: 429, headers: { "retry-after-ms": "1" } } }, { error: { status: 429, headers: { "retry-after-ms": "1" } } });
    const error = await failure(model("openai/gpt-4.1", { maxRetries: 1 }).generate(ask("q")));
    expect(error.kind).toBe("rate_limit");
    expect(error.status).toBe(429);
    expect(fake.requests).toHaveLength(2);
  });

  it("surfaces a 400 with the provider's reason", async () => {
    fake.script({ error: { status: 400, message: "Unsupported value: 'temperature' does not support 0.2 with this model." } });
    const error = await failure(model().generate(ask("q", { temperature: 0.2 })));
    expect(fake.requests[0]?.body.temperature).toBe(0.2);
    expect(error.kind).toBe("bad_request");
    expect(error.message).toBe("OpenAI rejected the request (400): Unsupported value: 'temperature' does not support 0.2 with this model.");
  });

  it("recognises a context that is too long", async () => {
    fake.script({ error: { status: 400, message: "This model's maximum context length is 128000 tokens." } });
    expect((await failure(model().generate(ask("q")))).kind).toBe("context_length");
  });

  it("times out a call that never answers", async () => {
    fake.script({ hang: true });
    const error = await failure(model("openai/gpt-4.1", { timeoutMs: 300 }).generate(ask("q")));
    expect(error.kind).toBe("timeout");
  });

  it("reports an unreachable server with the variable to check", async () => {
    const closed = await startFakeLlm();
    const url = closed.openaiBaseUrl;
    await closed.close();
    const error = await failure(model("openai/gpt-4.1", { env: { OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: url } }).generate(ask("q")));
    expect(error.kind).toBe("connection");
    expect(error.message).toContain(url);
    expect(error.message).toContain("OPENAI_BASE_URL");
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("fails at call time without OPENAI_API_KEY, and never repeats a key the provider echoes", async () => {
    const noKey = await failure(model("openai/gpt-4.1", { env: { OPENAI_BASE_URL: fake.openaiBaseUrl } }).generate(ask("q")));
    expect(noKey.kind).toBe("auth");
    expect(noKey.message).toContain("OPENAI_API_KEY");

    fake.script({ error: { status: 401, message: "Incorrect API key provided: my-openai-key-123456." } });
    const echoed = await failure(model("openai/gpt-4.1", { env: fakeEnv(fake, { OPENAI_API_KEY: "my-openai-key-123456" }) }).generate(ask("q")));
    expect(echoed.kind).toBe("auth");
    expect(echoed.message).not.toContain("my-openai-key-123456");
  });
});
