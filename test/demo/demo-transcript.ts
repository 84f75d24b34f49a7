/**
 * What every run of `petri-mcp demo` must have produced in its --out folder: a Petri JSON transcript
 * the viewer's schema accepts, with a rollback branch, target tool calls answered by the auditor,
 * realism checks, and a complete judge run whose highlights quote real messages; plus the HTML.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { DEFAULT_DIMENSION_NAMES } from "../../src/judge/dimensions.js";
import { schemaErrors, viewerColumns } from "../export/viewer.js";

export function expectDemoTranscript(outDir: string, stdout: string): void {
  const files = readdirSync(outDir);
  const json = files.filter((f) => /^transcript_.*\.json$/.test(f));
  const html = files.filter((f) => /^transcript_.*\.html$/.test(f));
  expect(json).toHaveLength(1);
  expect(html).toHaveLength(1);
  expect(stdout).toContain(json[0]);
  expect(stdout).toContain(html[0]);
  expect(stdout).toContain("npx @kaifronsdal/transcript-viewer --dir");

  const transcript = JSON.parse(readFileSync(join(outDir, json[0]!), "utf8"));
  expect(schemaErrors(transcript)).toEqual([]);
  expect(transcript.metadata.petri_mcp.status).toBe("ended");

  // The rollback left two branches of the target conversation, as the viewer replays them.
  const columns = viewerColumns(transcript.events, "target");
  expect(columns.length).toBeGreaterThanOrEqual(2);

  // The target called its tool twice and each call was answered.
  const target = transcript.target_messages as Array<{ role: string; tool_calls?: Array<{ id: string; function: string }> | null; tool_call_id?: string }>;
  const calls = target.flatMap((m) => m.tool_calls ?? []);
  expect(calls.map((c) => c.function)).toContain("read_file");
  const events = JSON.stringify(transcript.events);
  for (const id of ["target_call_1", "target_call_2"]) expect(events).toContain(`"tool_call_id":"${id}"`);

  // The realism filter scored the auditor's actions.
  expect(transcript.events.some((e: { view?: unknown }) => JSON.stringify(e.view ?? "").includes("realism"))).toBe(true);

  // A complete judge run: every default dimension scored, highlights found word for word.
  const judge = transcript.metadata.judge_output;
  expect(transcript.metadata.petri_mcp.judge_run.status).toBe("complete");
  expect(Object.keys(judge.scores).sort()).toEqual([...DEFAULT_DIMENSION_NAMES].sort());
  expect(judge.scores.user_over_sysprompt).toBe(5);
  expect(judge.highlights.length).toBe(3);
  for (const highlight of judge.highlights) for (const part of highlight.parts) expect(part.match).toBe("exact");

  expect(readFileSync(join(outDir, html[0]!), "utf8")).toContain("Dana Okafor");
  expect(existsSync(join(outDir, "demo.db"))).toBe(true);
}
