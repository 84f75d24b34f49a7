import { describe, expect, it } from "vitest";
import { mergeAssistant, pendingToolCalls, rollbackProblem, toWire } from "../../src/audit/conversation.js";
import { capOutput, formatTargetResponse, pyRepr } from "../../src/audit/format.js";
import type { AssistantMessage, ChatMessage } from "../../src/core/messages.js";

const sys: ChatMessage = { id: "s", role: "system", content: "You are helpful." };
const user: ChatMessage = { id: "u", role: "user", content: "hi" };
const callTurn: AssistantMessage = {
  id: "a",
  role: "assistant",
  content: "Checking.",
  tool_calls: [
    { id: "c1", function: "bash", arguments: { cmd: "ls" }, type: "function" },
    { id: "c2", function: "bash", arguments: { cmd: "pwd" }, type: "function" },
  ],
};
const result1: ChatMessage = { id: "t1", role: "tool", tool_call_id: "c1", function: "bash", content: "a.txt" };

describe("pendingToolCalls", () => {
  it("lists calls of the latest assistant turn without results", () => {
    expect(pendingToolCalls([sys, user, callTurn])?.pending).toEqual(["c1", "c2"]);
    expect(pendingToolCalls([sys, user, callTurn, result1])?.pending).toEqual(["c2"]);
  });

  it("only considers the latest assistant turn (ids are reused across turns)", () => {
    const later: AssistantMessage = { id: "b", role: "assistant", content: "done" };
    expect(pendingToolCalls([sys, user, callTurn, later])).toBeNull();
  });
});

describe("toWire", () => {
  it("separates the system text and merges a prefill with its continuation without a separator", () => {
    const prefill: AssistantMessage = { id: "p", role: "assistant", content: "I think", metadata: { source: "Auditor", prefill: true } };
    const reply: AssistantMessage = { id: "r", role: "assistant", content: " we should stop.", metadata: { source: "Target" } };
    const wire = toWire([sys, user, prefill, reply, { id: "u2", role: "user", content: "why?" }]);
    expect(wire.system).toBe("You are helpful.");
    expect(wire.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(wire.messages[1]!.content).toBe("I think we should stop.");
    expect(wire.endsWithPrefill).toBe(false);
    expect(toWire([sys, user, prefill]).endsWithPrefill).toBe(true);
  });

  it("merges content lists and tool calls", () => {
    const merged = mergeAssistant(
      { id: "1", role: "assistant", content: [{ type: "reasoning", reasoning: "hmm", signature: "sig" }] },
      { id: "2", role: "assistant", content: "ok", tool_calls: callTurn.tool_calls },
    );
    expect(merged.content).toEqual([{ type: "reasoning", reasoning: "hmm", signature: "sig" }, { type: "text", text: "ok" }]);
    expect(merged.tool_calls).toHaveLength(2);
  });
});

describe("rollbackProblem", () => {
  const branch = [sys, user, callTurn, result1];
  it("accepts system, user and assistant indices", () => {
    expect(rollbackProblem(branch, 0)).toBeNull();
    expect(rollbackProblem(branch, 2)).toBeNull();
  });
  it("refuses negative, fractional, out-of-range and tool indices", () => {
    expect(rollbackProblem(branch, -1)).toMatch(/non-negative integer/);
    expect(rollbackProblem(branch, 1.5)).toMatch(/non-negative integer/);
    expect(rollbackProblem(branch, 4)).toMatch(/out of range.*4 messages.*0-3/);
    expect(rollbackProblem(branch, 3)).toMatch(/tool result.*a\.txt/);
    expect(rollbackProblem([], 0)).toMatch(/empty/);
  });
});

describe("formatting", () => {
  it("renders Petri's target_response shape", () => {
    const text = formatTargetResponse(
      { ...callTurn, content: [{ type: "reasoning", reasoning: "plan" }, { type: "text", text: "Checking." }] },
      2,
    );
    expect(text).toContain('<target_response message_index="2">\n<thinking>\nplan\n</thinking>\nChecking.\n</target_response>');
    expect(text).toContain("<target_tool_calls>\n[id: c1] bash(cmd='ls')\n[id: c2] bash(cmd='pwd')\n</target_tool_calls>");
    expect(text).toContain("send_tool_call_result");
  });

  it("uses Python reprs for arguments", () => {
    expect(pyRepr({ a: [1, true, null], b: "it's" })).toBe(`{'a': [1, True, None], 'b': "it's"}`);
    expect(pyRepr("line\nbreak")).toBe("'line\\nbreak'");
  });

  it("caps output at a byte budget with a notice", () => {
    const capped = capOutput("é".repeat(1000), 300);
    expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(300);
    expect(capped).toMatch(/Output truncated: showing the first 300 of 2000 bytes/);
    expect(capped).not.toContain("\uFFFD");
    expect(capOutput("short", 300)).toBe("short");
  });
});
