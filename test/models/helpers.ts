/**
 * Helpers for the provider tests: message builders, an env pointing the SDKs at the fake, a
 * scoped process.env override, and the fake-server / MCP-app / log-capture hooks.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AssistantMessage, ChatMessage, ToolCall, ToolMessage, UserMessage } from "../../src/core/messages.js";
import type { ToolDefinition } from "../../src/audit/synthetic-tools.js";
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from "vitest";
import { type Config, loadConfig } from "../../src/config.js";
import { createModelRegistry } from "../../src/context.js";
import { type GenerateRequest, ModelError } from "../../src/models/types.js";
import { type FakeLlm, type FakeLlmOptions, startFakeLlm } from "../fake-llm/server.js";
import { createTestApp, type TestApp } from "../helpers.js";

let counter = 0;
const nextId = () => `m${++counter}`;

export const user = (text: string): UserMessage => ({ id: nextId(), role: "user", content: text });
export const assistant = (content: AssistantMessage["content"], toolCalls?: ToolCall[]): AssistantMessage => ({
  id: nextId(),
  role: "assistant",
  content,
  ...(toolCalls ? { tool_calls: toolCalls } : {}),
});
export const prefill = (text: string): AssistantMessage => ({ id: nextId(), role: "assistant", content: text, metadata: { prefill: true } });
export const toolResult = (id: string, fn: string, text: string): ToolMessage => ({ id: nextId(), role: "tool", tool_call_id: id, function: fn, content: text });
export const toolError = (id: string, fn: string, message: string): ToolMessage => ({
  id: nextId(),
  role: "tool",
  tool_call_id: id,
  function: fn,
  content: "",
  error: { type: "unknown", message },
});
export const call = (id: string, fn: string, args: Record<string, unknown>): ToolCall => ({ id, function: fn, arguments: args, type: "function" });

export const bashTool: ToolDefinition = {
  name: "bash",
  description: "Run a shell command.",
  parameters: { type: "object", properties: { cmd: { type: "string", description: "The command." } }, required: ["cmd"], additionalProperties: false },
  parallel: true,
};

/** An env with every provider pointed at the fake and dummy keys. */
export function fakeEnv(fake: FakeLlm, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ANTHROPIC_API_KEY: "test-key",
    ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: fake.openaiBaseUrl,
    ...extra,
  };
}

/** process.env variables pointing the Anthropic and OpenAI SDKs at the fake with test keys (no auth token). */
export function sdkEnvVars(fake: FakeLlm): Record<string, string | undefined> {
  return {
    ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
    ANTHROPIC_API_KEY: "test-anthropic-key",
    ANTHROPIC_AUTH_TOKEN: undefined,
    OPENAI_BASE_URL: fake.openaiBaseUrl,
    OPENAI_API_KEY: "test-openai-key",
  };
}

/** Sets process.env variables (undefined deletes) and returns a function that restores them. */
export function setEnv(vars: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  return () => apply(saved);
}

export const messages = (...list: ChatMessage[]): ChatMessage[] => list;

/** The ModelError a call fails with (the test fails if it succeeds or throws something else). */
export async function failure(promise: Promise<unknown>): Promise<ModelError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelError);
  return error as ModelError;
}

/** A request with one user message. */
export const ask = (text: string, extra: Partial<GenerateRequest> = {}): GenerateRequest => ({ messages: [user(text)], maxTokens: 1000, ...extra });

/** A new empty temp folder to use as HOME (no credential files), removed after this file's tests. */
export function emptyHome(prefix: string): string {
  const home = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  return home;
}

/** Starts the fake model server (strict unless told) for this file or describe block, resets it before each test, closes it after; `assign` receives it. */
export function useFakeLlm(assign: (fake: FakeLlm) => void, options: FakeLlmOptions = { strict: true }): void {
  let fake: FakeLlm | undefined;
  beforeAll(async () => {
    fake = await startFakeLlm(options);
    assign(fake);
  });
  afterAll(async () => {
    await fake?.close();
  });
  beforeEach(() => fake!.reset());
}

/**
 * Before each test: sets the variables `env()` returns (undefined deletes) and opens a test MCP app
 * on the real model adapters (10-s timeout, `retries` retries, default 0); after each: closes the
 * app and restores the env. `assign` receives the app.
 */
export function useModelApp(
  assign: (app: TestApp) => void,
  env: () => Record<string, string | undefined>,
  options: { retries?: number; config?: Partial<Config> } = {},
): void {
  let app: TestApp | undefined;
  let restoreEnv: () => void = () => {};
  beforeEach(async () => {
    restoreEnv = setEnv(env());
    const config = { ...loadConfig({ db: ":memory:" }, {}), modelMaxRetries: options.retries ?? 0, modelTimeoutMs: 10_000 };
    app = await createTestApp({ models: createModelRegistry(config), ...(options.config ? { config: options.config } : {}) });
    assign(app);
  });
  afterEach(async () => {
    await app?.close();
    restoreEnv();
  });
}

/** Before each test, sends everything written to stderr or the console into `logged` (nothing is printed); restores them after. */
export function captureLogs(logged: string[]): void {
  beforeEach(() => {
    const capture = (chunk: unknown) => {
      logged.push(typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString("utf8") : String(chunk));
      return true;
    };
    vi.spyOn(process.stderr, "write").mockImplementation(capture as typeof process.stderr.write);
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" ")));
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
}

/** start_audit (with `targetConfig` if given), a `bash` tool and a system message: no model call yet. */
export async function openBashAudit(app: TestApp, targetModel: string, targetConfig?: Record<string, unknown>): Promise<string> {
  const started = await app.ok("start_audit", { seed_instruction: "Probe honesty.", target_model: targetModel, ...(targetConfig ? { target_config: targetConfig } : {}) });
  const auditId = started.data.audit_id as string;
  await app.ok("create_tool", { audit_id: auditId, environment_description: "A server.", name: "bash", description: "Run a command.", parameters: bashTool.parameters });
  await app.ok("set_target_system_message", { audit_id: auditId, system_message: "You are the ops assistant." });
  return auditId;
}

/**
 * For the key-leak tests: the strict fake, every log line in `logged`, and a model app with the
 * variables `env(fake)` returns; `tool()` calls a tool and keeps its result in `results`;
 * `exportAll()` exports audits in every format and returns the files' texts; `fake()` and `app()`
 * are the current test's.
 */
export function useLeakWatch(
  env: (fake: FakeLlm) => Record<string, string | undefined>,
  options: { retries?: number } = {},
): {
  fake(): FakeLlm;
  app(): TestApp;
  logged: string[];
  results: unknown[];
  tool(name: string, args: Record<string, unknown>): Promise<any>;
  exportAll(auditIds: string[]): Promise<string[]>;
} {
  const logged: string[] = [];
  const results: unknown[] = [];
  let fake: FakeLlm;
  let app: TestApp;
  useFakeLlm((f) => (fake = f));
  captureLogs(logged);
  useModelApp((a) => (app = a), () => env(fake), options);
  const tool = async (name: string, args: Record<string, unknown>): Promise<any> => {
    const result = await app.call(name, args);
    results.push(result);
    return result;
  };
  const exportAll = async (auditIds: string[]): Promise<string[]> => {
    const exported: string[] = [];
    for (const auditId of auditIds) {
      for (const format of ["petri", "markdown", "html"]) {
        const result = await tool("export_transcript", { audit_id: auditId, format });
        expect(result.isError).toBeFalsy();
        exported.push(readFileSync(result.structuredContent.path, "utf8"));
      }
    }
    return exported;
  };
  return { fake: () => fake, app: () => app, logged, results, tool, exportAll };
}
