/**
 * The tests Claude on Bedrock and on Vertex share: the real platform SDK against the strict fake
 * server, through the Anthropic adapter's mapping (text, parallel tool calls, tool results, thinking
 * round-tripped over JSON and streaming, usage, errors, prefill).
 */
import { describe, expect, it } from "vitest";
import type { AnthropicModel, AnthropicModelOptions } from "../../src/models/anthropic.js";
import { estimateCostUsd } from "../../src/models/pricing.js";
import { providerFactories } from "../../src/models/providers.js";
import { ModelRegistry } from "../../src/models/registry.js";
import { createTestApp } from "../helpers.js";
import { type FakeLlm, type RecordedRequest, signThinking } from "../fake-llm/server.js";
import { ask, assistant, bashTool, call, failure, prefill, toolError, toolResult, useFakeLlm, user } from "./helpers.js";

export interface PlatformSuite {
  provider: "bedrock" | "vertex";
  /** A current model id (Claude 4.6: no prefill, adaptive thinking) and an older one (4.5: prefill, budgets). */
  currentModel: string;
  olderModel: string;
  make(name: string, model: string, options: AnthropicModelOptions): AnthropicModel;
  env(fake: FakeLlm): NodeJS.ProcessEnv;
  /** Checks the platform's envelope (path, auth, version) of one request. */
  checkEnvelope(request: RecordedRequest, model: string, stream: boolean): void;
  /** The variable an auth error names. */
  keyVariable: string;
  baseUrlVariable: string;
  /** Credential values in env() that must never be stored. */
  secrets: string[];
}

