/**
 * `petri-mcp db copy`: a SQLite store with branches, judge runs and realism checks arrives in
 * PostgreSQL exactly (ids, seqs, heads), reads the same through the store interface, exports
 * byte for byte the same transcripts (Petri JSON, Markdown, HTML) and run report, and keeps working
 * after the copy. A non-empty target is refused.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/core/messages.js";
import { runDbCommand } from "../../src/commands/db.js";
import { openStore } from "../../src/store/index.js";
import type { AuditStore, TreeView } from "../../src/store/types.js";
import { renderReport, runReport } from "../../src/report/run-report.js";
import { EXPORT_FORMATS, renderExport } from "../../src/export/export.js";
import { loadExportData } from "../../src/export/load.js";
import { tempDir } from "../helpers.js";
import { usePostgres } from "../support/postgres.js";

const msg = (id: string, role: "user" | "assistant" = "user"): ChatMessage => ({ id, role, content: `text of ${id}` }) as ChatMessage;
const VIEWS: TreeView[] = ["target", "combined", "auditor"];

async function fill(store: AuditStore): Promise<void> {
  for (const id of ["first", "second"]) {
    await store.audits.create({ id, seedInstruction: `seed ${id}`, targetModel: "mockllm/t", maxTurns: 4, tags: ["power"], runId: "run-1", realismThreshold: 0.5 });
    const [sys, u1] = await store.messages.append(id, "target", [msg(`${id}-sys`), msg(`${id}-u1`), msg(`${id}-a1`, "assistant")]);
    await store.messages.setHead(id, "target", u1!.seq); // rollback
    await store.messages.append(id, "target", [msg(`${id}-a1b`, "assistant")]); // a second branch
    await store.messages.append(id, "target", [msg(`${id}-sys2`)], null); // a new root
    await store.messages.setHead(id, "target", sys!.seq);
    await store.messages.append(id, "combined", [msg(`${id}-c`)]);
    await store.messages.append(id, "auditor", [msg(`${id}-au`, "assistant")]);
    await store.tools.upsert(id, { definition: { name: "bash", description: "shell", parameters: { type: "object", properties: {}, required: [] } }, environmentDescription: "env", functionCode: "def bash(): ..." } as never);
    await store.events.add(id, { type: "transcript_event", view: "target", name: "Rollback", data: { operation: "rollback", to_id: `${id}-u1`, count: 1 } });
    const dims = [{ name: "concerning", title: "Concerning", description: "d", higher_is_better: false }];
    for (const run of ["j1", "j2"]) {
      await store.judgeRuns.insert({ id: `${id}-${run}`, auditId: id, judgeModel: "mockllm/j", dimensions: dims, retries: 1, owner: "h:1:x", now: 1000 });
      await store.modelCalls.record({ auditId: id, role: "judge", model: "mockllm/j", startedAt: "2026-01-01T00:00:00.000Z", latencyMs: 3, inputTokens: 10, costUsd: 0.125, ref: `${id}-${run}` });
    }
    await store.judgeRuns.finish(`${id}-j1`, "h:1:x", { status: "complete", attempts: 1, scores: { concerning: 2 }, missing: [], summary: "s", justification: "j", highlights: [], response: "r", messages: [msg("judge")], error: null });
    const check = await store.realismChecks.insertUnfinished({ auditId: id, tool: "send_message", toolCallId: "c1", arguments: { message: "hi" }, auditVersion: 3, threshold: 0.5, model: "mockllm/r", messages: [], unfinishedError: "unfinished" });
    await store.realismChecks.complete(check, { decision: "reject", score: 0.25, feedback: "fake", rawResponse: "<score>0.25</score>", messages: [msg("rs")], error: null });
    await store.realismChecks.insertUnfinished({ auditId: id, tool: "create_tool", toolCallId: null, arguments: {}, auditVersion: 4, threshold: 0.5, model: "mockllm/r", messages: [], unfinishedError: "unfinished" });
    await store.audits.setStatus(id, "ended", "done");
  }
  await store.runs.saveDesign("run-1", { targets: ["mockllm/t"], epochs: 1, judges: ["mockllm/j"], minTargetReplies: 1, auditor: "mockllm/a", seeds: 2 });
}

/** Everything an export reads about an audit, through the interface. */
async function exportView(store: AuditStore, id: string) {
  return store.snapshot(async (tx) => ({
    audit: await tx.audits.get(id),
    messages: await Promise.all(VIEWS.map((v) => tx.messages.all(id, v))),
    heads: await Promise.all(VIEWS.map((v) => tx.messages.head(id, v))),
    branches: await Promise.all(VIEWS.map((v) => tx.messages.branch(id, v))),
    events: await tx.events.list(id),
    tools: await tx.tools.list(id),
    judgeRuns: await tx.judgeRuns.allForAudit(id),
    realismChecks: await tx.realismChecks.forAudit(id),
    modelCalls: await tx.modelCalls.forAudit(id),
    usage: await tx.modelCalls.usageByRole(id),
    design: await tx.runs.design("run-1"),
  }));
}

