/**
 * Scripted fake model server speaking the OpenAI Chat Completions and Anthropic Messages wire
 * formats (JSON and SSE) over real HTTP. Zero dependencies beyond node built-ins.
 * See README.md in this folder for the step format, control endpoints and strict-mode rules.
 */
import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createHmac } from "node:crypto";
import { GEMINI_PATH, geminiErrorBody, renderGemini, validateGemini } from "./gemini.js";
import { renderResponses, validateResponses } from "./responses.js";
import { jsonChars, type RenderCtx, tokens } from "./render.js";
import { BEDROCK_PATH, bedrockError, eventStreamResponse, validateBedrockEnvelope } from "./bedrock.js";
import { VERTEX_PATH, validateVertexEnvelope } from "./vertex.js";

export interface FakeToolCall {
  id?: string;
  name: string;
  /** A raw string is sent verbatim (use it for deliberately malformed JSON arguments). */
  args: Record<string, unknown> | string;
}
export interface FakeStep {
  text?: string;
  thinking?: string;
  redactedThinking?: string;
  reasoningField?: "reasoning" | "reasoning_content";
  toolCalls?: FakeToolCall[];
  stopReason?: string;
  usage?: { input?: number; output?: number; cacheRead?: number; cacheWrite?: number };
  error?: { status: number; type?: string; message?: string; headers?: Record<string, string> };
  hang?: boolean;
  closeSocket?: boolean;
  malformed?: boolean;
  midStreamError?: boolean;
  delayMs?: number;
}
export type Responder = (req: RecordedRequest) => FakeStep | Promise<FakeStep>;
export interface RecordedRequest {
  api: "openai" | "anthropic" | "gemini" | "responses" | "bedrock" | "vertex";
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any;
  model: string;
  stream: boolean;
  receivedAt: number;
}
export interface FakeLlmOptions {
  port?: number;
  host?: string;
  strict?: boolean;
  latencyMs?: number;
  /** strict: an Anthropic prefill on a model matching one of these gets the real 400. */
  noPrefillModels?: RegExp[];
  /** HMAC secret for thinking signatures (default: a fixed string, so signatures are stable across instances). */
  signatureSecret?: string;
}
export interface FakeLlm {
  url: string;
  port: number;
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
  /** For GOOGLE_GEMINI_BASE_URL (the SDK adds /v1beta/models/<model>:generateContent). */
  geminiBaseUrl: string;
  /** For ANTHROPIC_BEDROCK_BASE_URL (the SDK adds /model/<id>/invoke). */
  bedrockBaseUrl: string;
  /** For ANTHROPIC_VERTEX_BASE_URL (the SDK adds /projects/<p>/locations/<r>/publishers/anthropic/models/<m>:rawPredict). */
  vertexBaseUrl: string;
  requests: RecordedRequest[];
  script(...steps: Array<FakeStep | Responder>): void;
  scriptFor(model: string, ...steps: Array<FakeStep | Responder>): void;
  setResponder(fn: Responder | null): void;
  reset(): void;
  requestsFor(model: string): RecordedRequest[];
  close(): Promise<void>;
}

type Api = RecordedRequest["api"];
type QueueItem = FakeStep | Responder;

export const DEFAULT_SIGNATURE_SECRET = "petri-fake-llm-thinking-signature-secret";

/** The signature the fake issues for (and expects on) a thinking block: base64(HMAC-SHA256(secret, thinking)). */
export function signThinking(thinking: string, secret = DEFAULT_SIGNATURE_SECRET): string {
  return createHmac("sha256", secret).update(thinking, "utf8").digest("base64");
}

