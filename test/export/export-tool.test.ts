/**
 * export_transcript through MCP: file naming, formats, paths kept inside the transcripts folder;
 * and the transcript resources: listing, reading, completion and update notifications.
 */
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exportFileName } from "../../src/export/export.js";
import { createTestApp, type TestApp, tempDir } from "../helpers.js";
import * as scenarios from "./scenarios.js";
import { schemaErrors } from "./viewer.js";

let t: TestApp;
let auditId: string;
let outputs: string;

beforeEach(async () => {
  t = await createTestApp();
  outputs = t.app.config.transcriptsDir;
  auditId = await scenarios.basic(t);
});
afterEach(async () => t.close());

/** What an export must not change, read through the store interface: every audit, its messages, heads and events. */
const storeTables = async () => {
  const state = [];
  for (const audit of (await t.app.store.audits.list({ limit: 1000 })).audits) {
    const views: unknown[] = [];
    for (const view of ["target", "combined", "auditor"] as const) views.push(await t.app.store.messages.all(audit.id, view), await t.app.store.messages.head(audit.id, view));
    state.push({ audit, views, events: await t.app.store.events.list(audit.id) });
  }
  return state;
};

describe("export_transcript", () => {
  it("names files like Petri, with the export time in UTC", () => {
    const at = new Date("2026-01-22T10:04:05.123Z");
    expect(exportFileName("a7k2m9q4xw3p", "petri", at)).toBe("transcript_2026-01-22_10-04-05_a7k2m9q4xw3p.json");
    expect(exportFileName("a7k2m9q4xw3p", "markdown", at)).toBe("transcript_2026-01-22_10-04-05_a7k2m9q4xw3p.md");
    expect(exportFileName("a7k2m9q4xw3p", "html", at)).toBe("transcript_2026-01-22_10-04-05_a7k2m9q4xw3p.html");
  });

  it("writes transcript_<date>_<audit_id>.json in the transcripts folder and links the resource", async () => {
    const before = await storeTables();
    const result = await t.call("export_transcript", { audit_id: auditId });
    expect(result.isError).toBeFalsy();
    const data = result.structuredContent as { path: string; format: string; bytes: number; resource_uri: string };
    expect(data.format).toBe("petri");
    expect(basename(data.path)).toMatch(new RegExp(`^transcript_\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2}_${auditId}\\.json$`));
    expect(data.path.startsWith(outputs + "/")).toBe(true);
    const text = readFileSync(data.path, "utf8");
    expect(Buffer.byteLength(text)).toBe(data.bytes);
    expect(schemaErrors(JSON.parse(text))).toEqual([]);
    expect(result.content).toContainEqual(expect.objectContaining({ type: "resource_link", uri: `petri://audits/${auditId}/transcript`, mimeType: "application/json" }));
    expect(data.resource_uri).toBe(`petri://audits/${auditId}/transcript`);
    expect((result.content[0] as { text: string }).text).toContain(data.path);
    expect(await storeTables()).toEqual(before);
  });

  it("writes Markdown and HTML, to a client-given path inside the folder", async () => {
    const md = await t.ok("export_transcript", { audit_id: auditId, format: "markdown", path: "reports/weekly" });
    expect(md.data.path).toBe(join(outputs, "reports/weekly.md"));
    expect(readFileSync(md.data.path, "utf8")).toMatch(/^# Audit /);
    const html = await t.ok("export_transcript", { audit_id: auditId, format: "html", path: "reports/" });
    expect(html.data.path).toMatch(new RegExp(`^${outputs}/reports/transcript_.*_${auditId}\\.html$`));
    expect(readFileSync(html.data.path, "utf8")).toMatch(/^<!doctype html>/);
    const absolute = await t.ok("export_transcript", { audit_id: auditId, path: join(outputs, "abs.json") });
    expect(absolute.data.path).toBe(join(outputs, "abs.json"));
  });

  it("refuses paths outside the folder, wrong extensions and bad names, writing nothing", async () => {
    const outside = tempDir("petri-outside-");
    mkdirSync(outputs, { recursive: true });
    symlinkSync(outside, join(outputs, "escape"));
    const before = await storeTables();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ path: "../up.json" }, /leads outside the transcripts folder/],
      [{ path: join(outside, "abs.json") }, /leads outside the transcripts folder/],
      [{ path: "escape/x.json" }, /symbolic link that points outside/],
      [{ path: "notes.txt", format: "markdown" }, /ends with '\.txt', but format 'markdown' writes '\.md'/],
      [{ path: "bad\u0000name.json" }, /NUL byte or control characters/],
      [{ path: "  " }, /path is empty/],
    ];
    for (const [args, message] of cases) expect(await t.fails("export_transcript", { audit_id: auditId, ...args })).toMatch(message);
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(outputs)).toEqual(["escape"]);
    expect(await storeTables()).toEqual(before);
  });

  it("refuses an unknown audit and an unknown format", async () => {
    expect(await t.fails("export_transcript", { audit_id: "nope" })).toMatch(/No audit with id 'nope'.*list_audits/);
    expect(await t.fails("export_transcript", { audit_id: auditId, format: "pdf" })).toMatch(/format/);
    expect(existsSync(outputs) ? readdirSync(outputs) : []).toEqual([]);
  });
});

