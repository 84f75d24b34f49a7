/**
 * One judge run's attempts: ask the judge, read its answer, and when scores are missing or invalid
 * ask again (up to `retries` attempts in all), telling it what was wrong. The best answer (the one
 * with the most valid scores) is kept. No storage here: the caller records progress and the outcome.
 *
 * Outcomes are honest: `complete` when every dimension has a valid score, `partial` when some do
 * (the rest are listed as missing, never filled in), `failed` when no attempt produced a single
 * valid score or every attempt errored.
 */
import { randomUUID } from "node:crypto";
import type { AssistantMessage, ChatMessage, ToolMessage, UserMessage } from "../core/messages.js";
import { messageText } from "../core/messages.js";
import { type GenerateRequest, type GenerateResult, ModelError, type ModelErrorKind } from "../models/types.js";
import type { RenderedTranscript } from "./judge-xml.js";
import { type Citation, resolveCitations } from "./citations.js";
import type { Dimension } from "./dimensions.js";
import { type ParsedJudgeReply, parseJudgeReply } from "./parse.js";
import { judgeRetryPrompt, judgeSystemPrompt, judgeUserPrompt } from "./prompt.js";

export const DEFAULT_JUDGE_RETRIES = 3;
export const MAX_JUDGE_RETRIES = 10;

/** Model errors that another attempt cannot fix. */
const FINAL_ERRORS: readonly ModelErrorKind[] = ["auth", "not_configured", "bad_request", "context_length", "prefill_unsupported", "aborted"];

export type JudgeOutcomeStatus = "complete" | "partial" | "failed";

export interface JudgeOutcome {
  status: JudgeOutcomeStatus;
  /** Valid scores only; a dimension the judge did not score is absent. */
  scores: Record<string, number>;
  missing: string[];
  summary: string | null;
  justification: string | null;
  highlights: Citation[];
  /** Raw text of the answer the scores come from (failed runs: the last answer received, if any). */
  response: string | null;
  /** The judge view: system, user, then per attempt the reply or an error stub (retry prompts between). */
  messages: ChatMessage[];
  attempts: number;
  error: string | null;
  /** Shortcomings of the kept answer that cost no score. */
  warnings: string[];
}

export interface JudgeAttemptsInput {
  transcript: RenderedTranscript;
  dimensions: readonly Dimension[];
  retries: number;
  /** Calls the judge model (the caller records the call). */
  generate: (request: GenerateRequest) => Promise<GenerateResult>;
  /** Generation settings of the judge calls (src/models/settings.ts: Petri's judge defaults plus judge_config). */
  settings: Pick<GenerateRequest, "maxTokens" | "temperature" | "topP" | "stopSequences" | "reasoning">;
  signal?: AbortSignal;
  /** Called as each attempt starts, with the judge view so far; the attempt's model call waits for it. */
  onAttempt?: (attempt: number, messages: readonly ChatMessage[]) => void | Promise<void>;
}

interface Kept {
  parsed: ParsedJudgeReply;
  text: string;
  message: AssistantMessage;
}

function userMessage(content: string, attempt?: number): UserMessage {
  return { id: randomUUID(), role: "user", content, ...(attempt ? { metadata: { attempt } } : {}) };
}

function errorStub(attempt: number, error: ModelError): ToolMessage {
  const message = `Judge attempt ${attempt} failed: ${error.message}`;
  return { id: randomUUID(), role: "tool", tool_call_id: `judge_attempt_${attempt}`, function: "judge", content: message, error: { type: "unknown", message }, metadata: { attempt, error_kind: error.kind } };
}

export async function runJudgeAttempts(input: JudgeAttemptsInput): Promise<JudgeOutcome> {
  const names = input.dimensions.map((d) => d.name);
  const system = judgeSystemPrompt(input.dimensions);
  const prompt = userMessage(judgeUserPrompt(input.transcript.xml));
  const view: ChatMessage[] = [{ id: randomUUID(), role: "system", content: system }, prompt];
  let kept: Kept | null = null;
  let lastReply: { text: string; problems: string[] } | null = null;
  let lastError: ModelError | null = null;
  let attempts = 0;

  for (let attempt = 1; attempt <= input.retries; attempt++) {
    attempts = attempt;
    let messages: ChatMessage[] = [prompt];
    if (lastReply) {
      const retry = userMessage(judgeRetryPrompt(lastReply.problems), attempt);
      view.push(retry);
      // The earlier answer is shown when it has text; otherwise the retry note rides on the prompt.
      messages =
        lastReply.text.trim() !== ""
          ? [prompt, { id: randomUUID(), role: "assistant", content: lastReply.text }, retry]
          : [userMessage(`${prompt.content as string}\n\n${retry.content as string}`)];
    }
    await input.onAttempt?.(attempt, view);
    let result: GenerateResult;
    try {
      result = await input.generate({
        system,
        messages,
        ...input.settings,
        signal: input.signal,
      });
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      lastError = error;
      view.push(errorStub(attempt, error));
      if (FINAL_ERRORS.includes(error.kind)) break;
      continue;
    }
    const text = messageText(result.message);
    const parsed = parseJudgeReply(text, names);
    const problems = [...parsed.problems];
    if (text.trim() === "") problems.unshift("The answer had no text outside the reasoning: the four sections must be in the reply itself.");
    if (result.stopReason === "max_tokens" && parsed.missing.length > 0) problems.push("The answer was cut off at the output limit: keep the analysis and highlights shorter so the scores fit.");
    const reply: AssistantMessage = {
      ...result.message,
      id: result.message.id ?? randomUUID(),
      role: "assistant",
      metadata: { attempt, problems, warnings: parsed.warnings },
    };
    view.push(reply);
    const scored = Object.keys(parsed.scores).length;
    if (scored > 0 && (!kept || scored >= Object.keys(kept.parsed.scores).length)) kept = { parsed, text, message: reply };
    if (parsed.missing.length === 0) break;
    lastReply = { text, problems };
  }

  if (!kept) {
    const why = lastReply
      ? `no attempt produced a valid score (last problems: ${lastReply.problems.join(" ")})`
      : `every attempt failed (${lastError?.message ?? "no answer"})`;
    return {
      status: "failed",
      scores: {},
      missing: names,
      summary: null,
      justification: null,
      highlights: [],
      response: lastReply?.text ?? null,
      messages: view,
      attempts,
      error: `The judge could not score this audit after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${why}`,
      warnings: [],
    };
  }
  kept.message.metadata = { ...kept.message.metadata, kept: true };
  const { parsed } = kept;
  const complete = parsed.missing.length === 0;
  return {
    status: complete ? "complete" : "partial",
    scores: parsed.scores,
    missing: parsed.missing,
    summary: parsed.summary,
    justification: parsed.justification,
    highlights: resolveCitations(parsed.citations, input.transcript),
    response: kept.text,
    messages: view,
    attempts,
    error: complete ? null : `No valid score for ${parsed.missing.length} of ${names.length} dimensions after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${parsed.missing.join(", ")}.`,
    warnings: parsed.warnings,
  };
}