export function defaultReplyText(model: string): string {
  return `Default reply from fake model ${model}.`;
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

const TO_OPENAI_STOP: Record<string, string> = {
  end_turn: "stop", stop_sequence: "stop", max_tokens: "length", tool_use: "tool_calls", refusal: "content_filter",
};
const TO_ANTHROPIC_STOP: Record<string, string> = {
  stop: "end_turn", length: "max_tokens", tool_calls: "tool_use", content_filter: "refusal",
};
const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error", 401: "authentication_error", 402: "billing_error", 403: "permission_error",
  404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error", 500: "api_error",
  504: "timeout_error", 529: "overloaded_error",
};
const OPENAI_ERROR_TYPES: Record<number, [type: string, code: string | null]> = {
  400: ["invalid_request_error", null], 401: ["invalid_request_error", "invalid_api_key"],
  403: ["invalid_request_error", "unsupported_country_region_territory"], 404: ["invalid_request_error", "model_not_found"],
  429: ["requests", "rate_limit_exceeded"],
};
const DEFAULT_ERROR_MESSAGES: Record<number, string> = {
  400: "Invalid request.", 401: "Invalid API key.", 403: "Permission denied.", 404: "Not found.",
  429: "Rate limit exceeded.", 500: "Internal server error.", 503: "Service unavailable.", 529: "Overloaded",
};

