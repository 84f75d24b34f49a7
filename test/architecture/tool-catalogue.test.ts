/**
 * The catalogue of auditor actions (src/audit/catalogue.ts) is the one source of the tool
 * contract: what the server lists, each tool's handler file, the auditor-view recording, the
 * generated docs table, and the only place in src/ a tool name is written.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOGUE, GATED_TOOLS, handlerFile, TOOL, TOOL_NAMES, type ToolName } from "../../src/audit/catalogue.js";
import { OPERATION_ANNOTATIONS } from "../../src/tools/define.js";
import { TOOL_SPECS } from "../../src/tools/index.js";
import { TOOLS_DOC, updatedToolsDoc } from "../../scripts/docs-tools.js";
import { renderToolSpecs, TOOL_SPECS_FILE } from "../../scripts/tool-specs.js";
import type { TestApp } from "../helpers.js";
import { auditWithPendingCalls, createResourceApp, makeResourceTree, type ResourceTree } from "../resources/resource-helpers.js";

const ROOT = resolve(import.meta.dirname, "../..");

let tree: ResourceTree;
let t: TestApp;
beforeAll(async () => {
  tree = makeResourceTree();
  t = await createResourceApp(tree);
});
afterAll(async () => {
  await t.close();
  tree.cleanup();
});

describe("the tool catalogue", () => {
  it("is what the server lists: names in order, titles, annotations from the operation type", async () => {
    const { tools } = await t.client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(TOOL_NAMES);
    for (const tool of tools) {
      const entry = CATALOGUE[tool.name as ToolName];
      expect(tool.title).toBe(entry.title);
      expect(tool.annotations).toEqual({ title: entry.title, ...OPERATION_ANNOTATIONS[entry.operation] });
    }
  });

  it("has one handler file per tool, at the path it names, exporting that tool's spec", () => {
    for (const name of TOOL_NAMES) {
      expect(existsSync(join(ROOT, handlerFile(name))), handlerFile(name)).toBe(true);
      expect(TOOL_SPECS[name].name).toBe(name);
    }
  });

  it("records and gates only tools that act on one audit", async () => {
    const { tools } = await t.client.listTools();
    const takesAuditId = new Set(tools.filter((tool) => tool.inputSchema.required?.includes("audit_id")).map((tool) => tool.name));
    for (const name of TOOL_NAMES.filter((n) => CATALOGUE[n].recorded || CATALOGUE[n].reachesTarget)) expect(takesAuditId.has(name), name).toBe(true);
    expect(GATED_TOOLS).toEqual(TOOL_NAMES.filter((n) => CATALOGUE[n].reachesTarget));
  });

  it("records exactly the successful calls of `recorded` tools in the auditor view, in order", async () => {
    const { auditId, target } = await auditWithPendingCalls(t, [{ id: "c1" }, { id: "c2", function: "grep" }]);
    const made: string[] = [TOOL.create_tool, TOOL.set_target_system_message, TOOL.send_message];
    const ok = async (name: ToolName, args: Record<string, unknown>) => {
      await t.ok(name, { audit_id: auditId, ...args });
      made.push(name);
    };
    await t.ok(TOOL.list_audits, {});
    await ok(TOOL.get_audit, {});
    await ok(TOOL.view_conversation, {});
    await ok(TOOL.list_directory, {});
    await ok(TOOL.read_file, { path: "codebases/app/src/main.py" });
    await ok(TOOL.send_file_as_tool_result, { tool_call_id: "c1", path: "codebases/app/src/main.py" });
    target.script({ text: "Searching.", toolCalls: [{ id: "c3", function: "read_file", arguments: { path: "x" } }] });
    await ok(TOOL.search_in_files, { tool_call_id: "c2", path: "codebases/app", pattern: "TIMEOUT" });
    await ok(TOOL.send_tool_call_result, { tool_call_id: "c3", result: "done" });
    await t.fails(TOOL.send_tool_call_result, { tool_call_id: "c3", result: "twice" }); // a failed call is not recorded
    await ok(TOOL.rollback_conversation, { index: 0 });
    await ok(TOOL.remove_tool, { tool_name: "read_file" });
    await ok(TOOL.end_conversation, {});
    await ok(TOOL.export_transcript, {});

    const auditor = (await t.app.store.messages.branch(auditId, "auditor")).map((m) => m.message);
    const recorded = auditor.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []).map((c) => c.function) : []));
    expect(recorded).toEqual(made.filter((name) => CATALOGUE[name as ToolName].recorded));
    // Every recorded tool was exercised here.
    expect(new Set(recorded)).toEqual(new Set(TOOL_NAMES.filter((n) => CATALOGUE[n].recorded)));
  });

  it("is the only place in src/ a tool name is written as a string", () => {
    const files = (function walk(dir: string): string[] {
      return readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? walk(path) : path.endsWith(".ts") ? [path] : [];
      });
    })(join(ROOT, "src")).filter((path) => !path.endsWith(join("audit", "catalogue.ts")));
    // "judge" is also a model role and a job kind, so it is left out of this check.
    const names = TOOL_NAMES.filter((name) => name !== TOOL.judge);
    const literal = new RegExp(`["'](${names.join("|")})["']`);
    const found = files.flatMap((path) => readFileSync(path, "utf8").split("\n").flatMap((line, i) => (literal.test(line) ? [`${path}:${i + 1}: ${line.trim()}`] : [])));
    expect(found).toEqual([]);
  });

  it("matches the generated table in docs/tools.md (npm run docs:tools)", () => {
    const current = readFileSync(TOOLS_DOC, "utf8");
    expect(updatedToolsDoc(current), "docs/tools.md is stale: run npm run docs:tools").toBe(current);
  });

  it("registers the specs the generated src/tools/specs.ts lists (npm run tools:update)", () => {
    expect(readFileSync(TOOL_SPECS_FILE, "utf8"), "src/tools/specs.ts is stale: run npm run tools:update").toBe(renderToolSpecs());
  });
});
