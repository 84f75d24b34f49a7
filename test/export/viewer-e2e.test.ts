/**
 * End to end: export every kind of audit with export_transcript, start the Petri transcript viewer
 * from node_modules on that folder, and check through its HTTP API that every file is listed and
 * loads without a schema validation error.
 */
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers.js";
import { SCENARIOS } from "./scenarios.js";
import { type RunningViewer, startViewer } from "./viewer.js";

let t: TestApp;
let viewer: RunningViewer;
const exported = new Map<string, string>();

beforeAll(async () => {
  t = await createTestApp();
  for (const scenario of Object.values(SCENARIOS)) {
    const auditId = await scenario(t);
    const { data } = await t.ok("export_transcript", { audit_id: auditId });
    exported.set(auditId, data.path as string);
  }
  viewer = await startViewer(t.app.config.transcriptsDir);
}, 60_000);

afterAll(async () => {
  await viewer?.stop();
  await t.close();
});

interface ListedTranscript {
  id: string;
  _filePath: string;
}

describe("the transcript viewer on a folder of exports", () => {
  it("lists every exported file", async () => {
    const files = readdirSync(t.app.config.transcriptsDir).filter((f) => f.endsWith(".json"));
    expect(files).toHaveLength(exported.size);
    const response = await fetch(`${viewer.url}/api/transcripts/list`);
    expect(response.status).toBe(200);
    const listed = (await response.json()) as ListedTranscript[];
    expect(listed.map((l) => l._filePath).sort()).toEqual(files.sort());
    expect(listed.map((l) => l.id).sort()).toEqual([...exported.keys()].sort());
  });

  it("loads every file without a validation error", async () => {
    for (const [auditId, path] of exported) {
      const file = path.slice(t.app.config.transcriptsDir.length + 1);
      const response = await fetch(`${viewer.url}/api/transcripts?filePath=${encodeURIComponent(file)}`);
      const body = (await response.json()) as { success?: boolean; data?: { id: string; transcript: { metadata: { transcript_id: string } } }; message?: string; details?: string };
      expect({ file, status: response.status, details: body.details }).toEqual({ file, status: 200, details: undefined });
      expect(body.success).toBe(true);
      expect(body.data!.id).toBe(auditId);
      expect(body.data!.transcript.metadata.transcript_id).toBe(auditId);
    }
    expect(viewer.output()).not.toMatch(/validation failed|validation error/i);
  });
});
