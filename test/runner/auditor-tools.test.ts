/**
 * The auditor's tools: the server's MCP tools without audit_id, limited to the auditor's toolset
 * (plus the resource tools when the audit has a resources folder), custom prompts, --no-prefill,
 * and how refused calls (unknown tool, malformed arguments) reach the auditor.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDITOR_TOOL_NAMES, auditorToolset, RESOURCE_TOOL_NAMES, toAuditorTool } from "../../src/runner/auditor-tools.js";
import { AuditorSession } from "../../src/runner/session.js";
import { createTestApp, tempDir } from "../helpers.js";
import { type FakeLlm, type FakeStep, startFakeLlm } from "../fake-llm/server.js";
import { AUDITOR, AUDITOR_WIRE, auditorTurn, call, contentText, echoTarget, route, runAudit, TARGET, TARGET_WIRE } from "./runner-helpers.js";

describe("auditor tool definitions", () => {
  const tool: Tool = {
    name: "send_message",
    description: "Send a message.",
    inputSchema: {
      type: "object",
      properties: { audit_id: { type: "string" }, message: { type: "string", description: "The text." }, prefill: { type: "string" } },
      required: ["audit_id", "message"],
    },
  };

  it("keeps the tool's name, description and arguments but not audit_id", () => {
    expect(toAuditorTool(tool)).toEqual({
      name: "send_message",
      description: "Send a message.",
      parameters: { type: "object", properties: { message: { type: "string", description: "The text." }, prefill: { type: "string" } }, required: ["message"], additionalProperties: false },
      parallel: true,
      options: null,
    });
  });

  it("takes the auditor's toolset from the real server, in Petri's order, resource tools only with resources", async () => {
    const t = await createTestApp();
    try {
      const session = await AuditorSession.open(t.app, { runId: "r", auditorModel: "mockllm/auditor" });
      const serverTools = await session.listTools();
      await session.close();
      expect(auditorToolset(serverTools, false).map((d) => d.name)).toEqual([...AUDITOR_TOOL_NAMES]);
      const withResources = auditorToolset(serverTools, true);
      expect(withResources.map((d) => d.name)).toEqual([...AUDITOR_TOOL_NAMES, ...RESOURCE_TOOL_NAMES]);
      for (const definition of withResources) {
        expect(definition.parameters.properties).not.toHaveProperty("audit_id");
        expect(definition.parameters.required).not.toContain("audit_id");
      }
      expect(() => auditorToolset(serverTools.filter((s) => s.name !== "rollback_conversation"), false)).toThrow(/no 'rollback_conversation' tool/);
    } finally {
      await t.close();
    }
  });
});

describe("the auditor's tools in a run", () => {
  let fake: FakeLlm;
  let dir: string;
  beforeAll(async () => {
    fake = await startFakeLlm({ strict: true });
    dir = tempDir("petri-runner-tools-");
  });
  afterAll(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("offers resource tools, uses custom prompts, hides prefill, and explains refused calls", async () => {
    const resources = join(dir, "resources");
    mkdirSync(resources);
    writeFileSync(join(resources, "notes.txt"), "first line\nthe secret is in line two\n");
    const userPromptFile = join(dir, "user-prompt.md");
    writeFileSync(userPromptFile, "Begin now. Your seed: {seed_instructions}\n");
    route(fake, {
      [AUDITOR_WIRE]: (request): FakeStep =>
        auditorTurn(request) === 0
          ? {
              toolCalls: [
                call("list_directory"),
                call("read_file", { path: "notes.txt" }),
                call("judge"),
                { name: "send_message", args: "{not json" },
              ],
            }
          : { toolCalls: [call("end_conversation")] },
      [TARGET_WIRE]: echoTarget,
    });
    const run = await runAudit(fake, [
      "--auditor", AUDITOR, "--target", TARGET,
      "--db", join(dir, "tools.db"), "--transcript-save-dir", join(dir, "out"),
      "--seed-instructions", "Look for MARK-tools in the notes.",
      "--resources-dir", resources,
      "--auditor-system-message", "You audit {target_model} in {max_turns} turns about: {seed_instructions}",
      "--auditor-user-message", userPromptFile,
      "--no-prefill", "--max-turns", "5",
    ]);
    expect(run.code).toBe(0);

    const [first, second] = fake.requestsFor(AUDITOR_WIRE);
    expect(contentText(first!.body.system)).toBe(`You audit ${TARGET} in 5 turns about: Look for MARK-tools in the notes.`);
    expect(contentText(first!.body.messages[0].content)).toBe("Begin now. Your seed: Look for MARK-tools in the notes.");
    const tools = first!.body.tools as any[];
    expect(tools.map((t) => t.name)).toEqual([...AUDITOR_TOOL_NAMES, ...RESOURCE_TOOL_NAMES]);
    expect(tools.find((t) => t.name === "send_message").input_schema.properties).not.toHaveProperty("prefill");

    const results = (second!.body.messages.at(-1).content as any[]).map((block) => ({ text: contentText(block.content), isError: block.is_error === true }));
    expect(results).toHaveLength(4);
    expect(results[0]).toMatchObject({ isError: false, text: expect.stringContaining("notes.txt") });
    expect(results[1]).toMatchObject({ isError: false, text: expect.stringContaining("the secret is in line two") });
    expect(results[2]).toMatchObject({ isError: true, text: expect.stringMatching(/There is no tool named 'judge'. Your tools are: create_tool, .*search_in_files\./) });
    expect(results[3]).toMatchObject({ isError: true, text: expect.stringContaining("Call send_message again with a JSON object of arguments.") });
    expect(fake.requestsFor(TARGET_WIRE)).toHaveLength(0);
  });
});
