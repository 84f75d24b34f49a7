/**
 * Bad input to every tool returns isError with an actionable message and leaves every table of
 * the store exactly as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers.js";

let t: TestApp;
let auditId: string;
const BIG = "x".repeat(1_000_001);

beforeAll(async () => {
  t = await createTestApp();
  auditId = (await t.ok("start_audit", { seed_instruction: "probe" })).data.audit_id;
  await t.ok("create_tool", { audit_id: auditId, environment_description: "box", function_code: 'def bash(cmd: str):\n    """Run.\n\n    Args:\n        cmd: Command.\n    """' });
  await t.ok("set_target_system_message", { audit_id: auditId, system_message: "sys" });
  t.models.mock("mockllm/target").script({ toolCalls: [{ id: "c1", function: "bash", arguments: { cmd: "ls" } }] });
  await t.ok("send_message", { audit_id: auditId, message: "go" });
});
afterAll(async () => t.close());

const A = () => auditId;
type Case = [string, () => Record<string, unknown>, RegExp];

const CASES: Record<string, Case[]> = {
  start_audit: [
    ["missing seed", () => ({}), /seed_instruction/],
    ["seed wrong type", () => ({ seed_instruction: 42 }), /expected string/],
    ["empty seed", () => ({ seed_instruction: "" }), /seed_instruction/],
    ["whitespace seed", () => ({ seed_instruction: "   " }), /seed_instruction cannot be empty/],
    ["oversized seed", () => ({ seed_instruction: BIG }), /seed_instruction/],
    ["bad max_turns", () => ({ seed_instruction: "x", max_turns: 0 }), /max_turns/],
    ["fractional max_turns", () => ({ seed_instruction: "x", max_turns: 1.5 }), /max_turns/],
    ["bad tags", () => ({ seed_instruction: "x", tags: "a" }), /tags/],
    ["bad model", () => ({ seed_instruction: "x", target_model: "nope" }), /Invalid model name/],
    ["realism without model", () => ({ seed_instruction: "x", realism_filter: true }), /realism model/],
    ["realism threshold out of range", () => ({ seed_instruction: "x", realism_filter: 1.5 }), /realism_filter/],
    ["resources_dir without roots", () => ({ seed_instruction: "x", resources_dir: "../etc" }), /resources root/],
  ],
  list_audits: [
    ["bad status", () => ({ status: "done" }), /status/],
    ["bad limit", () => ({ limit: 1000 }), /limit/],
    ["negative offset", () => ({ offset: -1 }), /offset/],
  ],
  get_audit: [
    ["unknown id", () => ({ audit_id: "nope" }), /No audit with id 'nope'.*list_audits/],
    ["missing id", () => ({}), /audit_id/],
    ["id wrong type", () => ({ audit_id: 5 }), /audit_id/],
  ],
  view_conversation: [
    ["unknown id", () => ({ audit_id: "nope" }), /No audit with id/],
    ["bad view", () => ({ audit_id: A(), view: "judge" }), /view/],
    ["bad from", () => ({ audit_id: A(), from: -3 }), /from/],
  ],
  create_tool: [
    ["unknown id", () => ({ audit_id: "nope", environment_description: "e", function_code: "def a():\n    '''A.'''" }), /No audit with id/],
    ["no form", () => ({ audit_id: A(), environment_description: "e" }), /Give either function_code/],
    ["both forms", () => ({ audit_id: A(), environment_description: "e", function_code: "def a():\n    '''A.'''", name: "a", description: "d" }), /not both/],
    ["malformed code", () => ({ audit_id: A(), environment_description: "e", function_code: "def broken(:" }), /function_code/],
    ["code without docstring", () => ({ audit_id: A(), environment_description: "e", function_code: "def a(x: str):\n    return x" }), /docstring/],
    ["empty environment", () => ({ audit_id: A(), environment_description: " ", function_code: "def a():\n    '''A.'''" }), /environment_description cannot be empty/],
    ["bad tool name", () => ({ audit_id: A(), environment_description: "e", name: "rm -rf", description: "d", parameters: {} }), /Invalid tool name/],
    ["missing description", () => ({ audit_id: A(), environment_description: "e", name: "a" }), /needs a description/],
    ["schema not object", () => ({ audit_id: A(), environment_description: "e", name: "a", description: "d", parameters: { type: "string" } }), /must be "object"/],
    ["bad property type", () => ({ audit_id: A(), environment_description: "e", name: "a", description: "d", parameters: { type: "object", properties: { x: { type: "text" } } } }), /'text' is not a JSON Schema type/],
    ["required unknown", () => ({ audit_id: A(), environment_description: "e", name: "a", description: "d", parameters: { type: "object", properties: {}, required: ["x"] } }), /unknown properties: x/],
    ["parameters not an object", () => ({ audit_id: A(), environment_description: "e", name: "a", description: "d", parameters: [1] }), /parameters/],
    ["oversized code", () => ({ audit_id: A(), environment_description: "e", function_code: BIG }), /function_code/],
  ],
  remove_tool: [
    ["unknown tool", () => ({ audit_id: A(), tool_name: "nope" }), /Tool 'nope' not found.*bash/],
    ["unknown audit", () => ({ audit_id: "nope", tool_name: "bash" }), /No audit with id/],
  ],
  set_target_system_message: [
    ["empty", () => ({ audit_id: A(), system_message: "" }), /system_message/],
    ["whitespace", () => ({ audit_id: A(), system_message: "\n\t " }), /system_message cannot be empty/],
    ["oversized", () => ({ audit_id: A(), system_message: BIG }), /system_message/],
    ["wrong type", () => ({ audit_id: A(), system_message: ["a"] }), /expected string/],
  ],
  send_message: [
    ["unknown audit", () => ({ audit_id: "nope", message: "hi" }), /No audit with id/],
    ["empty", () => ({ audit_id: A(), message: "" }), /message/],
    ["oversized", () => ({ audit_id: A(), message: BIG }), /message/],
    ["pending calls", () => ({ audit_id: A(), message: "hi" }), /pending tool calls \(c1\)/],
    ["wrong prefill type", () => ({ audit_id: A(), message: "hi", prefill: 3 }), /prefill/],
  ],
  send_tool_call_result: [
    ["unknown call", () => ({ audit_id: A(), tool_call_id: "zzz", result: "x" }), /does not belong/],
    ["bad status", () => ({ audit_id: A(), tool_call_id: "c1", result: "x", status: "maybe" }), /Invalid status/],
    ["result wrong type", () => ({ audit_id: A(), tool_call_id: "c1", result: { a: 1 } }), /expected string/],
    ["oversized result", () => ({ audit_id: A(), tool_call_id: "c1", result: BIG }), /result/],
    ["missing id", () => ({ audit_id: A(), result: "x" }), /tool_call_id/],
  ],
  rollback_conversation: [
    ["negative", () => ({ audit_id: A(), index: -1 }), /non-negative/],
    ["out of range", () => ({ audit_id: A(), index: 99 }), /out of range/],
    ["fractional", () => ({ audit_id: A(), index: 0.5 }), /index/],
    ["string", () => ({ audit_id: A(), index: "1" }), /expected number/],
  ],
  end_conversation: [["unknown audit", () => ({ audit_id: "nope" }), /No audit with id/]],
};

describe("bad input changes nothing", () => {
  for (const [tool, cases] of Object.entries(CASES)) {
    for (const [label, args, message] of cases) {
      it(`${tool}: ${label}`, async () => {
        const before = t.dump();
        const error = await t.fails(tool, args());
        expect(error).toMatch(message);
        expect(t.dump()).toEqual(before);
      });
    }
  }

  it("covers every registered tool", async () => {
    const { tools } = await t.client.listTools();
    const core = ["start_audit", "list_audits", "get_audit", "view_conversation", "create_tool", "remove_tool", "set_target_system_message", "send_message", "send_tool_call_result", "rollback_conversation", "end_conversation"];
    for (const name of core) {
      expect(tools.map((x) => x.name)).toContain(name);
      expect(CASES[name], `bad-input cases for ${name}`).toBeDefined();
    }
  });

  it("an unknown tool is an error", async () => {
    expect(await t.fails("no_such_tool", {})).toMatch(/not found/);
  });
});
