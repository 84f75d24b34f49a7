/**
 * The auditor prompts and the server instructions name our tools exactly as the server exposes
 * them: the tool names are the catalogue's (src/audit/catalogue.ts), the arguments those the
 * server lists (their schemas are pinned by test/architecture/tool-schemas.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOL, TOOL_NAMES as CATALOGUE_NAMES, toolsOfGroup } from "../../src/audit/catalogue.js";
import { readPromptFile } from "../../src/package-files.js";
import { SERVER_INSTRUCTIONS } from "../../src/server.js";
import { AUDITOR_PLACEHOLDERS } from "../../src/prompts/auditor.js";
import { createTestApp, type TestApp } from "../helpers.js";

const TOOL_NAMES = new Set<string>(CATALOGUE_NAMES);

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
  it.each(FILES)("every backticked name in %s is a tool", (file) => {
    const code = backticked(readPromptFile(file));
    for (const token of code) {
      if (/^[a-z][a-z0-9_]*$/.test(token)) expect(TOOL_NAMES, `${file}: \`${token}\``).toContain(token);
      else if (token.startsWith("<")) expect(token, `${file}: \`${token}\``).toMatch(/^<(thinking|target_response|target_tool_calls)( message_index="N")?>$/);
      else expect(NON_TOOL_CODE, `${file}: \`${token}\``).toContain(token);
    }
  });

  it.each(FILES)("every snake_case word in %s is a tool, an argument, a placeholder or part of the reply format", (file) => {
    const args = new Set(registered.flatMap((tool) => tool.args));
    for (const word of snakeWords(readPromptFile(file))) {
      const known = TOOL_NAMES.has(word) || args.has(word) || PLACEHOLDERS.has(word) || REPLY_FORMAT_WORDS.has(word);
      expect(known, `${file}: ${word}`).toBe(true);
    }
  });

  it("the system prompt names every tool that acts on the target", () => {
    const system = readPromptFile("auditor-system.md");
    for (const name of [...toolsOfGroup("target"), TOOL.start_audit]) {
      expect(system).toContain(`\`${name}\``);
    }
    const resources = readPromptFile("auditor-resources.md");
    for (const name of toolsOfGroup("resources")) expect(resources).toContain(`\`${name}\``);
  });
});

describe("server instructions", () => {
  it("stay under 2 KB", () => {
    expect(Buffer.byteLength(SERVER_INSTRUCTIONS, "utf8")).toBeLessThan(2048);
  });

  it("reach the client and name only our tools and their arguments", async () => {
    expect(t.client.getInstructions()).toBe(SERVER_INSTRUCTIONS);
    const args = new Set(registered.flatMap((tool) => tool.args));
    for (const word of snakeWords(SERVER_INSTRUCTIONS)) {
      expect(TOOL_NAMES.has(word) || args.has(word) || REPLY_FORMAT_WORDS.has(word), word).toBe(true);
    }
    for (const uri of SERVER_INSTRUCTIONS.match(/petri:\/\/[a-z/-]+/g) ?? []) {
      expect(["petri://prompts/auditor-system", "petri://seeds"]).toContain(uri);
    }
  });
});
