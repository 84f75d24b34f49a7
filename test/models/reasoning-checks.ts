/** The check the reasoning-model tests share (kept apart from helpers.ts: the viewer schema loads TypeScript). */
import { expect } from "vitest";
import { loadExportData } from "../../src/export/load.js";
import { renderJudgeTranscript } from "../../src/judge/judge-xml.js";
import { buildPetriTranscript } from "../../src/transcript/petri-json.js";
import { schemaErrors } from "../export/viewer.js";
import type { TestApp } from "../helpers.js";

/**
 * After two target calls that reasoned: get_audit reports them (no errors, reasoning tokens, a cost),
 * the Petri export is valid against the viewer schema and its target messages contain `inExport`,
 * and the judge transcript contains `inJudge`.
 */
export async function expectReasoningRecorded(app: TestApp, auditId: string, inExport: string, inJudge: string): Promise<void> {
  const audit = await app.ok("get_audit", { audit_id: auditId });
  const usage = audit.data.usage.find((u: { role: string }) => u.role === "target");
  expect(usage).toMatchObject({ calls: 2, errors: 0 });
  expect(usage.reasoning_tokens).toBeGreaterThan(0);
  expect(usage.cost_usd).toBeGreaterThan(0);
  const transcript = buildPetriTranscript((await loadExportData(app.app.store, auditId))!);
  expect(schemaErrors(transcript)).toEqual([]);
  expect(JSON.stringify(transcript.target_messages)).toContain(inExport);
  expect(renderJudgeTranscript(await app.app.store.messages.all(auditId, "target")).xml).toContain(inJudge);
}
