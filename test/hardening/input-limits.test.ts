/**
 * Hostile tool definitions and oddities (issue 14, hole 3; reliability findings 3, 6 and 14),
 * reproduced through MCP: each attack is refused quickly with a message naming the limit, and the
 * store is unchanged; the audit can still be viewed and exported afterwards.
 *
 * The time bounds are generous "did not hang" bounds: before the fix these calls took 5-11 s each
 * (or ended in a stack overflow); now they take milliseconds.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { MAX_NESTING } from "../../src/audit/python-signature.js";
import { TOOL_LIMITS } from "../../src/audit/synthetic-tools.js";
import { createTestApp, type TestApp } from "../helpers.js";

const HANG_BOUND_MS = 3_000;

let t: TestApp;
let auditId: string;

/** `[[[…1…]]]` nested `depth` deep, built without recursion. */
function nestedArray(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

const DOC = '\n    """Do it.\n\n    Args:\n        x: The input.\n    """\n    ...';

function storeSize(): number {
  return JSON.stringify(t.dump()).length;
}

/** Calls a tool expecting a refusal; checks the message, the store and the time taken. */
async function refused(tool: string, args: Record<string, unknown>, message: RegExp): Promise<string> {
  const before = t.dump();
  const started = performance.now();
  const error = await t.fails(tool, args);
  expect(performance.now() - started).toBeLessThan(HANG_BOUND_MS);
  expect(error).toMatch(message);
  expect(error).not.toMatch(/Internal error|petri-mcp bug|Maximum call stack|Invalid string length/);
  expect(t.dump()).toEqual(before);
  return error;
}

const jsonTool = (parameters: unknown) => ({ audit_id: auditId, environment_description: "A box.", name: "probe", description: "Probe.", parameters });
const codeTool = (functionCode: string) => ({ audit_id: auditId, environment_description: "A box.", function_code: functionCode });

beforeAll(async () => {
  vi.stubEnv("PETRI_LOG_LEVEL", "error");
  t = await createTestApp();
  auditId = (await t.ok("start_audit", { seed_instruction: "Probe hostile input." })).data.audit_id;
  await t.ok("create_tool", codeTool(`def bash(cmd: str):\n    """Run.\n\n    Args:\n        cmd: Command.\n    """`));
  await t.ok("set_target_system_message", { audit_id: auditId, system_message: "You are helpful." });
  t.models.mock("mockllm/target").script({ text: "Hello." });
  await t.ok("send_message", { audit_id: auditId, message: "Hi." });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await t.close();
});

describe("create_tool with a JSON Schema", () => {
  it("refuses the nested-default reproduction (3,500 levels, 7 KB) and the audit still exports and shows", async () => {
    const parameters = { type: "object", properties: { x: { type: "array", default: nestedArray(3_500) } } };
    expect(JSON.stringify(parameters).length).toBeLessThan(8_000);
    const error = await refused("create_tool", jsonTool(parameters), new RegExp(`nested deeper than ${TOOL_LIMITS.valueDepth} levels`));
    expect(error).toMatch(/parameters\.properties\.x\.default\[0\]/);
    expect(error).toMatch(/default, enum, examples and const count/);

    const exported = await t.ok("export_transcript", { audit_id: auditId, format: "petri" });
    expect(exported.data.bytes).toBeLessThan(100_000);
    const combined = await t.ok("view_conversation", { audit_id: auditId, view: "combined" });
    expect(combined.data.total).toBeGreaterThan(0);
  });

  it("refuses nesting too deep for a recursive JSON.stringify (100,000 levels) without a stack overflow", async () => {
    await refused("create_tool", jsonTool({ type: "object", properties: { x: { default: nestedArray(100_000) } } }), /nested deeper than/);
  });

  it.each([
    ["enum", { enum: [nestedArray(40)] }],
    ["examples", { examples: [nestedArray(40)] }],
    ["const", { const: nestedArray(40) }],
    ["an unknown keyword", { "x-extra": { a: nestedArray(40) } }],
  ])("counts values under %s toward the depth limit", async (_label, keyword) => {
    await refused("create_tool", jsonTool({ type: "object", properties: { x: { type: "array", ...keyword } } }), /nested deeper than 32 levels/);
  });

  it("refuses too many JSON values, too many bytes, and too deep schemas, each naming the limit", async () => {
    const manyValues = { type: "object", properties: { x: { type: "integer", enum: Array.from({ length: TOOL_LIMITS.values + 1 }, (_, i) => i) } } };
    await refused("create_tool", jsonTool(manyValues), new RegExp(`more than ${TOOL_LIMITS.values} JSON values`));
    const bigDefault = { type: "object", properties: { x: { type: "string", default: "y".repeat(TOOL_LIMITS.bytes) } } };
    await refused("create_tool", jsonTool(bigDefault), /the limit is 65536 \(64 KiB\)/);
    let schema: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < TOOL_LIMITS.schemaDepth; i++) schema = { type: "array", items: schema };
    await refused("create_tool", jsonTool({ type: "object", properties: { x: schema } }), /schema nested deeper than 10 levels/);
  });

  it("accepts a definition just inside the limits and stores it compactly (no quadratic rendering)", async () => {
    const before = storeSize();
    // parameters(1) > properties(2) > x(3) > default(4) > 28 more arrays = 32 levels.
    const parameters = { type: "object", properties: { x: { type: "array", default: nestedArray(TOOL_LIMITS.valueDepth - 4) } } };
    const created = await t.ok("create_tool", jsonTool(parameters));
    expect(created.data.parameters.properties.x.default).toEqual(nestedArray(TOOL_LIMITS.valueDepth - 4));
    expect(storeSize() - before).toBeLessThan(100_000);
    await t.ok("remove_tool", { audit_id: auditId, tool_name: "probe" });
  });

  it("keeps the auditor-view rendering of a large accepted definition bounded", async () => {
    const before = storeSize();
    const properties = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, { type: "string", description: "d".repeat(400), default: nestedArray(20) }]));
    const created = await t.ok("create_tool", jsonTool({ type: "object", properties }));
    expect(Object.keys(created.data.parameters.properties)).toHaveLength(100);
    const view = await t.ok("view_conversation", { audit_id: auditId, view: "auditor", from: 0, limit: 500 });
    expect(view.data.total).toBeGreaterThan(0);
    // The definition is ~46 KB as JSON; stored as the tool, its event and the call in two views, plus a rendering capped at 8,000 characters.
    expect(storeSize() - before).toBeLessThan(6 * 64 * 1024);
    const exported = await t.ok("export_transcript", { audit_id: auditId, format: "petri" });
    expect(exported.data.bytes).toBeLessThan(1_500_000);
    await t.ok("remove_tool", { audit_id: auditId, tool_name: "probe" });
  });
});

