/**
 * The Gemini `generateContent` wire format for the fake server (JSON, and SSE for
 * `streamGenerateContent?alt=sse`): scripted steps rendered as candidates with thought parts and
 * signed parts, Gemini's error body, and strict-mode checks (signatures intact, every function
 * call answered, a conversation that ends with the user).
 */
import type { ServerResponse } from "node:http";
import type { FakeStep } from "./server.js";
import { signThinking } from "./server.js";
import { jsonChars as json, type RenderCtx, replyChars, tokens } from "./render.js";

/** `/v1beta/models/<model>:generateContent` or `:streamGenerateContent`. */
export const GEMINI_PATH = /^\/v1(?:beta|alpha)?\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
};

export function geminiErrorBody(status: number, message: string, type?: string) {
  return { error: { code: status, message, status: type ?? STATUS_NAMES[status] ?? "UNKNOWN" } };
}

type Part = Record<string, any>;

/** What a signature covers: the part it rides on (not its signature), so a changed part fails. */
function canonical(part: Part): string {
  if (part.functionCall) return `fc:${part.functionCall.name}:${JSON.stringify(part.functionCall.args ?? {})}`;
  if (part.thought) return "thought";
  return `text:${String(part.text ?? "")}`;
}

export function signGeminiPart(part: Part, secret: string): string {
  return signThinking(`gemini:${canonical(part)}`, secret);
}


function parts(step: FakeStep, body: any, secret: string, nextId: (prefix: string) => string): Part[] {
  const thinkingConfig = body?.generationConfig?.thinkingConfig;
  const out: Part[] = [];
  if (step.thinking !== undefined && thinkingConfig?.includeThoughts) out.push({ text: step.thinking, thought: true });
  if (step.text !== undefined) out.push({ text: step.text });
  for (const tc of step.toolCalls ?? []) {
    const args = typeof tc.args === "string" ? JSON.parse(tc.args) : tc.args;
    out.push({ functionCall: { id: tc.id ?? nextId("gcall_"), name: tc.name, args } });
  }
  // With thinking, Gemini signs the first function call, else the last part.
  if (step.thinking !== undefined || step.redactedThinking !== undefined) {
    const signed = out.find((p) => p.functionCall) ?? out.at(-1);
    if (signed) signed.thoughtSignature = signGeminiPart(signed, secret);
    else out.push({ text: "", thought: true, thoughtSignature: signGeminiPart({ thought: true }, secret) });
  }
  return out;
}

function usage(step: FakeStep, body: any) {
  const prompt = step.usage?.input ?? tokens(json(body?.contents) + json(body?.systemInstruction) + json(body?.tools));
  const candidates = step.usage?.output ?? tokens(replyChars(step));
  const thoughts = step.thinking ? tokens(step.thinking.length) : 0;
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
    ...(step.usage?.cacheRead ? { cachedContentTokenCount: step.usage.cacheRead } : {}),
    totalTokenCount: prompt + candidates + thoughts,
  };
}

function finishReason(step: FakeStep): string {
  const map: Record<string, string> = { end_turn: "STOP", stop: "STOP", max_tokens: "MAX_TOKENS", length: "MAX_TOKENS", refusal: "SAFETY", content_filter: "SAFETY" };
  return step.stopReason ? (map[step.stopReason] ?? step.stopReason) : "STOP";
}

export function renderGemini(res: ServerResponse, step: FakeStep, body: any, ctx: RenderCtx, secret: string, stream: boolean): void {
  const all = parts(step, body, secret, ctx.nextId);
  const base = { modelVersion: ctx.model, responseId: ctx.id };
  if (!stream) {
    res.writeHead(200, { "content-type": "application/json", ...ctx.headers });
    res.end(JSON.stringify({ candidates: [{ content: { role: "model", parts: all }, finishReason: finishReason(step), index: 0 }], usageMetadata: usage(step, body), ...base }));
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...ctx.headers });
  all.forEach((part, i) => {
    const last = i === all.length - 1;
    const chunk = { candidates: [{ content: { role: "model", parts: [part] }, index: 0, ...(last ? { finishReason: finishReason(step) } : {}) }], ...(last ? { usageMetadata: usage(step, body) } : {}), ...base };
    res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
  });
  if (all.length === 0) res.write(`data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [] }, finishReason: finishReason(step), index: 0 }], usageMetadata: usage(step, body), ...base })}\r\n\r\n`);
  res.end();
}

/** Strict mode: what the real API refuses. */
export function validateGemini(body: any, secret: string): { message: string } | null {
  const contents = body?.contents;
  if (!Array.isArray(contents) || contents.length === 0) return { message: "* GenerateContentRequest.contents: contents is not specified" };
  const thinking = body.generationConfig?.thinkingConfig;
  if (thinking && thinking.thinkingBudget !== undefined && thinking.thinkingLevel !== undefined) {
    return { message: "thinking_budget and thinking_level are not supported together." };
  }
  for (let i = 0; i < contents.length; i++) {
    const content = contents[i];
    if (content?.role !== "user" && content?.role !== "model") return { message: `Please use a valid role: user, model (contents[${i}]).` };
    const ps: Part[] = Array.isArray(content.parts) ? content.parts : [];
    for (const [j, p] of ps.entries()) {
      if (p.thoughtSignature !== undefined && p.thoughtSignature !== signGeminiPart(p, secret)) {
        return { message: `Corrupted thought signature at contents[${i}].parts[${j}].` };
      }
    }
    const calls = ps.filter((p) => p.functionCall);
    if (content.role === "model" && calls.length > 0) {
      const next: Part[] = contents[i + 1]?.role === "user" && Array.isArray(contents[i + 1].parts) ? contents[i + 1].parts : [];
      const answered = new Set(next.filter((p) => p.functionResponse).map((p) => p.functionResponse.id ?? p.functionResponse.name));
      const missing = calls.filter((c) => !answered.has(c.functionCall.id ?? c.functionCall.name));
      if (missing.length > 0 && i + 1 < contents.length) {
        return { message: "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn." };
      }
    }
  }
  if (contents.at(-1)?.role !== "user") return { message: "Please ensure that multiturn requests end with a user role or a function response." };
  return null;
}