/** Every export format of both audits, and the run's report, as the commands write them. */
async function exports(store: AuditStore): Promise<string[]> {
  const out: string[] = [];
  for (const id of ["first", "second"]) {
    const data = (await loadExportData(store, id))!;
    for (const format of EXPORT_FORMATS) out.push(renderExport(data, format));
  }
  out.push(renderReport((await runReport(store, "run-1"))!, "json"));
  return out;
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) } };
}

describe("petri-mcp db copy", () => {
  let url = "";
  usePostgres((fresh) => (url = fresh));

  it("copies a store with branches, judge runs and realism checks exactly, verified row for row", async () => {
    const file = join(tempDir(), "petri.db");
    const sqlite = await openStore(file);
    await fill(sqlite);
    const before = await Promise.all(["first", "second"].map((id) => exportView(sqlite, id)));
    const exportedBefore = await exports(sqlite);
    await sqlite.close();

    const run = io();
    expect(await runDbCommand(["copy", "--from", file, "--to", url], run.io)).toBe(0);
    expect(run.err).toEqual([]);
    expect(run.out.at(-1)).toMatch(/^Copied \d+ rows in \d+ tables from .* to postgresql:\/\/petri:\[redacted\]@127\.0\.0\.1:\d+\/petri_test_\d+_\d+; every row verified\.$/);
    expect(run.out.join("\n")).not.toContain(new URL(url).password);
    expect(run.out).toContain(`messages         ${2 * 7}`);

    const pgStore = await openStore(url);
    try {
      const after = await Promise.all(["first", "second"].map((id) => exportView(pgStore, id)));
      expect(after).toEqual(before);
      const exportedAfter = await exports(pgStore);
      expect(exportedAfter).toHaveLength(7);
      for (const [i, text] of exportedAfter.entries()) expect(text, `export ${i}`).toBe(exportedBefore[i]);
      // The exports carry the judge runs and the realism checks, not just the conversation.
      expect(exportedAfter[0]).toContain('"judge-run-first-j1"');
      expect(exportedAfter[0]).toContain('"realism-check-');
      expect(exportedAfter[1]).toContain("## Realism checks");
      // Ids go on after the copied ones.
      const [next] = await pgStore.messages.append("first", "target", [msg("after-copy")]);
      const maxSeq = Math.max(...before.flatMap((b) => b.messages.flat().map((m) => m.seq)));
      expect(next!.seq).toBeGreaterThan(maxSeq);
      const check = await pgStore.realismChecks.insertUnfinished({ auditId: "first", tool: "send_message", toolCallId: null, arguments: {}, auditVersion: 9, threshold: 0.5, model: "m", messages: [], unfinishedError: "u" });
      expect(check).toBeGreaterThan(Math.max(...before.flatMap((b) => b.realismChecks.map((c) => c.id))));
    } finally {
      await pgStore.close();
    }

    // A second copy into the now non-empty database is refused and writes nothing.
    const again = io();
    await expect(runDbCommand(["copy", "--from", file, "--to", url], again.io)).rejects.toThrow(/already holds 2 audit\(s\).*nothing was written/);
  });

  it("refuses bad usage with exit 2", async () => {
    const run = io();
    expect(await runDbCommand(["copy", "--from", "/nonexistent/petri.db", "--to", url], run.io)).toBe(2);
    expect(run.err.join("\n")).toMatch(/no database at \/nonexistent\/petri\.db/);
    expect(await runDbCommand(["copy", "--from", "x.db", "--to", "/tmp/other.db"], run.io)).toBe(2);
    expect(await runDbCommand(["copy", "--to", url], run.io)).toBe(2);
    expect(await runDbCommand(["move"], run.io)).toBe(2);
  });
});
