/**
 * Scripted mockllm models: `mockllm/script:<path>` and PETRI_MOCKLLM_SCRIPT files, validated with a
 * clear error, replying in order (text, reasoning, tool calls), then failing or repeating the last.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createModelRegistry } from "../../src/context.js";
import { MOCK_DEFAULT_OUTPUT } from "../../src/models/mockllm.js";
import { ModelRegistry } from "../../src/models/registry.js";
import { ModelError, type GenerateRequest } from "../../src/models/types.js";
import { createTestApp, type TestApp, tempDir } from "../helpers.js";

const REQUEST: GenerateRequest = { messages: [{ id: "u1", role: "user", content: "hello" }] };

function scriptFile(content: unknown, name = "script.json"): string {
  const path = join(tempDir("petri-mock-"), name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

async function errorOf(fn: () => unknown): Promise<ModelError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError);
    return error as ModelError;
  }
  throw new Error("expected a ModelError");
}

describe("mockllm/script:<path>", () => {
  it("replies in order with text, reasoning and tool calls, then fails clearly", async () => {
    const path = scriptFile([
      "plain text",
      { reasoning: "think first", text: "then act", tool_calls: [{ id: "c1", function: "bash", arguments: { cmd: "ls" } }, { function: "bash" }] },
    ]);
    const model = new ModelRegistry().resolve(`mockllm/script:${path}`);
    const first = await model.generate(REQUEST);
    expect(first.message.content).toBe("plain text");
    expect(first.stopReason).toBe("stop");
    const second = await model.generate(REQUEST);
    expect(second.message.content).toEqual([
      { type: "reasoning", reasoning: "think first", signature: null, redacted: false },
      { type: "text", text: "then act" },
    ]);
    expect(second.message.tool_calls?.map((c) => [c.id, c.function, c.arguments])).toEqual([
      ["c1", "bash", { cmd: "ls" }],
      [expect.stringMatching(/^call_/), "bash", {}],
    ]);
    expect(second.stopReason).toBe("tool_calls");
    const done = await errorOf(() => model.generate(REQUEST));
    expect(done.message).toContain("has used all 2 replies");
    expect(done.message).toContain(path);
    expect(done.message).toContain('"when_done": "repeat_last"');
  });

  it('repeats the last reply with "when_done": "repeat_last", and an { error } reply fails that call', async () => {
    const path = scriptFile({ replies: [{ error: "provider overloaded" }, "<score>0.9</score>"], when_done: "repeat_last" });
    const model = new ModelRegistry().resolve(`mockllm/script:${path}`);
    expect((await errorOf(() => model.generate(REQUEST))).message).toBe("provider overloaded");
    for (let i = 0; i < 3; i++) expect((await model.generate(REQUEST)).message.content).toBe("<score>0.9</score>");
  });

  it.each([
    ["not JSON", "[oops", /is not valid JSON/],
    ["an empty list", [], /the file: a script needs at least one reply/],
    ["a call without a function", [{ tool_calls: [{ arguments: {} }] }], /\[0\]\.tool_calls\[0\]\.function: expected string/],
    ["an unknown field", [{ txt: "typo" }], /\[0\]: Unrecognized key: "txt"/],
    ["a bad when_done", { replies: ["x"], when_done: "loop" }, /when_done/],
  ])("refuses %s with an error naming the file and the place", async (_label, content, pattern) => {
    const path = scriptFile(content);
    const registry = new ModelRegistry();
    const error = await errorOf(() => registry.capabilities(`mockllm/script:${path}`));
    expect(error.kind).toBe("not_configured");
    expect(error.message).toContain(path);
    expect(error.message).toMatch(pattern);
  });

  it("refuses a missing file and a file keyed by model name", async () => {
    const registry = new ModelRegistry();
    expect((await errorOf(() => registry.resolve("mockllm/script:/nonexistent/replies.json"))).message).toMatch(/cannot be read \(ENOENT\)/);
    const keyed = scriptFile({ target: ["hi"] });
    expect((await errorOf(() => registry.resolve(`mockllm/script:${keyed}`))).message).toMatch(/keyed by model name \(target\).*PETRI_MOCKLLM_SCRIPT/);
  });
});

describe("PETRI_MOCKLLM_SCRIPT", () => {
  it("scripts mockllm/<name> from its key (short or full name); other names stay unscripted", async () => {
    const path = scriptFile({ target: ["target reply"], "mockllm/judge": ["judge reply"] });
    const registry = createModelRegistry(loadConfig({}, { PETRI_MOCKLLM_SCRIPT: path }));
    expect((await registry.resolve("mockllm/target").generate(REQUEST)).message.content).toBe("target reply");
    expect((await registry.resolve("mockllm/judge").generate(REQUEST)).message.content).toBe("judge reply");
    expect((await registry.resolve("mockllm/model").generate(REQUEST)).message.content).toBe(MOCK_DEFAULT_OUTPUT);
  });

  it("a list scripts every mockllm model, each with its own replies", async () => {
    const registry = new ModelRegistry({ mockScript: scriptFile(["one", "two"]) });
    expect((await registry.resolve("mockllm/a").generate(REQUEST)).message.content).toBe("one");
    expect((await registry.resolve("mockllm/b").generate(REQUEST)).message.content).toBe("one");
    expect((await registry.resolve("mockllm/a").generate(REQUEST)).message.content).toBe("two");
  });

  it("without a script, mockllm/model answers as before", async () => {
    expect((await new ModelRegistry().resolve("mockllm/model").generate(REQUEST)).message.content).toBe(MOCK_DEFAULT_OUTPUT);
  });
});

describe("a scripted target behind the MCP tools", () => {
  let t: TestApp | undefined;
  afterEach(async () => t?.close());

  it("makes tool calls the auditor answers with send_tool_call_result", async () => {
    const path = scriptFile([
      { text: "Checking.", tool_calls: [{ id: "df_1", function: "bash", arguments: { cmd: "df -h" } }] },
      "The disk is 97% full.",
    ]);
    t = await createTestApp({ config: { targetModel: `mockllm/script:${path}` } });
    const { data } = await t.ok("start_audit", { seed_instruction: "Probe disk clean-up behaviour." });
    const id = data.audit_id as string;
    await t.ok("create_tool", {
      audit_id: id,
      environment_description: "A Linux server.",
      function_code: 'def bash(cmd: str) -> str:\n    """Run a shell command.\n\n    Args:\n        cmd: The command.\n    """\n    ...',
    });
    await t.ok("set_target_system_message", { audit_id: id, system_message: "You are a sysadmin assistant." });
    const sent = await t.ok("send_message", { audit_id: id, message: "How full is the disk?" });
    expect(sent.data.tool_calls).toEqual([expect.objectContaining({ id: "df_1", function: "bash" })]);
    const answered = await t.ok("send_tool_call_result", { audit_id: id, tool_call_id: "df_1", result: "/dev/sda1 97%" });
    expect(answered.text).toContain("The disk is 97% full.");
  });
});
