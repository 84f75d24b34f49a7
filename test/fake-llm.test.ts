import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { defaultReplyText, signThinking, startFakeLlm, type FakeLlm } from "./fake-llm/server.js";

type ClientOpts = { maxRetries?: number; timeout?: number; logLevel?: "off" };
const oai = (fake: FakeLlm, opts: ClientOpts = {}) =>
  new OpenAI({ baseURL: fake.openaiBaseUrl, apiKey: "test-key", maxRetries: 0, timeout: 10_000, ...opts });
const ant = (fake: FakeLlm, opts: ClientOpts = {}) =>
  new Anthropic({ baseURL: fake.anthropicBaseUrl, apiKey: "test-key", maxRetries: 0, timeout: 10_000, ...opts });

const user = (content: string) => ({ role: "user" as const, content });

let fake: FakeLlm;
beforeAll(async () => { fake = await startFakeLlm(); });
afterAll(async () => { await fake.close(); });
beforeEach(() => fake.reset());

describe("OpenAI Chat Completions", () => {
  it("returns a text reply with deterministic usage and records the request", async () => {
    fake.script({ text: "Hello there." });
    const res = await oai(fake).chat.completions.create({ model: "gpt-fake", messages: [user("hi")] });
    expect(res.object).toBe("chat.completion");
    expect(res.choices[0]?.message.content).toBe("Hello there.");
    expect(res.choices[0]?.finish_reason).toBe("stop");
    const inChars = JSON.stringify([user("hi")]).length;
    expect(res.usage?.prompt_tokens).toBe(Math.ceil(inChars / 4));
    expect(res.usage?.completion_tokens).toBe(Math.ceil("Hello there.".length / 4));
    const [rec] = fake.requests;
    expect(rec).toMatchObject({ api: "openai", method: "POST", path: "/v1/chat/completions", model: "gpt-fake", stream: false });
    expect(rec?.headers.authorization).toBe("Bearer test-key");
    expect(rec?.body.messages).toEqual([user("hi")]);
  });

  it("gives a deterministic default reply when nothing is scripted", async () => {
    const client = oai(fake);
    const a = await client.chat.completions.create({ model: "m1", messages: [user("x")] });
    const b = await client.chat.completions.create({ model: "m1", messages: [user("x")] });
    expect(a.choices[0]?.message.content).toBe(defaultReplyText("m1"));
    expect(b.choices[0]?.message.content).toBe(a.choices[0]?.message.content);
    expect(b.usage).toEqual(a.usage);
  });

  it("streams text and a final usage chunk", async () => {
    fake.script({ text: "Streaming works fine.", usage: { input: 11, output: 7, cacheRead: 3 } });
    const stream = await oai(fake).chat.completions.create({
      model: "gpt-fake", messages: [user("hi")], stream: true, stream_options: { include_usage: true },
    });
    let text = "";
    let deltas = 0;
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      if (c?.delta.content) { text += c.delta.content; deltas++; }
      if (c?.finish_reason) finish = c.finish_reason;
      if (chunk.choices.length === 0) usage = chunk.usage;
    }
    expect(text).toBe("Streaming works fine.");
    expect(deltas).toBeGreaterThan(1);
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 7, total_tokens: 21, prompt_tokens_details: { cached_tokens: 3 } });
    expect(fake.requests[0]?.stream).toBe(true);
  });

  it("returns parallel tool calls with generated ids and string arguments", async () => {
    fake.script({ toolCalls: [{ name: "search", args: { q: "cats" } }, { id: "call_custom", name: "open", args: { url: "x" } }] });
    const res = await oai(fake).chat.completions.create({ model: "gpt-fake", messages: [user("go")] });
    const msg = res.choices[0]?.message;
    expect(res.choices[0]?.finish_reason).toBe("tool_calls");
    expect(msg?.content).toBeNull();
    expect(msg?.tool_calls).toEqual([
      { id: "call_1", type: "function", function: { name: "search", arguments: '{"q":"cats"}' } },
      { id: "call_custom", type: "function", function: { name: "open", arguments: '{"url":"x"}' } },
    ]);
  });

  it("streams tool-call arguments in fragments that reassemble", async () => {
    const args = { path: "/etc/hosts", lines: [1, 2, 3], recursive: true };
    fake.script({ text: "Let me look.", toolCalls: [{ name: "read_file", args }, { name: "bad", args: '{"oops": ' }] });
    const stream = await oai(fake).chat.completions.create({ model: "gpt-fake", messages: [user("go")], stream: true });
    const calls: Array<{ id?: string; name?: string; args: string; fragments: number }> = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      for (const tc of c?.delta.tool_calls ?? []) {
        const slot = (calls[tc.index] ??= { args: "", fragments: 0 });
        if (tc.id) slot.id = tc.id;
        if (tc.function?.name) slot.name = tc.function.name;
        if (tc.function?.arguments) { slot.args += tc.function.arguments; slot.fragments++; }
      }
      if (c?.finish_reason) finish = c.finish_reason;
    }
    expect(finish).toBe("tool_calls");
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ id: "call_1", name: "read_file" });
    expect(JSON.parse(calls[0]!.args)).toEqual(args);
    expect(calls[0]!.fragments).toBeGreaterThan(1);
    expect(calls[1]).toMatchObject({ id: "call_2", name: "bad", args: '{"oops": ' });
  });

  it("puts thinking in `reasoning` or `reasoning_content`", async () => {
    fake.script({ thinking: "hmm", text: "A" }, { thinking: "hmm2", text: "B", reasoningField: "reasoning_content" });
    const client = oai(fake);
    const a = (await client.chat.completions.create({ model: "m", messages: [user("x")] })).choices[0]?.message as unknown as Record<string, unknown>;
    const b = (await client.chat.completions.create({ model: "m", messages: [user("x")] })).choices[0]?.message as unknown as Record<string, unknown>;
    expect(a.reasoning).toBe("hmm");
    expect(b.reasoning_content).toBe("hmm2");
    expect(b.reasoning).toBeUndefined();
  });

  it("maps a neutral stop reason (max_tokens -> length)", async () => {
    fake.script({ text: "cut", stopReason: "max_tokens" });
    const res = await oai(fake).chat.completions.create({ model: "m", messages: [user("x")] });
    expect(res.choices[0]?.finish_reason).toBe("length");
  });
});