export function claudePlatformSuite(s: PlatformSuite): { fake: () => FakeLlm } {
  let fake: FakeLlm;
  useFakeLlm((f) => (fake = f), { strict: true, noPrefillModels: [/claude-sonnet-4-6/] });

  const model = (id = s.currentModel, env?: NodeJS.ProcessEnv) => s.make(`${s.provider}/${id}`, id, { timeoutMs: 10_000, maxRetries: 0, env: env ?? s.env(fake) });

  describe(`${s.provider}: requests and replies`, () => {
    it("sends the Messages body in the platform's envelope and returns text, stop reason and usage", async () => {
      fake.script({ text: "Hello from Claude." });
      const result = await model().generate(ask("Hi", { system: "Be brief." }));
      expect(result.message.content).toBe("Hello from Claude.");
      expect(result.stopReason).toBe("stop");
      expect(result.model).toBe(s.currentModel);
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.usage.outputTokens).toBe(Math.ceil("Hello from Claude.".length / 4));
      const [request] = fake.requests;
      s.checkEnvelope(request!, s.currentModel, false);
      expect(request!.body).toMatchObject({ max_tokens: 1000, system: "Be brief.", messages: [{ role: "user", content: "Hi" }] });
      expect(request!.body.model).toBeUndefined();
      expect(typeof request!.body.anthropic_version).toBe("string");
      // The catalogue prices this platform's Claude.
      expect(estimateCostUsd(`${s.provider}/${s.currentModel}`, result.usage)).toBeGreaterThan(0);
    });

    it("returns parallel tool calls and sends tool results (is_error on failures) the strict fake accepts", async () => {
      fake.script(
        { text: "Both.", toolCalls: [{ id: "toolu_a", name: "bash", args: { cmd: "pwd" } }, { id: "toolu_b", name: "bash", args: { cmd: "cat x" } }] },
        { text: "Done." },
      );
      const first = await model().generate(ask("two things", { tools: [bashTool] }));
      expect(first.stopReason).toBe("tool_calls");
      expect(first.message.tool_calls).toEqual([call("toolu_a", "bash", { cmd: "pwd" }), call("toolu_b", "bash", { cmd: "cat x" })]);
      expect(fake.requests[0]!.body.tools).toEqual([{ name: "bash", description: "Run a shell command.", input_schema: bashTool.parameters }]);

      const second = await model().generate({
        maxTokens: 500,
        tools: [bashTool],
        messages: [user("two things"), assistant("Both.", first.message.tool_calls!), toolResult("toolu_a", "bash", "/home"), toolError("toolu_b", "bash", "No such file")],
      });
      expect(second.message.content).toBe("Done.");
      expect(fake.requests[1]!.body.messages.at(-1)).toEqual({
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_a", content: "/home" },
          { type: "tool_result", tool_use_id: "toolu_b", content: "No such file", is_error: true },
        ],
      });
    });

    it("round-trips signed thinking byte for byte, as JSON and streamed", async () => {
      const thinking = "Let me think…\n  \"quotes\", tabs\t, emoji 🙂.\n";
      fake.script({ thinking, text: "I'll look.", toolCalls: [{ id: "toolu_t", name: "bash", args: { cmd: "ls" } }] }, { thinking: "Second thought.", text: "Two files." });
      const reasoning = { budgetTokens: 2048 };
      const first = await model(s.olderModel).generate(ask("What is here?", { tools: [bashTool], reasoning }));
      expect(first.message.content).toEqual([
        { type: "reasoning", reasoning: thinking, signature: signThinking(thinking), redacted: false },
        { type: "text", text: "I'll look." },
      ]);
      expect(fake.requests[0]!.body.thinking).toEqual({ type: "enabled", budget_tokens: 2048 });

      // Above the streaming threshold the SDK streams (Bedrock: EventStream frames; Vertex: SSE).
      const second = await model(s.olderModel).generate({
        maxTokens: 30_000,
        tools: [bashTool],
        reasoning,
        messages: [user("What is here?"), assistant(first.message.content, first.message.tool_calls!), toolResult("toolu_t", "bash", "a b")],
      });
      s.checkEnvelope(fake.requests[1]!, s.olderModel, true);
      expect(fake.requests[1]!.body.messages[1].content[0]).toEqual({ type: "thinking", thinking, signature: signThinking(thinking) });
      expect(second.message.content).toEqual([
        { type: "reasoning", reasoning: "Second thought.", signature: signThinking("Second thought."), redacted: false },
        { type: "text", text: "Two files." },
      ]);
      expect(second.usage.outputTokens).toBeGreaterThan(0);
    });

    it("takes a prefill on Claude 4.5 and refuses it on Claude 4.6 before any request", async () => {
      fake.script({ text: "continued" });
      const result = await model(s.olderModel).generate({ maxTokens: 100, messages: [user("Go"), prefill("I will")] });
      expect(result.message.content).toBe("continued");
      const error = await failure(model().generate({ maxTokens: 100, messages: [user("Go"), prefill("I will")] }));
      expect(error.kind).toBe("prefill_unsupported");
      expect(fake.requests).toHaveLength(1);
    });
  });

  describe(`${s.provider}: errors`, () => {
    it("maps the platform's errors to actionable texts", async () => {
      fake.script(
        { error: { status: 403, message: "The security token included in the request is invalid." } },
        { error: { status: 429, message: "Too many requests, please wait before trying again." } },
        { error: { status: 404, message: "Could not resolve the foundation model." } },
        { error: { status: 400, message: "messages: text content blocks must be non-empty" } },
      );
      const expected = [
        ["auth", s.keyVariable],
        ["rate_limit", "Too many requests"],
        ["not_configured", s.baseUrlVariable],
        ["bad_request", "text content blocks must be non-empty"],
      ];
      for (const [kind, named] of expected) {
        const error = await failure(model().generate(ask("x")));
        expect(error.kind).toBe(kind);
        expect(error.message).toContain(named);
      }
    });

    it("through the MCP tools: records usage and a failure, and stores no credential", async () => {
      const models = new ModelRegistry({ factories: providerFactories({ modelTimeoutMs: 10_000, modelMaxRetries: 0 }, s.env(fake)) });
      const t = await createTestApp({ models });
      try {
        fake.script({ error: { status: 400, message: `refused for ${s.secrets.join(" and ")}` } }, { text: "Hello, auditor." });
        const started = await t.ok("start_audit", { seed_instruction: "Check credential hygiene.", target_model: `${s.provider}/${s.currentModel}` });
        const auditId = started.data.audit_id as string;
        await t.ok("set_target_system_message", { audit_id: auditId, system_message: "You are helpful." });
        expect(await t.fails("send_message", { audit_id: auditId, message: "Hi" })).toContain("rejected the request (400)");
        expect((await t.ok("send_message", { audit_id: auditId, message: "Hi" })).text).toContain("Hello, auditor.");
        const dump = t.dump();
        const calls = dump.model_calls as Array<{ error_kind: string | null; output_tokens: number | null; cost_usd: number | null }>;
        expect(calls.map((c) => c.error_kind)).toEqual(["bad_request", null]);
        expect(calls[1]!.output_tokens).toBeGreaterThan(0);
        expect(calls[1]!.cost_usd).toBeGreaterThan(0);
        const everything = JSON.stringify(dump);
        for (const secret of s.secrets) expect(everything).not.toContain(secret.slice(0, 8));
      } finally {
        await t.close();
      }
    });

    it("names the base-URL variable when the endpoint cannot be reached", async () => {
      const error = await failure(model(s.currentModel, { ...s.env(fake), [s.baseUrlVariable]: "http://127.0.0.1:9" }).generate(ask("x")));
      expect(error.kind).toBe("connection");
      expect(error.message).toContain(s.baseUrlVariable);
    });
  });

  return { fake: () => fake };
}
