/**
 * Every tool honours the contract: title, description, all four annotation hints, an output
 * schema, a snake_case name. That every input and output field is described (nested ones
 * included) is checked with the schema snapshots, in test/architecture/tool-schemas.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers.js";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

describe("tool contract", () => {
  it("every tool declares title, description, annotations and schemas", async () => {
    const { tools } = await t.client.listTools();
    expect(tools.length).toBeGreaterThanOrEqual(11);
    const problems: string[] = [];
    for (const tool of tools) {
      if (!tool.title) problems.push(`${tool.name}: no title`);
      if (!tool.description || tool.description.length < 40) problems.push(`${tool.name}: description too short`);
      if (tool.description && tool.description.length > 2000) problems.push(`${tool.name}: description over 2 KB`);
      for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
        if (typeof tool.annotations?.[hint] !== "boolean") problems.push(`${tool.name}: ${hint} not set`);
      }
      if (!tool.outputSchema) problems.push(`${tool.name}: no outputSchema`);
      if (!/^[a-z][a-z_]{2,40}$/.test(tool.name)) problems.push(`${tool.name}: not snake_case`);
    }
    expect(problems).toEqual([]);
  });

  it("read tools are read-only and model-calling tools are open-world", async () => {
    const { tools } = await t.client.listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    for (const name of ["list_audits", "get_audit", "view_conversation"]) expect(byName.get(name)?.annotations?.readOnlyHint).toBe(true);
    for (const name of ["send_message", "send_tool_call_result"]) expect(byName.get(name)?.annotations).toMatchObject({ readOnlyHint: false, openWorldHint: true });
    expect(byName.get("rollback_conversation")?.annotations).toMatchObject({ destructiveHint: true, openWorldHint: false });
  });

  it("server instructions are a short usage guide", async () => {
    const instructions = t.client.getInstructions() ?? "";
    expect(instructions).toContain("start_audit");
    expect(Buffer.byteLength(instructions)).toBeLessThan(2048);
  });
});