describe("Anthropic Messages", () => {
  it("returns a text reply; accepts Bearer auth and records headers", async () => {
    fake.script({ text: "Hi from Claude.", usage: { input: 5, output: 4, cacheRead: 2, cacheWrite: 1 } });
    const msg = await ant(fake).messages.create({ model: "claude-fake", max_tokens: 100, system: "be nice", messages: [user("hi")] });
    expect(msg.type).toBe("message");
    expect(msg.content).toEqual([{ type: "text", text: "Hi from Claude.", citations: null }]);
    expect(msg.stop_reason).toBe("end_turn");
    expect(msg.usage).toMatchObject({ input_tokens: 5, output_tokens: 4, cache_read_input_tokens: 2, cache_creation_input_tokens: 1 });
    const rec = fake.requestsFor("claude-fake")[0];
    expect(rec?.api).toBe("anthropic");
    expect(rec?.headers.authorization ?? rec?.headers["x-api-key"]).toMatch(/test-key/);
    expect(rec?.headers["anthropic-version"]).toBeTruthy();
    expect(rec?.body.system).toBe("be nice");
  });

  it("renders thinking, redacted thinking, text and parallel tool_use blocks in order", async () => {
    fake.script({
      thinking: "I should search.", redactedThinking: "opaque==", text: "Searching.",
      toolCalls: [{ name: "search", args: { q: "a" } }, { name: "search", args: { q: "b" } }],
    });
    const msg = await ant(fake).messages.create({ model: "claude-fake", max_tokens: 2000, messages: [user("go")] });
    expect(msg.stop_reason).toBe("tool_use");
    expect(msg.content.map((b) => b.type)).toEqual(["thinking", "redacted_thinking", "text", "tool_use", "tool_use"]);
    expect(msg.content[0]).toEqual({ type: "thinking", thinking: "I should search.", signature: signThinking("I should search.") });
    expect(msg.content[1]).toEqual({ type: "redacted_thinking", data: "opaque==" });
    expect(msg.content[3]).toMatchObject({ type: "tool_use", id: "toolu_1", name: "search", input: { q: "a" } });
    expect(msg.content[4]).toMatchObject({ type: "tool_use", id: "toolu_2", name: "search", input: { q: "b" } });
  });

  it("streams; finalMessage() reassembles thinking + signature, text and tool input", async () => {
    const input = { query: "weather in Paris", days: 3 };
    fake.script({ thinking: "Let me think about the weather carefully.", text: "Checking the forecast.", toolCalls: [{ name: "weather", args: input }] });
    const stream = ant(fake).messages.stream({ model: "claude-fake", max_tokens: 2000, messages: [user("weather?")] });
    const events: string[] = [];
    stream.on("streamEvent", (e) => events.push(e.type === "content_block_delta" ? e.delta.type : e.type));
    const msg = await stream.finalMessage();
    expect(msg.content).toHaveLength(3);
    expect(msg.content[0]).toEqual({ type: "thinking", thinking: "Let me think about the weather carefully.", signature: signThinking("Let me think about the weather carefully.") });
    expect(msg.content[1]).toMatchObject({ type: "text", text: "Checking the forecast." });
    expect(msg.content[2]).toMatchObject({ type: "tool_use", id: "toolu_1", name: "weather", input });
    expect(msg.stop_reason).toBe("tool_use");
    expect(msg.usage.output_tokens).toBeGreaterThan(1);
    expect(events[0]).toBe("message_start");
    expect(events.filter((e) => e === "input_json_delta").length).toBeGreaterThan(1);
    expect(events).toContain("signature_delta");
    expect(events.slice(-2)).toEqual(["message_delta", "message_stop"]);
  });

  it("prefill: the reply holds only the continuation", async () => {
    fake.script({ text: " world!" });
    const msg = await ant(fake).messages.create({
      model: "claude-fake", max_tokens: 50, messages: [user("Say hello world"), { role: "assistant", content: "Hello" }],
    });
    expect(msg.content).toEqual([{ type: "text", text: " world!", citations: null }]);
  });

  it("count_tokens and models.list", async () => {
    const client = ant(fake);
    const count = await client.messages.countTokens({ model: "claude-fake", messages: [user("hello")] });
    expect(count.input_tokens).toBe(Math.ceil(JSON.stringify([user("hello")]).length / 4));
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain("fake-model");
    const openaiModels = await oai(fake).models.list();
    expect(openaiModels.data[0]).toMatchObject({ id: "fake-model", object: "model" });
  });
});

