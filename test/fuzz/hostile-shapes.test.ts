/**
 * Every hostile shape of hostile.ts, sent on purpose through a fuzz episode (so the usual checks
 * hold: a well-formed result, no internal error, nothing written on a refusal), each answered
 * within a generous bound while another client's list_audits still answers: no shape may block
 * the event loop (issue 14).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { textOf } from "../helpers.js";
import { Ref } from "./arbitraries.js";
import { type Episode, startEpisode } from "./episode.js";
import { CATASTROPHIC_PATTERNS, DEEP_VALUES, HOSTILE_FUNCTION_CODE, HOSTILE_PARAMETERS, HUGE_REPETITIONS } from "./hostile.js";

/** "Did not hang" bounds: a blocked event loop (the bug) took from 5 s to forever. */
const CALL_BOUND_MS = 5_000;
const PROBE_BOUND_MS = 3_000;

let episode: Episode;
let probe: Awaited<ReturnType<Episode["t"]["connectClient"]>>;
let auditId: string;

beforeAll(async () => {
  vi.stubEnv("PETRI_LOG_LEVEL", "error");
  episode = await startEpisode(0);
  probe = await episode.t.connectClient("probe");
  auditId = episode.resolve({ audit_id: new Ref("audit", 0) }).audit_id as string;
  // The target always asks for another tool call, so every search has a pending call to answer.
  episode.t.models.mock("mockllm/target").respondWith(() => ({ text: "Searching.", toolCalls: [{ id: "tc_alpha", function: "bash", arguments: { cmd: "grep" } }] }));
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await episode.close();
});

/**
 * Sends the call, and a moment later list_audits from another client; both must answer within
 * their bounds. Measured from the start, so a handler that blocks the event loop delays the probe.
 */
async function sendHostile(tool: string, args: Record<string, unknown>) {
  const started = performance.now();
  const call = episode.call(tool, args);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const answered = await probe.callTool({ name: "list_audits", arguments: {} });
  expect(answered.isError).toBeFalsy();
  expect(performance.now() - started, `list_audits during ${tool}`).toBeLessThan(PROBE_BOUND_MS);
  const result = await call;
  expect(performance.now() - started, tool).toBeLessThan(CALL_BOUND_MS);
  return result;
}

const createTool = (extra: Record<string, unknown>) => ({ audit_id: auditId, environment_description: "A box.", ...extra });

describe("hostile shapes", () => {
  it.each(HOSTILE_PARAMETERS.map((parameters, i) => [i, parameters] as const))("create_tool with hostile parameters #%i", async (_i, parameters) => {
    const result = await sendHostile("create_tool", createTool({ name: "probe", description: "Probe.", parameters }));
    expect(result.isError).toBe(true);
  });

  it.each(HOSTILE_FUNCTION_CODE.map((code, i) => [i, code] as const))("create_tool with hostile function_code #%i", async (_i, code) => {
    await sendHostile("create_tool", createTool({ function_code: code }));
  });

  it.each(CATASTROPHIC_PATTERNS.map((pattern) => [pattern.slice(0, 30), pattern] as const))("search_in_files with the pattern %s", async (_label, pattern) => {
    const target = episode.resolve({ audit_id: new Ref("audit", 3), tool_call_id: new Ref("toolCall", 1) });
    const result = await sendHostile("search_in_files", { ...target, path: ".", pattern });
    // A pending call is always there, so a refusal can only be about the pattern itself (its syntax or size).
    if (result.isError) expect(textOf(result)).toMatch(/^pattern "/);
  });

  it.each(HUGE_REPETITIONS.map((text, i) => [i, text] as const))("huge repetition #%i as a message, a tool result and a tag", async (_i, text) => {
    await sendHostile("send_message", { audit_id: auditId, message: text });
    const target = episode.resolve({ audit_id: new Ref("audit", 1), tool_call_id: new Ref("toolCall", 1) });
    await sendHostile("send_tool_call_result", { ...target, result: text });
    await sendHostile("start_audit", { seed_instruction: "Hostile tags.", tags: [text] });
  });

  it.each(DEEP_VALUES.map((value, i) => [i, value] as const))("deeply nested value #%i in place of any argument", async (_i, value) => {
    for (const tool of ["start_audit", "send_message", "view_conversation", "search_in_files", "judge"]) {
      const result = await sendHostile(tool, { audit_id: auditId, seed_instruction: value, message: value, from: value, pattern: value, dimensions: value });
      expect(result.isError).toBe(true);
    }
  });
});