/** Split a string into (at most) `parts` consecutive fragments, so clients must reassemble. */
function fragments(s: string, parts = 3): string[] {
  if (!s) return [];
  const size = Math.ceil(s.length / parts);
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

const argsJson = (tc: FakeToolCall) => (typeof tc.args === "string" ? tc.args : JSON.stringify(tc.args));

interface Usage { input: number; output: number; cacheRead: number; cacheWrite: number; reasoning: number }

/** Deterministic usage: ceil(chars / 4), min 1; step.usage fields override. `input` excludes cache tokens. */
function computeUsage(step: FakeStep, body: any): Usage {
  const inChars = jsonChars(body?.messages) + jsonChars(body?.system) + jsonChars(body?.tools);
  const outChars = (step.text ?? "").length + (step.thinking ?? "").length + (step.redactedThinking ?? "").length +
    (step.toolCalls ?? []).reduce((n, tc) => n + tc.name.length + argsJson(tc).length, 0);
  return {
    input: step.usage?.input ?? tokens(inChars),
    output: step.usage?.output ?? tokens(outChars),
    cacheRead: step.usage?.cacheRead ?? 0,
    cacheWrite: step.usage?.cacheWrite ?? 0,
    reasoning: step.thinking ? tokens(step.thinking.length) : 0,
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function startSse(res: ServerResponse, headers: Record<string, string>): void {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...headers });
}

function sse(res: ServerResponse, event: string | null, data: unknown, then?: () => void): void {
  if (res.destroyed) return;
  res.write((event ? `event: ${event}\n` : "") + `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`, then);
}

function errorBody(api: Api, status: number, type: string | undefined, message: string | undefined, param: string | null = null) {
  const msg = message ?? DEFAULT_ERROR_MESSAGES[status] ?? `Error ${status}`;
  if (api === "anthropic") {
    return { type: "error", error: { type: type ?? ANTHROPIC_ERROR_TYPES[status] ?? "api_error", message: msg } };
  }
  const [defType, code] = OPENAI_ERROR_TYPES[status] ?? ["server_error", null];
  return { error: { message: msg, type: type ?? defType, param, code } };
}

// ---------------------------------------------------------------------------------------------
// OpenAI Chat Completions rendering


function openaiToolCalls(step: FakeStep, ctx: RenderCtx) {
  return (step.toolCalls ?? []).map((tc) => ({
    id: tc.id ?? ctx.nextId("call_"), type: "function" as const, function: { name: tc.name, arguments: argsJson(tc) },
  }));
}

function openaiFinish(step: FakeStep): string {
  if (step.stopReason) return TO_OPENAI_STOP[step.stopReason] ?? step.stopReason;
  return step.toolCalls?.length ? "tool_calls" : "stop";
}

function openaiUsage(u: Usage) {
  const prompt = u.input + u.cacheRead + u.cacheWrite; // OpenAI's prompt_tokens include cached tokens
  return {
    prompt_tokens: prompt, completion_tokens: u.output, total_tokens: prompt + u.output,
    prompt_tokens_details: { cached_tokens: u.cacheRead, cache_write_tokens: u.cacheWrite, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: u.reasoning, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function renderOpenAI(res: ServerResponse, step: FakeStep, body: any, ctx: RenderCtx): void {
  const usage = computeUsage(step, body);
  const toolCalls = openaiToolCalls(step, ctx);
  const reasoningKey = step.reasoningField ?? "reasoning";
  const base = { id: ctx.id, created: Math.floor(Date.now() / 1000), model: ctx.model, system_fingerprint: "fp_fake", service_tier: "default" };

  if (body?.stream !== true) {
    const message: Record<string, unknown> = {
      role: "assistant", content: step.text ?? (toolCalls.length ? null : ""), refusal: null, annotations: [],
    };
    if (step.thinking !== undefined) message[reasoningKey] = step.thinking;
    if (toolCalls.length) message.tool_calls = toolCalls;
    sendJson(res, 200, {
      ...base, object: "chat.completion",
      choices: [{ index: 0, message, logprobs: null, finish_reason: openaiFinish(step) }],
      usage: openaiUsage(usage),
    }, ctx.headers);
    return;
  }

  const includeUsage = body?.stream_options?.include_usage === true;
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, then?: () => void) => sse(res, null, {
    ...base, object: "chat.completion.chunk",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  }, then);
  startSse(res, ctx.headers);
  chunk({ role: "assistant", content: "", refusal: null });
  for (const f of fragments(step.thinking ?? "")) chunk({ [reasoningKey]: f });
  const textParts = fragments(step.text ?? "");
  if (step.midStreamError) {
    // OpenAI has no error event: the stream is cut after a partial chunk (no [DONE]).
    chunk({ content: textParts[0] ?? "" }, null, () => res.socket?.destroy());
    return;
  }
  for (const f of textParts) chunk({ content: f });
  toolCalls.forEach((tc, index) => {
    chunk({ tool_calls: [{ index, id: tc.id, type: "function", function: { name: tc.function.name, arguments: "" } }] });
    for (const f of fragments(tc.function.arguments)) chunk({ tool_calls: [{ index, function: { arguments: f } }] });
  });
  chunk({}, openaiFinish(step));
  if (includeUsage) sse(res, null, { ...base, object: "chat.completion.chunk", choices: [], usage: openaiUsage(usage) });
  sse(res, null, "[DONE]");
  res.end();
}

// ---------------------------------------------------------------------------------------------
// Anthropic Messages rendering

function anthropicBlocks(step: FakeStep, ctx: RenderCtx, secret: string): Array<Record<string, any>> {
  const blocks: Array<Record<string, any>> = [];
  if (step.thinking !== undefined) blocks.push({ type: "thinking", thinking: step.thinking, signature: signThinking(step.thinking, secret) });
  if (step.redactedThinking !== undefined) blocks.push({ type: "redacted_thinking", data: step.redactedThinking });
  if (step.text !== undefined) blocks.push({ type: "text", text: step.text, citations: null });
  for (const tc of step.toolCalls ?? []) {
    let input: unknown = tc.args;
    if (typeof tc.args === "string") {
      try { input = JSON.parse(tc.args); } catch { /* malformed: JSON mode carries the raw string as `input` */ }
    }
    blocks.push({ type: "tool_use", id: tc.id ?? ctx.nextId("toolu_"), name: tc.name, input, caller: { type: "direct" }, _raw: argsJson(tc) });
  }
  return blocks;
}

function anthropicUsage(u: Usage) {
  return {
    input_tokens: u.input, output_tokens: u.output,
    cache_creation_input_tokens: u.cacheWrite, cache_read_input_tokens: u.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite, ephemeral_1h_input_tokens: 0 },
    output_tokens_details: { thinking_tokens: u.reasoning },
    server_tool_use: null, service_tier: "standard", inference_geo: null,
  };
}

function renderAnthropic(res: ServerResponse, step: FakeStep, body: any, ctx: RenderCtx, secret: string): void {
  const usage = computeUsage(step, body);
  const blocks = anthropicBlocks(step, ctx, secret);
  const stopReason = step.stopReason
    ? TO_ANTHROPIC_STOP[step.stopReason] ?? step.stopReason
    : step.toolCalls?.length ? "tool_use" : "end_turn";
  const message = {
    id: ctx.id, type: "message", role: "assistant", model: ctx.model, content: [] as unknown[],
    stop_reason: null as string | null, stop_sequence: null, stop_details: null, container: null, diagnostics: null,
    usage: anthropicUsage(usage),
  };

  if (body?.stream !== true) {
    message.content = blocks.map(({ _raw, ...b }) => b);
    message.stop_reason = stopReason;
    sendJson(res, 200, message, ctx.headers);
    return;
  }

  startSse(res, ctx.headers);
  sse(res, "message_start", { type: "message_start", message: { ...message, usage: { ...message.usage, output_tokens: 1 } } });
  sse(res, "ping", { type: "ping" });
  if (step.midStreamError) {
    // A 200 stream that fails part-way: one partial text block, then an SSE `error` event.
    sse(res, "content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "", citations: null } });
    const first = fragments(step.text ?? "")[0];
    if (first) sse(res, "content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: first } });
    sse(res, "error", errorBody("anthropic", step.error?.status ?? 529, step.error?.type, step.error?.message));
    res.end();
    return;
  }
  blocks.forEach((block, index) => {
    const delta = (d: Record<string, unknown>) => sse(res, "content_block_delta", { type: "content_block_delta", index, delta: d });
    if (block.type === "thinking") {
      sse(res, "content_block_start", { type: "content_block_start", index, content_block: { type: "thinking", thinking: "", signature: "" } });
      for (const f of fragments(block.thinking)) delta({ type: "thinking_delta", thinking: f });
      delta({ type: "signature_delta", signature: block.signature });
    } else if (block.type === "redacted_thinking") {
      sse(res, "content_block_start", { type: "content_block_start", index, content_block: block });
    } else if (block.type === "text") {
      sse(res, "content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "", citations: null } });
      for (const f of fragments(block.text)) delta({ type: "text_delta", text: f });
    } else {
      const { _raw, input: _input, ...rest } = block;
      sse(res, "content_block_start", { type: "content_block_start", index, content_block: { ...rest, input: {} } });
      for (const f of fragments(_raw)) delta({ type: "input_json_delta", partial_json: f });
    }
    sse(res, "content_block_stop", { type: "content_block_stop", index });
  });
  const { input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens_details } = message.usage;
  sse(res, "message_delta", {
    type: "message_delta",
    delta: { stop_reason: stopReason, stop_sequence: null, stop_details: null, container: null },
    usage: { input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens_details, server_tool_use: null },
  });
  sse(res, "message_stop", { type: "message_stop" });
  res.end();
}

// ---------------------------------------------------------------------------------------------
// Strict-mode validation (what the real APIs reject with a 400)

interface Problem { message: string; param?: string }

type Block = Record<string, any>;
const blocksOf = (content: unknown): Block[] =>
  typeof content === "string" ? [{ type: "text", text: content }] : Array.isArray(content) ? content : [];

function validateAnthropic(body: any, opts: FakeLlmOptions, secret: string): Problem | null {
  if (typeof body?.max_tokens !== "number") return { message: "max_tokens: Field required" };
  if (!Array.isArray(body.messages)) return { message: "messages: Field required" };
  const thinking = body.thinking;
  const thinkingOn = thinking?.type === "enabled" || thinking?.type === "adaptive";
  if (thinking?.type === "enabled") {
    const budget = thinking.budget_tokens;
    if (typeof budget !== "number" || budget < 1024) {
      return { message: "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024" };
    }
    if (budget >= body.max_tokens) {
      return { message: "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size" };
    }
  }
  // The API merges consecutive same-role turns; validate the merged conversation.
  const turns: Array<{ role: string; blocks: Block[] }> = [];
  for (const m of body.messages) {
    const last = turns.at(-1);
    if (last && last.role === m?.role) last.blocks.push(...blocksOf(m.content));
    else turns.push({ role: m?.role, blocks: [...blocksOf(m?.content)] });
  }
  if (turns.length === 0) return { message: "messages: at least one message is required" };

  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!;
    if (turn.role === "assistant") {
      for (const [j, b] of turn.blocks.entries()) {
        if (b?.type === "thinking" && b.signature !== signThinking(String(b.thinking ?? ""), secret)) {
          return { message: `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block` };
        }
      }
      const useIds = turn.blocks.filter((b) => b?.type === "tool_use").map((b) => String(b.id));
      if (useIds.length) {
        const next = turns[i + 1];
        const answered = new Set<string>();
        for (const b of next?.role === "user" ? next.blocks : []) {
          if (b?.type !== "tool_result") break; // tool_results must come first, before any text
          answered.add(String(b.tool_use_id));
        }
        const missing = useIds.filter((id) => !answered.has(id));
        if (missing.length) {
          return { message: `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.` };
        }
      }
    } else if (turn.role === "user") {
      const prev = turns[i - 1];
      const prevIds = new Set((prev?.role === "assistant" ? prev.blocks : []).filter((b) => b?.type === "tool_use").map((b) => String(b.id)));
      for (const [j, b] of turn.blocks.entries()) {
        if (b?.type === "tool_result" && !prevIds.has(String(b.tool_use_id))) {
          return { message: `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${b.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.` };
        }
      }
    }
  }

  const last = turns.at(-1)!;
  if (last.role === "assistant") {
    const model = String(body.model ?? "");
    if ((opts.noPrefillModels ?? []).some((re) => re.test(model))) {
      return { message: "This model does not support assistant message prefill. The conversation must end with a user message." };
    }
    if (thinkingOn) {
      return { message: "Assistant message prefill is not supported when thinking is enabled. The conversation must end with a user message." };
    }
    const tail = last.blocks.at(-1);
    if (tail?.type === "text" && /\s$/.test(String(tail.text ?? ""))) {
      return { message: "messages: final assistant content cannot end with trailing whitespace" };
    }
  }
  return null;
}

function validateOpenAI(body: any): Problem | null {
  if (!Array.isArray(body?.messages)) return { message: "Missing required parameter: 'messages'.", param: "messages" };
  const messages: any[] = body.messages;
  let open: Set<string> | null = null; // ids of the latest assistant tool_calls, while tool messages follow
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m?.role === "tool") {
      if (!open) {
        return { message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", param: `messages.[${i}].role` };
      }
      if (!open.has(String(m.tool_call_id))) {
        return { message: `Invalid parameter: 'tool_call_id' of '${m.tool_call_id}' not found in 'tool_calls' of previous message.`, param: `messages.[${i}].tool_call_id` };
      }
      continue;
    }
    open = null;
    const calls: any[] = m?.role === "assistant" && Array.isArray(m.tool_calls) ? m.tool_calls : [];
    if (!calls.length) continue;
    for (const [j, tc] of calls.entries()) {
      const args = tc?.function?.arguments;
      if (typeof args !== "string") {
        const got = args === null ? "null" : Array.isArray(args) ? "an array" : typeof args === "object" ? "an object" : `a ${typeof args}`;
        return { message: `Invalid type for 'messages[${i}].tool_calls[${j}].function.arguments': expected a string, but got ${got} instead.`, param: `messages[${i}].tool_calls[${j}].function.arguments` };
      }
    }
    const answered = new Set<string>();
    for (let k = i + 1; k < messages.length && messages[k]?.role === "tool"; k++) answered.add(String(messages[k].tool_call_id));
    const missing = calls.map((tc) => String(tc?.id)).filter((id) => !answered.has(id));
    if (missing.length) {
      return { message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${missing.join(", ")}`, param: `messages.[${i}].role` };
    }
    open = new Set(calls.map((tc) => String(tc?.id)));
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Server

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

const ROUTES: Record<string, Api> = {
  "/v1/chat/completions": "openai", "/v1/messages": "anthropic", "/v1/messages/count_tokens": "anthropic", "/v1/responses": "responses",
};

export async function startFakeLlm(opts: FakeLlmOptions = {}): Promise<FakeLlm> {
  const secret = opts.signatureSecret ?? DEFAULT_SIGNATURE_SECRET;
  const requests: RecordedRequest[] = [];
  let defaultQueue: QueueItem[] = [];
  let modelQueues = new Map<string, QueueItem[]>();
  let responder: Responder | null = null;
  let counters = new Map<string, number>(); // one sequence per id prefix: call_1, toolu_1, msg_fake_1, ...
  const timers = new Set<NodeJS.Timeout>();
  const nextId = (prefix: string) => {
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    return `${prefix}${n}`;
  };
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(() => { timers.delete(t); resolve(); }, ms);
    timers.add(t);
  });

  async function nextStep(rec: RecordedRequest): Promise<FakeStep> {
    const item = modelQueues.get(rec.model)?.shift() ?? defaultQueue.shift() ?? responder;
    if (!item) return { text: defaultReplyText(rec.model) };
    return typeof item === "function" ? await item(rec) : item;
  }

  function enqueue(model: string | undefined, steps: QueueItem[]): void {
    if (model === undefined) { defaultQueue.push(...steps); return; }
    const q = modelQueues.get(model) ?? [];
    q.push(...steps);
    modelQueues.set(model, q);
  }

  function reset(): void {
    defaultQueue = [];
    modelQueues = new Map();
    responder = null;
    requests.length = 0;
    counters = new Map();
  }

  async function handleModelCall(api: Api, req: IncomingMessage, res: ServerResponse, path: string, raw: string) {
    let body: any = raw;
    let parseError = false;
    try { body = raw ? JSON.parse(raw) : {}; } catch { parseError = true; }
    const gemini = api === "gemini" ? GEMINI_PATH.exec(path) : null;
    const bedrock = api === "bedrock" ? BEDROCK_PATH.exec(path) : null;
    const vertex = api === "vertex" ? VERTEX_PATH.exec(path) : null;
    const pathModel = gemini?.[1] ?? bedrock?.[1] ?? vertex?.[3];
    const rec: RecordedRequest = {
      api, method: req.method ?? "POST", path, headers: flatHeaders(req), body,
      model: pathModel !== undefined ? decodeURIComponent(pathModel) : typeof body?.model === "string" ? body.model : "",
      stream: gemini ? gemini[2] === "streamGenerateContent" : bedrock ? bedrock[2] === "invoke-with-response-stream" : vertex ? vertex[4] === "streamRawPredict" : body?.stream === true,
      receivedAt: Date.now(),
    };
    requests.push(rec);
    const requestId = nextId("req_fake_");
    const headers: Record<string, string> = { [api === "anthropic" ? "request-id" : api === "bedrock" ? "x-amzn-requestid" : "x-request-id"]: requestId };
    const fail = (status: number, p: Problem, type?: string, extra: Record<string, string> = {}) => {
      if (api === "bedrock") {
        const error = bedrockError(status, p.message, type);
        return sendJson(res, status, error.body, { ...headers, ...error.headers, ...extra });
      }
      const body = api === "gemini" || api === "vertex" ? geminiErrorBody(status, p.message, type) : errorBody(api === "responses" ? "openai" : api, status, type, p.message, p.param ?? null);
      sendJson(res, status, body, { ...headers, ...extra });
    };

    if (parseError || body === null || typeof body !== "object") {
      return fail(400, { message: "There was an error parsing the body of your request: invalid JSON." });
    }
    if (path === "/v1/messages/count_tokens") {
      return sendJson(res, 200, { input_tokens: computeUsage({}, body).input }, headers);
    }
    if (opts.strict && (api === "bedrock" || api === "vertex")) {
      // The envelope first (auth, version, no model in the body), then the Messages body as Anthropic checks it.
      const envelope = api === "bedrock" ? validateBedrockEnvelope(body, rec.headers) : validateVertexEnvelope(body, rec.headers);
      if (envelope) return typeof envelope === "string" ? fail(envelope.startsWith("Missing") ? 403 : 400, { message: envelope }) : fail(envelope.status, { message: envelope.message });
      const problem = validateAnthropic({ ...body, model: rec.model }, opts, secret);
      if (problem) return fail(400, problem);
    } else if (opts.strict) {
      const problem =
        api === "anthropic" ? validateAnthropic(body, opts, secret) : api === "gemini" ? validateGemini(body, secret) : api === "responses" ? validateResponses(body, secret) : validateOpenAI(body);
      if (problem) return fail(400, problem);
    }
    let step: FakeStep;
    try {
      step = await nextStep(rec);
    } catch (e) {
      return fail(500, { message: `fake-llm responder threw: ${e instanceof Error ? e.message : String(e)}` });
    }
    const wait = (opts.latencyMs ?? 0) + (step.delayMs ?? 0);
    if (wait > 0) await sleep(wait);
    if (res.destroyed) return;

    if (step.hang) return; // never answer; close() or the client's timeout ends the socket
    if (step.closeSocket) { req.socket.destroy(); return; }
    if (step.malformed) {
      res.writeHead(200, { "content-type": rec.stream ? "text/event-stream" : "application/json", ...headers });
      res.end(rec.stream ? 'event: message_start\ndata: {"type": "message_start", "message": {\n\n' : '{"id": "broken", "choices": [');
      return;
    }
    if (step.error && !(step.midStreamError && rec.stream)) {
      return fail(step.error.status, { message: step.error.message ?? DEFAULT_ERROR_MESSAGES[step.error.status] ?? `Error ${step.error.status}` },
        step.error.type, step.error.headers);
    }

    const claude = api === "anthropic" || api === "bedrock" || api === "vertex";
    const ctx: RenderCtx = { id: nextId(claude ? "msg_fake_" : api === "responses" ? "resp_fake_" : "chatcmpl-fake-"), model: rec.model, nextId, headers };
    if (api === "openai") return renderOpenAI(res, step, body, ctx);
    if (api === "gemini") return renderGemini(res, step, body, ctx, secret, rec.stream);
    if (api === "responses") return renderResponses(res, step, body, ctx, secret, rec.stream);
    // Prefill: the reply is only the continuation; the real API never returns thinking after a prefill.
    const prefill = Array.isArray(body.messages) && body.messages.at(-1)?.role === "assistant";
    // Bedrock takes the stream flag from the path (and streams EventStream frames); Vertex from path and body.
    const target = api === "bedrock" && rec.stream ? eventStreamResponse(res) : res;
    renderAnthropic(target, prefill ? { ...step, thinking: undefined, redactedThinking: undefined } : step, { ...body, stream: rec.stream }, ctx, secret);
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, path: string, raw: string): Promise<boolean> {
    if (req.method === "POST" && path === "/_fake/script") {
      let payload: any;
      try { payload = JSON.parse(raw || "{}"); } catch { payload = null; }
      if (!payload || !Array.isArray(payload.steps) || (payload.model !== undefined && typeof payload.model !== "string")) {
        sendJson(res, 400, { error: 'expected {"model"?: string, "steps": FakeStep[]}' });
      } else {
        enqueue(payload.model, payload.steps);
        sendJson(res, 200, { ok: true, queued: payload.steps.length });
      }
    } else if (req.method === "POST" && path === "/_fake/reset") {
      reset();
      sendJson(res, 200, { ok: true });
    } else if (req.method === "GET" && path === "/_fake/requests") {
      sendJson(res, 200, requests);
    } else {
      return false;
    }
    return true;
  }

  function listModels(req: IncomingMessage, res: ServerResponse) {
    const ids = ["fake-model", ...modelQueues.keys()];
    if (req.headers["anthropic-version"] !== undefined) {
      const data = ids.map((id) => ({ type: "model", id, display_name: id, created_at: "2026-01-01T00:00:00Z" }));
      sendJson(res, 200, { data, has_more: false, first_id: ids[0] ?? null, last_id: ids.at(-1) ?? null });
    } else {
      sendJson(res, 200, { object: "list", data: ids.map((id) => ({ id, object: "model", created: 1767225600, owned_by: "fake-llm" })) });
    }
  }

  const server = http.createServer((req, res) => {
    res.on("error", () => {});
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    readBody(req)
      .then(async (raw) => {
        const api = ROUTES[path] ?? (GEMINI_PATH.test(path) ? "gemini" : BEDROCK_PATH.test(path) ? "bedrock" : VERTEX_PATH.test(path) ? "vertex" : undefined);
        if (api && req.method === "POST") return handleModelCall(api, req, res, path, raw);
        if (await handleControl(req, res, path, raw)) return;
        if (req.method === "GET" && path === "/v1/models") return listModels(req, res);
        const api404: Api = req.headers["anthropic-version"] !== undefined ? "anthropic" : "openai";
        sendJson(res, 404, errorBody(api404, 404, undefined, `Invalid URL (${req.method} ${path})`));
      })
      .catch((e: unknown) => sendJson(res, 500, { error: { message: `fake-llm internal error: ${String(e)}`, type: "server_error", param: null, code: null } }));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => { server.off("error", reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? "127.0.0.1";
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    url, port, openaiBaseUrl: `${url}/v1`, anthropicBaseUrl: url, geminiBaseUrl: url, bedrockBaseUrl: url, vertexBaseUrl: `${url}/v1`, requests,
    script: (...steps) => enqueue(undefined, steps),
    scriptFor: (model, ...steps) => enqueue(model, steps),
    setResponder: (fn) => { responder = fn; },
    reset,
    requestsFor: (model) => requests.filter((r) => r.model === model),
    close: () => new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
