/**
 * Many processes, one store: four stdio servers and one HTTP server work on many audits at once,
 * and all of them hammer one shared audit. Afterwards the store holds exactly what the clients
 * were told succeeded: no lost write, no interleaved turn, no "busy" database error. On one SQLite
 * file and on one PostgreSQL database.
 */
import Database from "better-sqlite3";
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { messageText } from "../../src/core/messages.js";
import { openStore } from "../../src/store/index.js";
import { tempDir, textOf } from "../helpers.js";
import { connectClient } from "../http/http-helpers.js";
import { freshLocation, testBackends, useBackend } from "../support/backends.js";
import { type HttpProcess, spawnHttpServer, spawnStdioServer, type StdioProcess } from "./processes.js";

const STDIO_PROCESSES = 4;
const AUDITS_PER_WORKER = 5;
const TURNS_PER_AUDIT = 6;
const SHARED_ATTEMPTS = 8;
const TOKEN = "multi-process-token-0123456789";

type Call = StdioProcess["call"];

interface WorkerReport {
  name: string;
  /** audit id -> user messages acknowledged, in order. */
  own: Map<string, string[]>;
  sharedAcknowledged: string[];
  sharedBusy: number;
  unexpected: string[];
}

async function runWorker(name: string, call: Call, sharedAuditId: string): Promise<WorkerReport> {
  const report: WorkerReport = { name, own: new Map(), sharedAcknowledged: [], sharedBusy: 0, unexpected: [] };
  const expectOk = async (tool: string, args: Record<string, unknown>) => {
    const result = await call(tool, args);
    if (result.isError) report.unexpected.push(`${tool}: ${textOf(result)}`);
    return result;
  };

  const ownAudit = async (index: number) => {
    const started = await expectOk("start_audit", { seed_instruction: `${name} audit ${index}`, tags: [name] });
    const auditId = (started.structuredContent as { audit_id?: string } | undefined)?.audit_id;
    if (!auditId) return;
    const sent: string[] = [];
    report.own.set(auditId, sent);
    await expectOk("set_target_system_message", { audit_id: auditId, system_message: `System for ${name}/${index}.` });
    for (let turn = 0; turn < TURNS_PER_AUDIT; turn++) {
      const message = `${name}/${index}/turn ${turn}`;
      if (!(await expectOk("send_message", { audit_id: auditId, message })).isError) sent.push(message);
    }
  };

  const sharedAudit = async () => {
    for (let attempt = 0; attempt < SHARED_ATTEMPTS; attempt++) {
      const message = `${name}/shared/${attempt}`;
      const result = await call("send_message", { audit_id: sharedAuditId, message });
      if (!result.isError) report.sharedAcknowledged.push(message);
      else if (/^Audit \S+ (is busy|changed while this turn was running)/.test(textOf(result))) report.sharedBusy++;
      else report.unexpected.push(`shared send_message: ${textOf(result)}`);
    }
  };

  await Promise.all([...Array.from({ length: AUDITS_PER_WORKER }, (_, i) => ownAudit(i)), sharedAudit()]);
  return report;
}

let dir: string | undefined;
const stdio: StdioProcess[] = [];
let http: HttpProcess | undefined;

afterEach(async () => {
  await Promise.all(stdio.splice(0).map((p) => p.close().catch(() => undefined)));
  await http?.stop();
  http = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe.each(testBackends())("four stdio processes and one HTTP process on one store [%s]", (backend) => {
  useBackend(backend);

  it("lose no acknowledged write and surface no busy database error", { timeout: 180_000 }, async () => {
    dir = tempDir("petri-multi-");
    const dbPath = await freshLocation(backend, dir);
    const serverArgs = ["--db", dbPath, "--target-model", "mockllm/model"];
    const [spawned, httpServer] = await Promise.all([
      Promise.all(Array.from({ length: STDIO_PROCESSES }, (_, i) => spawnStdioServer(serverArgs, { name: `stdio-${i}`, env: { PETRI_LOG_LEVEL: "info" } }))),
      spawnHttpServer(serverArgs, { PETRI_MCP_TOKEN: TOKEN }),
    ]);
    stdio.push(...spawned);
    http = httpServer;
    const httpClient = await connectClient(http.url, TOKEN, "http-worker");
    const workers: Array<{ name: string; call: Call }> = [...stdio.map((p, i) => ({ name: `stdio-${i}`, call: p.call })), { name: "http", call: httpClient.call }];

    const { data: shared } = await stdio[0]!.ok("start_audit", { seed_instruction: "Shared by every process.", max_turns: 1000 });
    const sharedAuditId: string = shared.audit_id;
    await stdio[0]!.ok("set_target_system_message", { audit_id: sharedAuditId, system_message: "Shared system." });

    const reports = await Promise.all(workers.map((w) => runWorker(w.name, w.call, sharedAuditId)));
    await httpClient.client.close();

    for (const report of reports) expect(report.unexpected, report.name).toEqual([]);
    for (const p of [...stdio.map((s) => s.stderr()), http.stderr()]) expect(p).not.toMatch(/SQLITE_BUSY|database is locked|deadlock|could not serialize|\[client error\]/);
    if (backend === "postgres") {
      // The URL came with --db, password included: every log shows it redacted.
      const password = decodeURIComponent(new URL(dbPath).password);
      for (const p of [...stdio.map((s) => s.stderr()), http.stderr()]) {
        expect(p).toMatch(/db: postgresql:\/\/(petri:)?\[redacted\]@127\.0\.0\.1/);
        expect(p).not.toContain(password);
      }
    }

    if (backend === "sqlite") {
      const db = new Database(dbPath, { readonly: true });
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      db.close();
    }
    const store = await openStore(dbPath);
    try {
      expect((await store.audits.list({ limit: 1, offset: 0 })).total).toBe(workers.length * AUDITS_PER_WORKER + 1);

      for (const report of reports) {
        expect(report.own.size).toBe(AUDITS_PER_WORKER);
        for (const [auditId, sent] of report.own) {
          expect(sent).toHaveLength(TURNS_PER_AUDIT);
          const branch = (await store.messages.branch(auditId, "target")).map((m) => m.message);
          expect(branch.filter((m) => m.role === "user").map(messageText)).toEqual(sent);
          expect(branch.map((m) => m.role)).toEqual(["system", ...sent.flatMap(() => ["user", "assistant"])]);
          expect((await store.audits.get(auditId))!.turnsUsed).toBe(TURNS_PER_AUDIT);
          expect(await store.leases.holder(auditId)).toBeNull();
        }
      }

      const acknowledged = reports.flatMap((r) => r.sharedAcknowledged);
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(acknowledged.length + reports.reduce((n, r) => n + r.sharedBusy, 0)).toBe(workers.length * SHARED_ATTEMPTS);
      const sharedBranch = (await store.messages.branch(sharedAuditId, "target")).map((m) => m.message);
      // Turns never interleave: every user message is followed by its own reply.
      expect(sharedBranch.map((m) => m.role)).toEqual(["system", ...acknowledged.flatMap(() => ["user", "assistant"])]);
      expect(sharedBranch.filter((m) => m.role === "user").map(messageText).sort()).toEqual([...acknowledged].sort());
      expect((await store.audits.get(sharedAuditId))!.turnsUsed).toBe(acknowledged.length);
      // Refused attempts never reached the target.
      expect((await store.modelCalls.usageByRole(sharedAuditId)).find((u) => u.role === "target")?.calls).toBe(acknowledged.length);
    } finally {
      await store.close();
    }
  });
});