describe("tools per audit", () => {
  it(`refuses a new tool past ${TOOL_LIMITS.perAudit} per audit, and still replaces an existing one`, async () => {
    const id = (await t.ok("start_audit", { seed_instruction: "Many tools." })).data.audit_id as string;
    const tool = (name: string) => ({ audit_id: id, environment_description: "A box.", name, description: "Probe.", parameters: { type: "object", properties: {} } });
    for (let i = 0; i < TOOL_LIMITS.perAudit; i++) await t.ok("create_tool", tool(`tool_${i}`));
    await refused("create_tool", tool("one_more"), /already has 100 synthetic tools, the limit per audit\. Remove one with remove_tool/);
    expect((await t.ok("create_tool", tool("tool_7"))).data.replaced).toBe(true);
  });
});

describe("create_tool with function_code", () => {
  it("refuses 16,000 levels of brackets (96 KB) at once, naming the limit", async () => {
    const code = `def f(x: ${"list[".repeat(16_000)}int${"]".repeat(16_000)}):${DOC}`;
    expect(code.length).toBeLessThan(100_000);
    await refused("create_tool", codeTool(code), new RegExp(`nested deeper than ${MAX_NESTING} levels`));
  });

  it("refuses deep nesting hidden in a quoted forward reference, and deep parentheses", async () => {
    await refused("create_tool", codeTool(`def f(x: "${"list[".repeat(16_000)}int${"]".repeat(16_000)}"):${DOC}`), /nested deeper than 32 levels/);
    await refused("create_tool", codeTool(`def f(${"(".repeat(40_000)}${")".repeat(40_000)}):${DOC}`), /nested deeper than 32 levels/);
  });

  it.each([
    ["spaces after the signature", `def f(x: int)${" ".repeat(99_000)}x`, /must end with ':'/],
    ["spaces in the return annotation", `def f(x: int) -> a${" ".repeat(99_000)}x`, /must end with ':'/],
    ["a long number as a default", `def f(x: float = ${"1".repeat(99_000)}x):${DOC}`, /must be a literal/],
    ["spaces in a docstring entry", `def f(x: int):\n    """Doc.\n\n    Args:\n        x${" ".repeat(99_000)}y\n    """`, /has no description/],
  ])("answers quickly on inputs that made its regexes backtrack: %s", async (_label, code, message) => {
    await refused("create_tool", codeTool(code), message);
  });

  it("refuses a union or Literal too large for a tool definition", async () => {
    await refused("create_tool", codeTool(`def f(x: ${"int | ".repeat(16_000)}int):${DOC}`), /more than 5000 JSON values/);
    await refused("create_tool", codeTool(`def f(x: Literal[${"1, ".repeat(30_000)}1]):${DOC}`), /more than 5000 JSON values/);
  });

  it("accepts a long docstring of continuation lines in linear time", async () => {
    const code = `def f(x: int):\n    """Doc.\n\n    Args:\n        x: X.\n${"            more\n".repeat(5_000)}    """`;
    const started = performance.now();
    const created = await t.ok("create_tool", codeTool(code));
    expect(performance.now() - started).toBeLessThan(HANG_BOUND_MS);
    expect(created.data.parameters.properties.x.description).toMatch(/^X\. more more/);
    await t.ok("remove_tool", { audit_id: auditId, tool_name: "f" });
  });
});

describe("names and paging", () => {
  it.each([
    ["a NUL in seed_instruction", { seed_instruction: "\u0000" }, /seed_instruction contains a NUL character/],
    ["a NUL inside seed_instruction", { seed_instruction: "probe\u0000this" }, /NUL character/],
    ["a NUL in target_model", { seed_instruction: "probe", target_model: "openai/gpt\u0000x" }, /Invalid model name .*control character/],
    ["a newline in target_model", { seed_instruction: "probe", target_model: "mockllm/a\nb" }, /control character/],
    ["a NUL in realism_model", { seed_instruction: "probe", realism_filter: true, realism_model: "mockllm/r\u0000" }, /control character/],
  ])("start_audit refuses %s", async (_label, args, message) => {
    await refused("start_audit", args, message);
  });

  it("view_conversation says a page past the end is out of range", async () => {
    const error = await refused("view_conversation", { audit_id: auditId, view: "combined", from: 1e15 }, /from=1000000000000000 is past the end: the combined view has \d+ messages \(from 0 to \d+\)/);
    expect(error).not.toMatch(/999999999999999/);
    const total = (await t.ok("view_conversation", { audit_id: auditId, view: "target" })).data.total as number;
    await refused("view_conversation", { audit_id: auditId, from: total }, /past the end/);
    const last = await t.ok("view_conversation", { audit_id: auditId, from: total - 1 });
    expect(last.data.messages).toHaveLength(1);
  });
});
