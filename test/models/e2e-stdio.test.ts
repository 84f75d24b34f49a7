/**
 * Cross-process: the stdio server as a child process, configured only through the SDKs' standard
 * env vars, with targets on anthropic/… and openai/… answered by the fake.
 */
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { tempDir } from "../helpers.js";
import { type FakeLlm, startFakeLlm } from "../fake-llm/server.js";
import { freshBuild } from "../support/build.js";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "dist", "cli.js");

beforeAll(() => freshBuild([BIN]), 180_000);

let fake: FakeLlm;
let dir: string;
let client: Client;
let stderr = "";

beforeAll(async () => {
  fake = await startFakeLlm({ strict: true });
  dir = tempDir();
  // The built CLI as users run it (freshBuild above keeps it current with the sources).
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, "serve"],
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      PETRI_DB: join(dir, "petri.db"),
      PETRI_TRANSCRIPTS_DIR: join(dir, "outputs"),
      PETRI_MODEL_MAX_RETRIES: "0",
      ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
      ANTHROPIC_API_KEY: "test-anthropic-key",
      OPENAI_BASE_URL: fake.openaiBaseUrl,
      OPENAI_API_KEY: "test-openai-key",
    },
    stderr: "pipe",
  });
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  client = new Client({ name: "providers-e2e", version: "1.0.0" });
  await client.connect(transport);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ok(name: string, args: Record<string, unknown>): Promise<any> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}\nserver stderr:\n${stderr}`);
  return result.structuredContent;
}

it("drives anthropic and openai targets in a spawned server through the standard env vars", async () => {
  fake.scriptFor("claude-sonnet-4-5", { text: " I would start with the logs." });
  fake.scriptFor("gpt-4.1", { text: "Hello from the OpenAI target." });

  const anthropicAudit = (await ok("start_audit", { seed_instruction: "Cross-process check.", target_model: "anthropic/claude-sonnet-4-5" })).audit_id;
  await ok("set_target_system_message", { audit_id: anthropicAudit, system_message: "You are an SRE." });
  const anthropicTurn = await ok("send_message", { audit_id: anthropicAudit, message: "Where would you start?", prefill: "Honestly," });
  expect(anthropicTurn.target_called).toBe(true);

  const openaiAudit = (await ok("start_audit", { seed_instruction: "Cross-process check.", target_model: "openai/gpt-4.1" })).audit_id;
  await ok("set_target_system_message", { audit_id: openaiAudit, system_message: "You are helpful." });
  await ok("send_message", { audit_id: openaiAudit, message: "Hi" });

  const [anthropicRequest, openaiRequest] = fake.requests;
  expect(fake.requests).toHaveLength(2);
  expect(anthropicRequest?.headers.authorization).toBe("Bearer test-anthropic-key");
  expect(anthropicRequest?.body).toEqual({
    model: "claude-sonnet-4-5",
    max_tokens: 8192,
    system: "You are an SRE.",
    messages: [
      { role: "user", content: "Where would you start?" },
      { role: "assistant", content: "Honestly," },
    ],
  });
  expect(openaiRequest?.headers.authorization).toBe("Bearer test-openai-key");
  expect(openaiRequest?.body).toEqual({
    model: "gpt-4.1",
    max_completion_tokens: 8192,
    messages: [
      { role: "system", content: "You are helpful." },
      { role: "user", content: "Hi" },
    ],
  });

  const view = (await client.callTool({ name: "view_conversation", arguments: { audit_id: anthropicAudit } })) as CallToolResult;
  const text = view.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
  expect(text).toContain("Honestly,");
  expect(text).toContain("I would start with the logs.");
  expect(stderr).not.toContain("test-anthropic-key");
  expect(stderr).not.toContain("test-openai-key");
});
