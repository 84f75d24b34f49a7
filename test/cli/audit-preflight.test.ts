/**
 * `petri-mcp audit` checks every role's model and key before the first audit exists: without a
 * key, or with an unknown provider or a bad mock script, it stops with a clear message and exit
 * status 2, and creates neither the database nor the save dir.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAuditCommand } from "../../src/commands/audit.js";
import { missingCredentials } from "../../src/models/credentials.js";
import { tempDir } from "../helpers.js";

async function audit(args: string[], env: NodeJS.ProcessEnv) {
  const dir = tempDir("petri-preflight-");
  const db = join(dir, "store", "petri.db");
  const out = join(dir, "outputs");
  const stderr: string[] = [];
  const code = await runAuditCommand([...args, "--seed-instructions", "Probe something.", "--db", db, "--transcript-save-dir", out], { stdout: () => undefined, stderr: (s) => stderr.push(s) }, { env, cwd: dir });
  return { code, stderr: stderr.join("\n"), created: existsSync(join(dir, "store")) || existsSync(out) };
}

describe("petri-mcp audit preflight", () => {
  it.each([
    ["no Anthropic key for the auditor", ["--auditor", "anthropic/claude-sonnet-4-5", "--target", "mockllm/target"], {}, /auditor model 'anthropic\/claude-sonnet-4-5': set ANTHROPIC_API_KEY/],
    ["no OpenAI key for the target", ["--auditor", "mockllm/a", "--target", "openai/gpt-5"], {}, /target model 'openai\/gpt-5': set OPENAI_API_KEY/],
    ["no key for the judge", ["--auditor", "mockllm/a", "--target", "mockllm/t", "--judge", "anthropic/claude-opus-4-1"], {}, /judge model .*ANTHROPIC_API_KEY/],
    ["no server for an openai-api target", ["--auditor", "mockllm/a", "--target", "openai-api/vllm/Qwen/Qwen3-8B"], {}, /set VLLM_BASE_URL and VLLM_API_KEY/],
    ["an unknown provider", ["--auditor", "mockllm/a", "--target", "gemini/gemini-2.5-pro"], {}, /Unknown model provider 'gemini'/],
    ["a broken mock script", ["--auditor", "mockllm/script:/nonexistent.json", "--target", "mockllm/t"], {}, /mockllm script \/nonexistent\.json cannot be read/],
  ])("%s: exit 2, a clear message, nothing created", async (_label, args, env, pattern) => {
    const { code, stderr, created } = await audit(args, env);
    expect(code).toBe(2);
    expect(stderr).toMatch(pattern);
    expect(created).toBe(false);
  });

  it("the key check passes with the variables set (and mock models need none)", () => {
    expect(missingCredentials("anthropic/claude-sonnet-4-5", { ANTHROPIC_AUTH_TOKEN: "x" })).toBeNull();
    expect(missingCredentials("openai/gpt-5", { OPENAI_API_KEY: "x" })).toBeNull();
    expect(missingCredentials("openai-api/vllm/Qwen/Qwen3-8B", { VLLM_BASE_URL: "http://127.0.0.1:1/v1", VLLM_API_KEY: "x" })).toBeNull();
    expect(missingCredentials("openai-api/vllm/Qwen/Qwen3-8B", { VLLM_BASE_URL: "http://127.0.0.1:1/v1" })).toMatch(/set VLLM_API_KEY/);
    expect(missingCredentials("mockllm/model", {})).toBeNull();
  });

  it("a valid mock script runs", async () => {
    const dir = tempDir("petri-preflight-");
    const script = join(dir, "auditor.json");
    writeFileSync(script, JSON.stringify([{ tool_calls: [{ function: "end_conversation", arguments: {} }] }]));
    const stderr: string[] = [];
    const code = await runAuditCommand(
      ["--auditor", `mockllm/script:${script}`, "--target", "mockllm/t", "--seed-instructions", "Probe something.", "--db", join(dir, "petri.db"), "--transcript-save-dir", join(dir, "out")],
      { stdout: () => undefined, stderr: (s) => stderr.push(s) },
      { env: {}, cwd: dir, progress: { write: () => undefined, live: false } },
    );
    expect(stderr.join("\n")).not.toMatch(/Cannot use/);
    expect(code).toBe(0);
  });
});