describe("errors and transport failures", () => {
  it("429 with retry-after: 0 is retried, then succeeds (both SDKs)", async () => {
    // openai@6 retries at once on `retry-after: 0`; @anthropic-ai/sdk@1.13 treats 0 as "use backoff"
    // (~0.5 s), so the Anthropic half sends `retry-after-ms: 1`, which both SDKs honour.
    fake.script({ error: { status: 429, headers: { "retry-after": "0" } } }, { text: "ok after retry" });
    const res = await oai(fake, { maxRetries: 2 }).chat.completions.create({ model: "m", messages: [user("x")] });
    expect(res.choices[0]?.message.content).toBe("ok after retry");
    expect(fake.requests.map((r) => r.headers["x-stainless-retry-count"])).toEqual(["0", "1"]);

    fake.reset();
    fake.script({ error: { status: 429, headers: { "retry-after-ms": "1" } } }, { text: "ok again" });
    const msg = await ant(fake, { maxRetries: 2 }).messages.create({ model: "c", max_tokens: 10, messages: [user("x")] });
    expect(msg.content[0]).toMatchObject({ text: "ok again" });
    expect(fake.requests.map((r) => r.headers["x-stainless-retry-count"])).toEqual(["0", "1"]);
  });

  it("529 surfaces as OverloadedError when retries are off", async () => {
    fake.script({ error: { status: 529 } });
    const err = await ant(fake).messages.create({ model: "c", max_tokens: 10, messages: [user("x")] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.OverloadedError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
  });

  it("400 surfaces with its message and the wire error shape", async () => {
    fake.script({ error: { status: 400, message: "prompt is too long" } }, { error: { status: 400, message: "bad param here" } });
    const a = await ant(fake).messages.create({ model: "c", max_tokens: 10, messages: [user("x")] }).catch((e: unknown) => e);
    expect(a).toBeInstanceOf(Anthropic.BadRequestError);
    expect((a as Error).message).toContain("prompt is too long");
    const o = await oai(fake).chat.completions.create({ model: "m", messages: [user("x")] }).catch((e: unknown) => e);
    expect(o).toBeInstanceOf(OpenAI.BadRequestError);
    expect((o as Error).message).toContain("bad param here");
    expect((o as InstanceType<typeof OpenAI.APIError>).error).toEqual({ message: "bad param here", type: "invalid_request_error", param: null, code: null });
  });

  it("hang + small client timeout -> timeout error", async () => {
    fake.script({ hang: true }, { hang: true });
    const o = await oai(fake, { timeout: 300 }).chat.completions.create({ model: "m", messages: [user("x")] }).catch((e: unknown) => e);
    expect(o).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    const a = await ant(fake, { timeout: 300 }).messages.create({ model: "c", max_tokens: 10, messages: [user("x")] }).catch((e: unknown) => e);
    expect(a).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
  });

  it("closeSocket -> connection error", async () => {
    fake.script({ closeSocket: true }, { closeSocket: true });
    const o = await oai(fake).chat.completions.create({ model: "m", messages: [user("x")] }).catch((e: unknown) => e);
    expect(o).toBeInstanceOf(OpenAI.APIConnectionError);
    const a = await ant(fake).messages.create({ model: "c", max_tokens: 10, messages: [user("x")] }).catch((e: unknown) => e);
    expect(a).toBeInstanceOf(Anthropic.APIConnectionError);
  });

  it("malformed body -> an error (JSON and streaming)", async () => {
    fake.script({ malformed: true }, { malformed: true });
    await expect(oai(fake).chat.completions.create({ model: "m", messages: [user("x")] })).rejects.toThrow();
    const stream = ant(fake, { logLevel: "off" }).messages.stream({ model: "c", max_tokens: 10, messages: [user("x")] });
    stream.on("error", () => {});
    await expect(stream.finalMessage()).rejects.toThrow();
  });

  it("midStreamError: Anthropic sends an error event, OpenAI cuts the stream", async () => {
    fake.script({ text: "partial answer here", midStreamError: true }, { text: "partial answer here", midStreamError: true });
    const stream = ant(fake).messages.stream({ model: "c", max_tokens: 10, messages: [user("x")] });
    stream.on("error", () => {});
    const err = await stream.finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as Error).message).toContain("overloaded_error");

    const oStream = await oai(fake).chat.completions.create({ model: "m", messages: [user("x")], stream: true });
    let text = "";
    const consume = async () => { for await (const c of oStream) text += c.choices[0]?.delta.content ?? ""; };
    await expect(consume()).rejects.toThrow();
    expect(text).toBe("partial");
  });

  it("unknown routes get a JSON 404", async () => {
    const res = await fetch(`${fake.url}/v1/nope`, { method: "POST", body: "{}" });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { type: "invalid_request_error" } });
  });
});

