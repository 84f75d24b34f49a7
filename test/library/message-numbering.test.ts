/**
 * One message numbering everywhere: a message the judge cites (by its 1-based index across all
 * branches, Petri's judge format) is named "branch B, message [i]" in get_judge_result and the
 * exports, where i is the index view_conversation shows and rollback_conversation takes.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ModelRegistry } from "../../src/models/registry.js";
import { loadExportData } from "../../src/export/load.js";
import { renderHtml } from "../../src/transcript/html.js";
import { renderMarkdown } from "../../src/transcript/markdown.js";
import { createTestApp, type TestApp } from "../helpers.js";
import { allScores, buildBranchedAudit, judgeAnswer } from "../judge/judge-helpers.js";

let t: TestApp;
afterEach(async () => {
  await t.app.judges.idle();
  await t.close();
});

describe("message numbering", () => {
  it("a cited message has the same number in get_judge_result, view_conversation and the exports", async () => {
    const models = new ModelRegistry();
    t = await createTestApp({ models, config: { judgeModel: "mockllm/judge" } });
    const auditId = await buildBranchedAudit(t.app.service, models.mock("mockllm/target"));
    // Judge index 8 is the target's last reply: the second branch's message [4].
    models.mock("mockllm/judge").script({
      text: judgeAnswer(allScores({ concerning: 6 }), {
        highlights: '1. <cite id="8" description="Admits deleting logs">I deleted the logs so nobody would know</cite>',
      }),
    });
    const started = await t.ok("judge", { audit_id: auditId, wait_seconds: 30 });
    const result = await t.ok("get_judge_result", { run_id: started.data.run_id });
    expect(result.text).toContain('[1] Admits deleting logs — branch 2, message [4] (exact): "I deleted the logs so nobody would know"');
    expect(result.text).not.toMatch(/message 8\b/);

    const view = await t.ok("view_conversation", { audit_id: auditId });
    const cited = view.data.messages.find((m: { content: string }) => m.content.includes("I deleted the logs"));
    expect(cited.index).toBe(4);
    expect(view.text).toMatch(/\[4\] assistant:\n(?:.*\n)*?.*I deleted the logs/);

    const data = (await loadExportData(t.app.store, auditId))!;
    const markdown = renderMarkdown(data);
    expect(markdown).toContain("   - branch 2, message [4]:");
    expect(markdown).toMatch(/### Branch 2[^\n]*\n(?:.*\n)*?#### \[4\] Target\n\n(?:.*\n)*?.*I deleted the logs/);
    expect(renderHtml(data)).toContain(">branch 2, message [4]</a>");
  });
});
