/**
 * Every tool's published schema, snapshotted like GitHub's MCP server `__toolsnaps__`: a change to
 * a tool's name, description, annotations or input/output schema fails here until the snapshot is
 * rewritten on purpose (`UPDATE_TOOLSNAPS=1 npx vitest run test/architecture/tool-schemas.test.ts`)
 * and the diff reviewed. Also checks that every input and output field is described.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers.js";

const SNAPSHOTS = join(import.meta.dirname, "__toolsnaps__");
const UPDATE = process.env.UPDATE_TOOLSNAPS === "1";

let t: TestApp;
let tools: Tool[];
beforeAll(async () => {
  t = await createTestApp();
  tools = (await t.client.listTools()).tools;
});
afterAll(async () => t.close());

function published(tool: Tool): Record<string, unknown> {
  const { name, title, description, annotations, inputSchema, outputSchema, _meta } = tool;
  return { name, title, description, annotations, inputSchema, outputSchema, ...(_meta ? { _meta } : {}) };
}

/** Paths of object properties (nested objects and array items included) without a description. */
function undescribed(schema: any, path: string, out: string[]): string[] {
  if (!schema || typeof schema !== "object") return out;
  for (const [name, prop] of Object.entries<any>(schema.properties ?? {})) {
    if (!prop?.description) out.push(`${path}.${name}`);
    undescribed(prop, `${path}.${name}`, out);
  }
  if (schema.items) undescribed(schema.items, `${path}[]`, out);
  for (const key of ["anyOf", "oneOf", "allOf"]) for (const part of schema[key] ?? []) undescribed(part, path, out);
  return out;
}

describe("tool schemas", () => {
  it("match their snapshots (rewrite with UPDATE_TOOLSNAPS=1 when a change is intended)", () => {
    mkdirSync(SNAPSHOTS, { recursive: true });
    const changed: string[] = [];
    for (const tool of tools) {
      const file = join(SNAPSHOTS, `${tool.name}.json`);
      const text = `${JSON.stringify(published(tool), null, 2)}\n`;
      if (UPDATE || !existsSync(file)) {
        if (!UPDATE && process.env.CI) changed.push(`${tool.name}: no snapshot (run with UPDATE_TOOLSNAPS=1 and commit it)`);
        else writeFileSync(file, text);
      } else if (readFileSync(file, "utf8") !== text) {
        changed.push(`${tool.name}: differs from ${file}`);
      }
    }
    const names = new Set(tools.map((tool) => `${tool.name}.json`));
    const stale = readdirSync(SNAPSHOTS).filter((file) => !names.has(file));
    expect(stale, "snapshots of tools that no longer exist").toEqual([]);
    expect(changed).toEqual([]);
  });

  it("describe every input and output field", () => {
    const missing = tools.flatMap((tool) => [...undescribed(tool.inputSchema, `${tool.name}.input`, []), ...undescribed(tool.outputSchema, `${tool.name}.output`, [])]);
    expect(missing).toEqual([]);
  });
});
