/**
 * Maps the failures of the Anthropic and OpenAI SDKs to ModelErrors with short messages that say
 * what failed and what to do. The provider's own reason is kept (it is usually the most useful
 * part of a 400). Every text is scrubbed (src/util/redact.ts: the API key, every configured secret,
 * any 8-character piece of one, URL credentials) before it is shortened, so a key cut in two
 * cannot leak its first half.
 */
import * as AnthropicSdk from "@anthropic-ai/sdk";
import * as OpenAISdk from "openai";
import { redactSecrets } from "../util/redact.js";
import { ModelError, type ModelErrorKind } from "./types.js";

/** What the message needs to know about the call that failed. */
export interface ErrorContext {
  /** `provider/model`. */
  model: string;
  /** Who answered, for messages: "Anthropic", "OpenAI", "the vllm server". */
  provider: string;
  keyVariable: string;
  baseUrlVariable: string;
  baseURL: string;
  timeoutMs: number;
  maxRetries: number;
  /** Values that must never appear in a message (the API key). */
  secrets: string[];
}

const MAX_REASON_CHARS = 600;
/** How much of a provider's text is read at all (scrubbed, then shortened to MAX_REASON_CHARS). */
const MAX_READ_CHARS = 100_000;

const CONTEXT_TOO_LONG = /context[ _-]?(length|window)|prompt is too long|too many (input )?tokens|maximum context|input length .* exceed|request too large/i;
const PREFILL_REFUSED = /prefill/i;

export interface HttpFailure {
  status: number | undefined;
  reason: string | null;
  type: string | null;
  retryAfter: string | null;
}

function isApiError(error: unknown): error is AnthropicSdk.APIError | OpenAISdk.APIError {
  return error instanceof AnthropicSdk.APIError || error instanceof OpenAISdk.APIError;
}

function isUserAbort(error: unknown): boolean {
  return (
    error instanceof AnthropicSdk.APIUserAbortError ||
    error instanceof OpenAISdk.APIUserAbortError ||
    (error instanceof Error && error.name === "AbortError")
  );
}

function isTimeout(error: unknown): boolean {
  return error instanceof AnthropicSdk.APIConnectionTimeoutError || error instanceof OpenAISdk.APIConnectionTimeoutError;
}

function isConnectionError(error: unknown): error is Error {
  return error instanceof AnthropicSdk.APIConnectionError || error instanceof OpenAISdk.APIConnectionError;
}

/** Anthropic keeps the whole body in `.error` (`{type:"error", error:{type, message}}`); OpenAI keeps the inner object. */
function httpFailure(error: AnthropicSdk.APIError | OpenAISdk.APIError): HttpFailure {
  const body = error.error as Record<string, unknown> | undefined;
  const inner = (body && typeof body.error === "object" && body.error !== null ? body.error : body) as Record<string, unknown> | undefined;
  const reason = typeof inner?.message === "string" ? inner.message : null;
  const type = typeof inner?.type === "string" ? inner.type : typeof inner?.code === "string" ? inner.code : null;
  const headers = error.headers as Headers | undefined;
  return { status: error.status, reason, type, retryAfter: headers?.get?.("retry-after") ?? null };
}

/**
 * A provider's text made safe to quote: scrubbed first, then on one line and shortened. (Cutting
 * first would leave a key cut in two that no longer matches the whole key.)
 */
function clip(text: string, ctx: ErrorContext): string {
  const oneLine = redactSecrets(text.slice(0, MAX_READ_CHARS), ctx.secrets).replace(/\s+/g, " ").trim();
  return oneLine.length > MAX_REASON_CHARS ? `${oneLine.slice(0, MAX_REASON_CHARS)}…` : oneLine;
}

function retried(ctx: ErrorContext): string {
  return ctx.maxRetries > 0 ? ` after ${ctx.maxRetries} ${ctx.maxRetries === 1 ? "retry" : "retries"}` : "";
}

