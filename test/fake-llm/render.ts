/** What the fake's reply renderers (Anthropic, Chat Completions, Gemini, Responses) share. */
import type { FakeStep } from "./server.js";

/** What a renderer knows of the request it answers. */
export interface RenderCtx { id: string; model: string; nextId: (prefix: string) => string; headers: Record<string, string> }

/** Deterministic token count: ceil(chars / 4), at least 1. */
export const tokens = (chars: number) => Math.max(1, Math.ceil(chars / 4));

/** The length of a value as JSON (0 when absent). */
export const jsonChars = (v: unknown) => (v === undefined ? 0 : JSON.stringify(v).length);

/** Characters of a step's visible reply: its text plus each tool call's name and arguments as JSON. */
export const replyChars = (step: FakeStep) => (step.text ?? "").length + (step.toolCalls ?? []).reduce((n, tc) => n + tc.name.length + JSON.stringify(tc.args).length, 0);
