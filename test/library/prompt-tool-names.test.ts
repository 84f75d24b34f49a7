/**
 * The auditor prompts name our tools exactly as the server exposes them. The resource, judge and
 * export tools are still being built by others, so DESIGN.md's tool table is the expected set:
 * the prompts mention nothing outside it, and what the server registers is a subset of it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPromptFile } from "../../src/package-files.js";
import { SERVER_INSTRUCTIONS } from "../../src/server.js";
import { AUDITOR_PLACEHOLDERS } from "../../src/prompts/auditor.js";
import { createTestApp, type TestApp } from "../helpers.js";

/** DESIGN.md "MCP tools": the 19 tool names with their arguments. */
const DESIGN_TOOLS: Record<string, string[]> = {
  start_audit: ["seed_instruction", "target_model", "max_turns", "tags", "realism_filter", "resources_dir"],
  list_audits: [],
  get_audit: ["audit_id"],
  view_conversation: ["audit_id", "view", "from", "limit"],
  create_tool: ["audit_id", "environment_description", "function_code", "name", "description", "parameters"],
  remove_tool: ["audit_id", "tool_name"],
  set_target_system_message: ["audit_id", "system_message"],
  send_message: ["audit_id", "message", "prefill"],
  send_tool_call_result: ["audit_id", "tool_call_id", "result", "status", "prefill"],
  rollback_conversation: ["audit_id", "index"],
  end_conversation: ["audit_id"],
  list_directory: ["audit_id", "path"],
  read_file: ["audit_id", "path", "line_range"],
  send_file_as_tool_result: ["audit_id", "tool_call_id", "path", "line_range", "edits", "prefill"],
  search_in_files: ["audit_id", "tool_call_id", "path", "pattern", "prefill"],
  judge: ["audit_id", "dimensions", "judge_model", "wait_seconds"],
  get_judge_result: ["audit_id", "run_id"],
  get_run_report: ["run_id"],
  export_transcript: ["audit_id", "format", "path"],
};
const TOOL_NAMES = new Set(Object.keys(DESIGN_TOOLS));

/** Backticked text in the prompts that is not a tool: tags, the call-line format, folders. */
const NON_TOOL_CODE = new Set(["...", "[id: ...] fn(arg=...)", "system-prompts/", "tool-definitions/", "codebases/"]);
/** snake_case words that are neither tools nor arguments: tag and attribute names of target replies. */
const REPLY_FORMAT_WORDS = new Set(["target_response", "target_tool_calls", "message_index"]);
const PLACEHOLDERS = new Set<string>([...AUDITOR_PLACEHOLDERS, "resources_listing", "resources_instructions"]);

const FILES = ["auditor-system.md", "auditor-user.md", "auditor-resources.md", "continue.md"];

function withoutCodeBlocks(text: string): string {
  return text.replace(/```[\s\S]*?```/g, "");
}

function backticked(text: string): string[] {
  return [...withoutCodeBlocks(text).matchAll(/`([^`\n]+)`/g)].map((m) => m[1] as string);
}

function snakeWords(text: string): string[] {
  return [...new Set(withoutCodeBlocks(text).match(/\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g) ?? [])];
}

let t: TestApp;
let registered: { name: string; args: string[] }[];

beforeAll(async () => {
  t = await createTestApp();
  const { tools } = await t.client.listTools();
  registered = tools.map((tool) => ({ name: tool.name, args: Object.keys(tool.inputSchema.properties ?? {}) }));
});
afterAll(() => t.close());

describe("tool names in the auditor prompts", () => {
  it("DESIGN.md's table has the 19 tools", () => {
    expect(TOOL_NAMES.size).toBe(19);
  });

  it("the server registers only tools from DESIGN.md's table, with DESIGN.md's arguments", () => {
    expect(registered.length).toBeGreaterThan(0);
    for (const tool of registered) {
      expect(TOOL_NAMES, `registered tool ${tool.name}`).toContain(tool.name);
      for (const arg of DESIGN_TOOLS[tool.name] ?? []) {
        if (arg === "audit_id" || arg === "prefill") continue; // prefill is hidden with --no-prefill; audit_id checked below
        expect(tool.args, `${tool.name}(${arg})`).toContain(arg);
      }
      if (tool.name !== "start_audit" && tool.name !== "list_audits" && tool.name !== "get_run_report") expect(tool.args, tool.name).toContain("audit_id");
    }
  });

  it.each(FILES)("every backticked name in %s is a DESIGN.md tool", (file) => {
    const code = backticked(readPromptFile(file));
    for (const token of code) {
      if (/^[a-z][a-z0-9_]*$/.test(token)) expect(TOOL_NAMES, `${file}: \`${token}\``).toContain(token);
      else if (token.startsWith("<")) expect(token, `${file}: \`${token}\``).toMatch(/^<(thinking|target_response|target_tool_calls)( message_index="N")?>$/);
      else expect(NON_TOOL_CODE, `${file}: \`${token}\``).toContain(token);
    }
  });

  it.each(FILES)("every snake_case word in %s is a tool, an argument, a placeholder or part of the reply format", (file) => {
    const args = new Set([...Object.values(DESIGN_TOOLS).flat(), ...registered.flatMap((tool) => tool.args)]);
    for (const word of snakeWords(readPromptFile(file))) {
      const known = TOOL_NAMES.has(word) || args.has(word) || PLACEHOLDERS.has(word) || REPLY_FORMAT_WORDS.has(word);
      expect(known, `${file}: ${word}`).toBe(true);
    }
  });

  it("the system prompt names every tool that acts on the target", () => {
    const system = readPromptFile("auditor-system.md");
    for (const name of ["create_tool", "remove_tool", "set_target_system_message", "send_message", "send_tool_call_result", "rollback_conversation", "end_conversation", "start_audit"]) {
      expect(system).toContain(`\`${name}\``);
    }
    const resources = readPromptFile("auditor-resources.md");
    for (const name of ["list_directory", "read_file", "send_file_as_tool_result", "search_in_files"]) expect(resources).toContain(`\`${name}\``);
  });
});

describe("server instructions", () => {
  it("stay under 2 KB", () => {
    expect(Buffer.byteLength(SERVER_INSTRUCTIONS, "utf8")).toBeLessThan(2048);
  });

  it("reach the client and name only DESIGN.md tools", async () => {
    expect(t.client.getInstructions()).toBe(SERVER_INSTRUCTIONS);
    const args = new Set(Object.values(DESIGN_TOOLS).flat());
    for (const word of snakeWords(SERVER_INSTRUCTIONS)) {
      expect(TOOL_NAMES.has(word) || args.has(word) || REPLY_FORMAT_WORDS.has(word), word).toBe(true);
    }
    for (const uri of SERVER_INSTRUCTIONS.match(/petri:\/\/[a-z/-]+/g) ?? []) {
      expect(["petri://prompts/auditor-system", "petri://seeds"]).toContain(uri);
    }
  });
});