describe("transcript resources", () => {
  it("lists petri://audits and one transcript per audit", async () => {
    const { resources } = await t.client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toContain("petri://audits");
    expect(uris).toContain(`petri://audits/${auditId}/transcript`);
    const { resourceTemplates } = await t.client.listResourceTemplates();
    expect(resourceTemplates.map((r) => r.uriTemplate)).toContain("petri://audits/{audit_id}/transcript");
  });

  it("reads the recent audits and an audit's Petri JSON", async () => {
    const audits = await t.client.readResource({ uri: "petri://audits" });
    const list = JSON.parse((audits.contents[0] as { text: string }).text) as { total: number; audits: Array<{ audit_id: string; transcript_uri: string; status: string }> };
    expect(list.total).toBe(1);
    expect(list.audits[0]).toMatchObject({ audit_id: auditId, status: "ended", transcript_uri: `petri://audits/${auditId}/transcript` });

    const transcript = await t.client.readResource({ uri: `petri://audits/${auditId}/transcript` });
    expect(transcript.contents[0]).toMatchObject({ mimeType: "application/json" });
    const json = JSON.parse((transcript.contents[0] as { text: string }).text);
    expect(schemaErrors(json)).toEqual([]);
    expect(json.metadata.transcript_id).toBe(auditId);
  });

  it("answers an unknown audit with a resource-not-found error", async () => {
    await expect(t.client.readResource({ uri: "petri://audits/missing/transcript" })).rejects.toMatchObject({ code: -32002, message: expect.stringContaining("No audit with id 'missing'") });
  });

  it("completes audit ids by prefix", async () => {
    const other = (await t.ok("start_audit", { seed_instruction: "Another audit." })).data.audit_id as string;
    const ref = { type: "ref/resource" as const, uri: "petri://audits/{audit_id}/transcript" };
    const all = await t.client.complete({ ref, argument: { name: "audit_id", value: "" } });
    expect(all.completion.values.sort()).toEqual([auditId, other].sort());
    const some = await t.client.complete({ ref, argument: { name: "audit_id", value: auditId.slice(0, 3) } });
    expect(some.completion.values).toContain(auditId);
    expect(some.completion.values.every((v) => v.startsWith(auditId.slice(0, 3)))).toBe(true);
    const none = await t.client.complete({ ref, argument: { name: "audit_id", value: "%_" } });
    expect(none.completion.values).toEqual([]);
  });

  it("notifies a subscribed client when another client changes the audit", async () => {
    const id = (await t.ok("start_audit", { seed_instruction: "Watched audit." })).data.audit_id as string;
    await t.ok("set_target_system_message", { audit_id: id, system_message: "You are helpful." });
    const watcher = await t.connectClient("watcher");
    const updates: string[] = [];
    let notify: () => void = () => undefined;
    const received = new Promise<void>((resolve) => (notify = resolve));
    watcher.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
      notify();
    });
    await watcher.subscribeResource({ uri: `petri://audits/${id}/transcript` });
    t.models.mock("mockllm/target").script({ text: "Hello." });
    await t.ok("send_message", { audit_id: id, message: "Hi" });
    await received;
    expect(updates).toContain(`petri://audits/${id}/transcript`);
    const after = JSON.parse(((await watcher.readResource({ uri: `petri://audits/${id}/transcript` })).contents[0] as { text: string }).text);
    expect(after.target_messages.at(-1).content).toBe("Hello.");
  });
});