describe("scripting", () => {
  it("per-model queues are checked first, then the default queue, then the responder", async () => {
    fake.scriptFor("target", { text: "target-1" }, { text: "target-2" });
    fake.script({ text: "default-1" });
    fake.setResponder((req) => ({ text: `responder for ${req.model} #${req.body.messages.length}` }));
    const client = oai(fake);
    const ask = async (model: string) => (await client.chat.completions.create({ model, messages: [user("x")] })).choices[0]?.message.content;
    expect(await ask("judge")).toBe("default-1");
    expect(await ask("target")).toBe("target-1");
    expect(await ask("judge")).toBe("responder for judge #1");
    expect(await ask("target")).toBe("target-2");
    expect(await ask("target")).toBe("responder for target #1");
    expect(fake.requestsFor("target")).toHaveLength(3);
    expect(fake.requests).toHaveLength(5);
    fake.reset();
    expect(fake.requests).toHaveLength(0);
    expect(await ask("target")).toBe(defaultReplyText("target"));
  });

  it("a step renders in either wire format; responders may be queued", async () => {
    fake.script({ text: "same" }, (req) => ({ text: `api=${req.api}` }), { text: "same" });
    const o = await oai(fake).chat.completions.create({ model: "m", messages: [user("x")] });
    const a = await ant(fake).messages.create({ model: "m", max_tokens: 10, messages: [user("x")] });
    const a2 = await ant(fake).messages.create({ model: "m", max_tokens: 10, messages: [user("x")] });
    expect(o.choices[0]?.message.content).toBe("same");
    expect(a.content[0]).toMatchObject({ text: "api=anthropic" });
    expect(a2.content[0]).toMatchObject({ text: "same" });
  });

  it("control endpoints: script, requests, reset", async () => {
    const post = (path: string, body?: unknown) => fetch(`${fake.url}${path}`, { method: "POST", body: JSON.stringify(body ?? {}) });
    expect((await post("/_fake/script", { steps: [{ text: "from control" }] })).status).toBe(200);
    expect((await post("/_fake/script", { model: "m2", steps: [{ text: "m2 control" }] })).status).toBe(200);
    expect((await post("/_fake/script", { steps: "nope" })).status).toBe(400);
    const client = oai(fake);
    const r1 = await client.chat.completions.create({ model: "m2", messages: [user("x")] });
    const r2 = await client.chat.completions.create({ model: "m1", messages: [user("x")] });
    expect(r1.choices[0]?.message.content).toBe("m2 control");
    expect(r2.choices[0]?.message.content).toBe("from control");
    const recorded = (await (await fetch(`${fake.url}/_fake/requests`)).json()) as Array<{ model: string; api: string }>;
    expect(recorded.map((r) => r.model)).toEqual(["m2", "m1"]);
    expect((await post("/_fake/reset")).status).toBe(200);
    expect(fake.requests).toHaveLength(0);
  });
});

