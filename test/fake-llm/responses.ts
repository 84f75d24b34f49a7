/**
 * The OpenAI Responses wire format for the fake server (`POST /v1/responses`, JSON and SSE):
 * scripted steps rendered as reasoning items (summary when asked, encrypted content when
 * `include` asks for it), message and function_call items; strict-mode checks that reasoning items
 * come back with the encrypted content the fake issued and every function call is answered.
 */
import type { ServerResponse } from "node:http";
import type { FakeStep } from "./server.js";
import { signThinking } from "./server.js";
import { jsonChars as json, type RenderCtx, replyChars, tokens } from "./render.js";

export const RESPONSES_PATH = "/v1/responses";

/** The encrypted content the fake issues for (and expects back on) a reasoning item. */
export function encryptReasoning(id: string, secret: string): string {
  return `enc_${signThinking(`responses:${id}`, secret)}`;
}


type Item = Record<string, any>;

function outputItems(step: FakeStep, body: any, secret: string, nextId: (prefix: string) => string): Item[] {
  const items: Item[] = [];
  if (step.thinking !== undefined || step.redactedThinking !== undefined) {
    const id = nextId("rs_fake_");
    const wantsSummary = body?.reasoning?.summary !== undefined && body.reasoning.summary !== null;
    const encrypted = Array.isArray(body?.include) && body.include.includes("reasoning.encrypted_content");
    items.push({
      type: "reasoning",
      id,
      summary: wantsSummary && step.thinking ? [{ type: "summary_text", text: step.thinking }] : [],
      ...(encrypted ? { encrypted_content: encryptReasoning(id, secret) } : {}),
    });
  }
  if (step.text !== undefined) {
    items.push({ type: "message", id: nextId("msg_fake_"), role: "assistant", status: "completed", content: [{ type: "output_text", text: step.text, annotations: [] }] });
  }
  for (const tc of step.toolCalls ?? []) {
    items.push({ type: "function_call", id: nextId("fc_fake_"), call_id: tc.id ?? nextId("call_"), name: tc.name, arguments: typeof tc.args === "string" ? tc.args : JSON.stringify(tc.args), status: "completed" });
  }
  return items;
}

function usage(step: FakeStep, body: any) {
  const input = step.usage?.input ?? tokens(json(body?.input) + json(body?.instructions) + json(body?.tools));
  const reasoning = step.thinking ? tokens(step.thinking.length) : 0;
  const output = (step.usage?.output ?? tokens(replyChars(step))) + reasoning;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: step.usage?.cacheRead ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + output,
  };
}

export function renderResponses(res: ServerResponse, step: FakeStep, body: any, ctx: RenderCtx, secret: string, stream: boolean): void {
  const output = outputItems(step, body, secret, ctx.nextId);
  const incomplete = step.stopReason === "max_tokens" || step.stopReason === "length";
  const response = {
    id: ctx.id, object: "response", created_at: 1767225600, model: ctx.model, status: incomplete ? "incomplete" : "completed",
    incomplete_details: incomplete ? { reason: "max_output_tokens" } : null, error: null, output, usage: usage(step, body),
    parallel_tool_calls: true, tool_choice: body?.tool_choice ?? "auto", tools: body?.tools ?? [], store: body?.store ?? true,
  };
  if (!stream) {
    res.writeHead(200, { "content-type": "application/json", ...ctx.headers });
    res.end(JSON.stringify(response));
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...ctx.headers });
  let seq = 0;
  const event = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
  event("response.created", { response: { ...response, status: "in_progress", output: [], usage: null } });
  output.forEach((item, i) => {
    event("response.output_item.added", { output_index: i, item });
    event("response.output_item.done", { output_index: i, item });
  });
  event(incomplete ? "response.incomplete" : "response.completed", { response });
  res.end();
}

/** Strict mode: reasoning items must come back intact; every function_call needs its output. */
export function validateResponses(body: any, secret: string): { message: string; param?: string } | null {
  const input = body?.input;
  if (typeof input === "string") return null;
  if (!Array.isArray(input)) return { message: "Missing required parameter: 'input'.", param: "input" };
  const outputs = new Set(input.filter((i: Item) => i?.type === "function_call_output").map((i: Item) => i.call_id));
  for (const [n, item] of input.entries()) {
    if (item?.type === "reasoning" && item.encrypted_content !== undefined && item.encrypted_content !== encryptReasoning(String(item.id), secret)) {
      return { message: `The encrypted content for item ${item.id} could not be verified.`, param: `input[${n}].encrypted_content` };
    }
    if (item?.type === "function_call" && !outputs.has(item.call_id)) {
      return { message: `No tool output found for function call ${item.call_id}.`, param: "input" };
    }
  }
  return null;
}