function httpError(failure: HttpFailure, ctx: ErrorContext): [ModelErrorKind, string] {
  const { status, type } = failure;
  const code = status === undefined ? (type ?? "error") : String(status);
  // The reason is quoted inside our own sentence, so its final period goes.
  const reason = failure.reason ? `: ${clip(failure.reason, ctx).replace(/\.+$/, "")}` : "";
  if (status === 401 || type === "authentication_error") {
    return ["auth", `${ctx.provider} rejected the API key (${code})${reason}. Check ${ctx.keyVariable}.`];
  }
  if (status === 403 || type === "permission_error") {
    return ["auth", `${ctx.provider} refused access (${code})${reason}. Check that the key in ${ctx.keyVariable} may use ${ctx.model}.`];
  }
  if (status === 429 || type === "rate_limit_error") {
    const wait = failure.retryAfter ? ` The provider asks to wait ${failure.retryAfter} s.` : "";
    return ["rate_limit", `Rate limited by ${ctx.provider} (${code})${retried(ctx)}${reason}.${wait} Wait and retry, or run fewer audits at once.`];
  }
  if (status === 529 || status === 503 || type === "overloaded_error") {
    return ["overloaded", `${ctx.provider} is overloaded (${code})${retried(ctx)}${reason}. Retry in a minute.`];
  }
  if (status === 408 || status === 504 || type === "timeout_error") {
    return ["timeout", `${ctx.provider} timed out (${code})${retried(ctx)}${reason}. Retry later.`];
  }
  if (status === 404 || type === "not_found_error") {
    return ["not_configured", `${ctx.provider} does not know this model or endpoint (${code})${reason}. Check the model name '${ctx.model}' and ${ctx.baseUrlVariable}.`];
  }
  if (status === 413 || (failure.reason !== null && CONTEXT_TOO_LONG.test(failure.reason.slice(0, MAX_READ_CHARS)))) {
    return ["context_length", `The conversation is too long for ${ctx.model} (${code})${reason}. Roll back to an earlier message or send shorter texts.`];
  }
  if (status !== undefined && status >= 400 && status < 500 && failure.reason !== null && PREFILL_REFUSED.test(failure.reason.slice(0, MAX_READ_CHARS))) {
    return [
      "prefill_unsupported",
      `${ctx.model} refused the prefill (${code})${reason}. Resend without prefill (add the model to PETRI_NO_PREFILL_MODELS to have this refused before any request).`,
    ];
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return ["bad_request", `${ctx.provider} rejected the request (${code})${reason}.`];
  }
  return ["unknown", `${ctx.provider} failed (${code})${retried(ctx)}${reason}. Retry later.`];
}

/** An HTTP failure reported by another SDK (e.g. @google/genai's ApiError) as a ModelError. */
export function httpModelError(failure: HttpFailure, ctx: ErrorContext): ModelError {
  const [kind, message] = httpError(failure, ctx);
  return new ModelError(kind, redactSecrets(message, ctx.secrets), failure.status);
}

/** The innermost cause of a connection failure (`fetch failed` wraps e.g. ECONNREFUSED). */
function describeCause(error: Error): string {
  let current: Error = error;
  for (let depth = 0; depth < 5; depth++) {
    const cause = (current as { cause?: unknown }).cause;
    if (!(cause instanceof Error)) break;
    current = cause;
  }
  const code = (current as { code?: unknown }).code;
  return typeof code === "string" && !current.message.includes(code) ? `${code}: ${current.message}` : current.message;
}

/** The ModelError for anything an SDK call threw. */
export function toModelError(error: unknown, ctx: ErrorContext): ModelError {
  if (error instanceof ModelError) return error;
  let kind: ModelErrorKind;
  let message: string;
  let status: number | undefined;
  if (isUserAbort(error)) {
    kind = "aborted";
    message = `The call to ${ctx.model} was cancelled.`;
  } else if (isTimeout(error)) {
    kind = "timeout";
    message = `No answer from ${ctx.provider} within ${ctx.timeoutMs} ms${retried(ctx)}. Retry, or raise --model-timeout-ms (PETRI_MODEL_TIMEOUT_MS).`;
  } else if (isConnectionError(error)) {
    kind = "connection";
    message = `Could not connect to ${ctx.provider} at ${ctx.baseURL}${retried(ctx)} (${clip(describeCause(error), ctx)}). Check ${ctx.baseUrlVariable} and the network.`;
  } else if (isApiError(error)) {
    const failure = httpFailure(error);
    status = failure.status;
    [kind, message] = httpError(failure, ctx);
  } else if (error instanceof SyntaxError) {
    kind = "unknown";
    message = `${ctx.provider} sent a reply that is not valid JSON (${clip(error.message, ctx)}). Retry; if it persists, check that ${ctx.baseUrlVariable} points at the API.`;
  } else {
    kind = "unknown";
    const detail = error instanceof Error ? error.message : String(error);
    message = `Unexpected failure calling ${ctx.model}: ${clip(detail, ctx)}.`;
  }
  // Our own sentence may quote the base URL (with its credentials): scrub the whole message too.
  return new ModelError(kind, redactSecrets(message, ctx.secrets), status);
}