describe("strict mode", () => {
  let strict: FakeLlm;
  beforeAll(async () => { strict = await startFakeLlm({ strict: true, noPrefillModels: [/^claude-(opus|sonnet)-4-[6-9]/, /^claude-[a-z]+-5(-|$)/] }); });
  afterAll(async () => { await strict.close(); });
  beforeEach(() => strict.reset());

  const anthropicError = async (params: Record<string, unknown>) => {
    const err = await ant(strict).messages.create({ model: "claude-prefill-ok", max_tokens: 2048, ...params } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    return (err as Error).message;
  };
  const openaiError = async (messages: unknown[]) => {
    const err = await oai(strict).chat.completions.create({ model: "gpt-fake", messages } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    return (err as Error).message;
  };

  it("thinking signature round-trips; a tampered one is rejected with 400", async () => {
    strict.script({ thinking: "I will call the tool.", toolCalls: [{ name: "lookup", args: { id: 1 } }] }, { text: "Done." });
    const client = ant(strict);
    const thinking = { type: "enabled" as const, budget_tokens: 1024 };
    const first = await client.messages.create({ model: "claude-prefill-ok", max_tokens: 2048, thinking, messages: [user("go")] });
    const toolUse = first.content.find((b) => b.type === "tool_use");
    const toolResult = { role: "user" as const, content: [{ type: "tool_result" as const, tool_use_id: toolUse!.type === "tool_use" ? toolUse!.id : "", content: "42" }] };
    const second = await client.messages.create({
      model: "claude-prefill-ok", max_tokens: 2048, thinking,
      messages: [user("go"), { role: "assistant", content: first.content }, toolResult],
    });
    expect(second.content[0]).toMatchObject({ text: "Done." });

    const tampered = first.content.map((b) => (b.type === "thinking" ? { ...b, thinking: b.thinking + " (edited)" } : b));
    const message = await anthropicError({ thinking, messages: [user("go"), { role: "assistant", content: tampered }, toolResult] });
    expect(message).toContain("Invalid `signature` in `thinking` block");
  });

  it("rejects prefill ending in whitespace, on no-prefill models, and with thinking on", async () => {
    expect(await anthropicError({ messages: [user("hi"), { role: "assistant", content: "Sure, " }] }))
      .toContain("final assistant content cannot end with trailing whitespace");
    expect(await anthropicError({ model: "claude-opus-4-7", messages: [user("hi"), { role: "assistant", content: "Sure" }] }))
      .toContain("This model does not support assistant message prefill. The conversation must end with a user message.");
    expect(await anthropicError({ thinking: { type: "enabled", budget_tokens: 1024 }, messages: [user("hi"), { role: "assistant", content: "Sure" }] }))
      .toContain("prefill");
    // A valid prefill on a prefill-capable model is fine.
    strict.script({ text: " thing" });
    const ok = await ant(strict).messages.create({ model: "claude-prefill-ok", max_tokens: 50, messages: [user("hi"), { role: "assistant", content: "Sure" }] });
    expect(ok.content[0]).toMatchObject({ text: " thing" });
  });

  it("enforces tool_use / tool_result pairing and the thinking budget", async () => {
    const assistantToolUse = { role: "assistant", content: [{ type: "tool_use", id: "toolu_a", name: "t", input: {} }, { type: "tool_use", id: "toolu_b", name: "t", input: {} }] };
    expect(await anthropicError({ messages: [user("go"), assistantToolUse, { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_a", content: "x" }] }] }))
      .toContain("`tool_use` ids were found without `tool_result` blocks immediately after: toolu_b");
    expect(await anthropicError({ messages: [user("go"), assistantToolUse, { role: "user", content: [{ type: "text", text: "first" }, { type: "tool_result", tool_use_id: "toolu_a", content: "x" }, { type: "tool_result", tool_use_id: "toolu_b", content: "x" }] }] }))
      .toContain("without `tool_result` blocks immediately after");
    expect(await anthropicError({ messages: [user("go"), { role: "assistant", content: "ok" }, { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_zzz", content: "x" }] }] }))
      .toContain("unexpected `tool_use_id` found in `tool_result` blocks: toolu_zzz");
    expect(await anthropicError({ max_tokens: 1024, thinking: { type: "enabled", budget_tokens: 1024 }, messages: [user("x")] }))
      .toContain("`max_tokens` must be greater than `thinking.budget_tokens`");
    // Unanswered-then-merged turns are fine: consecutive user messages are merged, as the API does.
    const ok = await ant(strict).messages.create({
      model: "claude-prefill-ok", max_tokens: 50,
      messages: [user("go"), assistantToolUse as never,
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_a", content: "x" }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_b", content: "y" }, { type: "text", text: "and more" }] }],
    });
    expect(ok.type).toBe("message");
  });

  it("OpenAI: unanswered tool_calls, orphan tool messages, non-string arguments", async () => {
    const call = (id: string, args: unknown = "{}") => ({ id, type: "function", function: { name: "t", arguments: args } });
    expect(await openaiError([user("go"), { role: "assistant", content: null, tool_calls: [call("call_a"), call("call_b")] }, { role: "tool", tool_call_id: "call_a", content: "x" }]))
      .toContain("The following tool_call_ids did not have response messages: call_b");
    expect(await openaiError([user("go"), { role: "tool", tool_call_id: "call_a", content: "x" }]))
      .toContain("messages with role 'tool' must be a response to a preceeding message with 'tool_calls'");
    expect(await openaiError([user("go"), { role: "assistant", content: null, tool_calls: [call("call_a", { q: 1 })] }, { role: "tool", tool_call_id: "call_a", content: "x" }]))
      .toContain("expected a string, but got an object instead");
    strict.script({ text: "fine" });
    const ok = await oai(strict).chat.completions.create({
      model: "gpt-fake",
      messages: [user("go"), { role: "assistant", content: null, tool_calls: [call("call_a") as never] }, { role: "tool", tool_call_id: "call_a", content: "x" }],
    });
    expect(ok.choices[0]?.message.content).toBe("fine");
  });

  it("a rejected request does not consume a scripted step", async () => {
    strict.script({ text: "kept" });
    await openaiError([user("go"), { role: "tool", tool_call_id: "call_a", content: "x" }]);
    const ok = await oai(strict).chat.completions.create({ model: "gpt-fake", messages: [user("go")] });
    expect(ok.choices[0]?.message.content).toBe("kept");
  });
});

describe("CLI mode", () => {
  it("prints its address as one JSON line, serves requests, exits on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/fake-llm/cli.ts", "--port", "0"], { cwd: process.cwd(), stdio: ["pipe", "pipe", "pipe"] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`cli exited early with ${code}`)));
      });
      const info = JSON.parse(line) as { port: number; url: string; openaiBaseUrl: string; anthropicBaseUrl: string };
      expect(info.url).toBe(`http://127.0.0.1:${info.port}`);
      expect(info.openaiBaseUrl).toBe(`${info.url}/v1`);
      expect(info.anthropicBaseUrl).toBe(info.url);
      await fetch(`${info.url}/_fake/script`, { method: "POST", body: JSON.stringify({ steps: [{ text: "hello from the cli" }] }) });
      const client = new OpenAI({ baseURL: info.openaiBaseUrl, apiKey: "test-key", maxRetries: 0 });
      const res = await client.chat.completions.create({ model: "m", messages: [user("x")] });
      expect(res.choices[0]?.message.content).toBe("hello from the cli");
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });
});
