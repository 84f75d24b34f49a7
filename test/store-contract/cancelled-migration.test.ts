/**
 * Schema migration 7 on a store built at schema 6: audits that `runs cancel` closed as failed with
 * a "cancelled…" reason become `cancelled`, other failed audits stay failed, every row that refers
 * to an audit stays, and what migration 4 built on audits (status/target/run indexes, the tag table
 * and its triggers, the trigram search and its triggers) still works. SQLite rebuilds the table
 * (its CHECK cannot change in place); PostgreSQL swaps the check constraint.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { LATEST_SCHEMA_VERSION, migrate, schemaVersion } from "../../src/store/db.js";
import { openStore } from "../../src/store/index.js";
import { PG_MIGRATIONS } from "../../src/store/postgres/schema.js";
import { MIGRATIONS } from "../../src/store/schema.js";
import { tempDir } from "../helpers.js";
import { type Backend, filePostgres, testBackends, useBackend } from "../support/backends.js";

const AT = "2026-01-01T00:00:00.000Z";
const audit = (id: string, seed: string, tags: string, status: string, reason: string | null) =>
  `INSERT INTO audits (id, seed_instruction, tags, target_model, max_turns, status, status_reason, run_id, created_at, updated_at)
   VALUES ('${id}', '${seed}', '${tags}', 'mockllm/t', 3, '${status}', ${reason === null ? "NULL" : `'${reason}'`}, 'grid', '${AT}', '${AT}')`;

/** Schema-6 rows: a cancelled-as-failed audit, a budget-stopped one, a finished one; a call and a message of the first. */
const ROWS = [
  audit("a-cancel", "Probe the refund desk", '["money"]', "failed", "cancelled: petri-mcp runs cancel"),
  audit("a-budget", "Probe the payroll bot", '["money"]', "failed", "budget: spent"),
  audit("a-ended", "Probe the weather bot", '["sky"]', "ended", "ended by the auditor"),
  `INSERT INTO model_calls (audit_id, role, model, started_at, latency_ms, cost_usd) VALUES ('a-cancel', 'target', 'mockllm/t', '${AT}', 5, 0.01)`,
  `INSERT INTO messages (audit_id, view, id, parent_seq, depth, role, data, created_at) VALUES ('a-cancel', 'target', 'm1', NULL, 0, 'user', '{"id":"m1","role":"user","content":"hi"}', '${AT}')`,
];

/** A store at schema 6 with ROWS in it; returns its location. */
async function storeAtSchema6(backend: Backend): Promise<string> {
  if (backend === "sqlite") {
    const path = join(tempDir(), "petri.db");
    const db = new Database(path);
    db.pragma("foreign_keys = ON");
    migrate(db, MIGRATIONS.filter((m) => m.version <= 6));
    expect(schemaVersion(db)).toBe(6);
    for (const sql of ROWS) db.exec(sql);
    db.close();
    return path;
  }
  const url = await (await filePostgres())!.freshDatabase();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)");
    for (const m of PG_MIGRATIONS.filter((m) => m.version <= 6)) {
      await client.query(m.sql);
      await client.query("INSERT INTO schema_version (version, description, applied_at) VALUES ($1, $2, $3)", [m.version, m.description, AT]);
    }
    for (const sql of ROWS) await client.query(sql);
  } finally {
    await client.end();
  }
  return url;
}

for (const backend of testBackends()) {
  describe(`migration 7 on ${backend}`, () => {
    useBackend(backend);

    it("turns failed + 'cancelled…' audits into cancelled, keeps the rest, and the audit indexes, tags and search still work", async () => {
      const location = await storeAtSchema6(backend);
      const store = await openStore(location);
      try {
        expect((await store.audits.get("a-cancel"))).toMatchObject({ status: "cancelled", statusReason: "cancelled: petri-mcp runs cancel" });
        expect((await store.audits.get("a-budget"))).toMatchObject({ status: "failed", statusReason: "budget: spent" });
        expect((await store.audits.get("a-ended"))?.status).toBe("ended");
        expect((await store.audits.list({ status: "cancelled" })).audits.map((a) => a.id)).toEqual(["a-cancel"]);
        expect((await store.audits.list({ status: "failed" })).audits.map((a) => a.id)).toEqual(["a-budget"]);
        // The rows that refer to the rebuilt table are still there.
        expect((await store.messages.all("a-cancel", "target")).map((m) => m.message.id)).toEqual(["m1"]);
        expect((await store.modelCalls.forAudit("a-cancel")).length).toBe(1);
        // Tag table and trigram search: the old rows, and a new audit through the recreated triggers.
        await store.audits.create({ id: "a-new", seedInstruction: "Probe the refund kiosk", tags: ["money", "new"], targetModel: "mockllm/t", maxTurns: 2 });
        expect((await store.audits.list({ tag: "money" })).audits.map((a) => a.id).sort()).toEqual(["a-budget", "a-cancel", "a-new"]);
        expect((await store.audits.list({ tag: "new" })).audits.map((a) => a.id)).toEqual(["a-new"]);
        expect((await store.audits.list({ search: "refund" })).audits.map((a) => a.id).sort()).toEqual(["a-cancel", "a-new"]);
        // The new status and column are accepted.
        await store.audits.setStatus("a-new", "cancelled", "cancelled: test");
        expect((await store.audits.get("a-new"))?.status).toBe("cancelled");
      } finally {
        await store.close();
      }
      if (backend === "sqlite") {
        const db = new Database(location, { readonly: true });
        const names = (type: string) => (db.prepare("SELECT name FROM sqlite_master WHERE type = ? AND tbl_name = 'audits' ORDER BY name").all(type) as { name: string }[]).map((r) => r.name);
        expect(names("index").filter((n) => !n.startsWith("sqlite_"))).toEqual(["audits_created", "audits_run", "audits_run_created", "audits_run_target", "audits_status_created", "audits_target_created"]);
        expect(names("trigger")).toEqual(["audit_tags_delete", "audit_tags_insert", "audit_tags_update", "audits_fts_delete", "audits_fts_insert", "audits_fts_update"]);
        expect(db.pragma("foreign_key_check")).toEqual([]);
        expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
        db.close();
      }
    });
  });
}
