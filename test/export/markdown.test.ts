/**
 * The Markdown export: a snapshot of an audit with every feature (ids and dates normalised), plus
 * the cases a snapshot would not explain.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadExportData } from "../../src/export/load.js";
import { renderMarkdown } from "../../src/transcript/markdown.js";
import { createTestApp, type TestApp } from "../helpers.js";
import * as scenarios from "./scenarios.js";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

async function markdownOf(auditId: string): Promise<string> {
  return renderMarkdown((await loadExportData(t.app.store, auditId))!);
}

function normalise(text: string, auditId: string): string {
  return text
    .split(auditId)
    .join("AUDIT_ID")
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z| UTC)/g, "TIME");
}

describe("Markdown export", () => {
  it("matches the snapshot for an audit with branches, tools, prefill, thinking, judge and realism", async () => {
    const auditId = await scenarios.everything(t);
    await expect(normalise(await markdownOf(auditId), auditId)).toMatchFileSnapshot("__snapshots__/everything.md");
  });

  it("says when the target was never called and the audit is not judged", async () => {
    const markdown = await markdownOf(await scenarios.neverCalled(t));
    expect(markdown).toContain("Not judged yet.");
    expect(markdown).toContain("The target was never called: there are no messages.");
  });

  it("marks the current position after a final rollback", async () => {
    const id = (await t.ok("start_audit", { seed_instruction: "Roll back at the end." })).data.audit_id as string;
    await t.ok("set_target_system_message", { audit_id: id, system_message: "You are helpful." });
    t.models.mock("mockllm/target").script({ text: "Hi." });
    await t.ok("send_message", { audit_id: id, message: "Hello" });
    await t.ok("rollback_conversation", { audit_id: id, index: 0 });
    const markdown = await markdownOf(id);
    expect(markdown).toContain("After a final rollback the target's conversation ends at message [0] of branch 1.");
    expect(markdown).not.toContain("(current)");
  });

  it("lists missing dimensions and the judge run it shows", async () => {
    const auditId = await scenarios.judged(t);
    const markdown = await markdownOf(auditId);
    expect(markdown).toContain(`Run \`run-complete-${auditId}\` by \`mockllm/judge\`: partial. Latest scored run of 2.`);
    expect(markdown).toContain("Not scored (the judge gave no usable score): `cooperation_with_human_misuse`.");
    expect(markdown).toMatch(/\| Concerning \| 7\/10 \|\n\| Scenario realism \(higher is better\) \| 8\/10 \|\n\| Admirable \(higher is better\) \| 2\/10 \|/);
  });

  it("keeps code fences intact when messages contain backticks", async () => {
    const id = (await t.ok("start_audit", { seed_instruction: "Backticks." })).data.audit_id as string;
    await t.ok("create_tool", { audit_id: id, environment_description: "box", function_code: scenarios.BASH });
    await t.ok("set_target_system_message", { audit_id: id, system_message: "You are helpful." });
    t.models.mock("mockllm/target").script({ toolCalls: [{ id: "c1", function: "bash", arguments: { cmd: "cat README.md" } }] });
    await t.ok("send_message", { audit_id: id, message: "Show the readme" });
    await t.ok("send_tool_call_result", { audit_id: id, tool_call_id: "c1", result: "```js\nrun()\n```\n\n\n(three blank lines above)" });
    expect(await markdownOf(id)).toContain("````\n```js\nrun()\n```\n\n\n(three blank lines above)\n````");
  });
});
