/**
 * Schema 8 stores each message once (message_bodies), and migration 8 converts a store of schema 7,
 * where every view row held its own copy. An audit with three views, rollbacks, a pending tool
 * call and a restart is made through the MCP tools; its store is turned back into schema 7's
 * layout (the copy per view rebuilt from the bodies, version 8 forgotten), opened again so that
 * migration 8 runs, and every view, branch, count, export and judge rendering reads identically.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { renderJudgeTranscript } from "../../src/judge/judge-xml.js";
import { EXPORT_FORMATS, renderExport } from "../../src/export/export.js";
import { loadExportData } from "../../src/export/load.js";
import { LATEST_SCHEMA_VERSION, schemaVersion } from "../../src/store/db.js";
import { openStore } from "../../src/store/index.js";
import type { SqliteStore } from "../../src/store/sqlite/store.js";
import type { AuditStore, TreeView } from "../../src/store/types.js";
import { rollbacks } from "../export/scenarios.js";
import { createTestApp, tempDir } from "../helpers.js";
import { type Backend, testBackends, useBackend } from "../support/backends.js";

const VIEWS: readonly TreeView[] = ["target", "combined", "auditor"];

/** Everything a reader can see of the audit: views, every branch (from every row), counts, exports, the judge's XML. */
async function readAll(store: AuditStore, auditId: string) {
  const views: Record<string, unknown> = {};
  for (const view of VIEWS) {
    const all = await store.messages.all(auditId, view);
    const branches = [];
    for (const row of all) branches.push((await store.messages.branch(auditId, view, row.seq)).map((m) => m.seq));
    views[view] = {
      all,
      head: await store.messages.head(auditId, view),
      branch: await store.messages.branch(auditId, view),
      branches,
      count: await store.messages.branchCount(auditId, view),
      one: await store.messages.get(all[1]!.seq),
    };
  }
  const data = (await loadExportData(store, auditId))!;
  const exports = Object.fromEntries(EXPORT_FORMATS.map((format) => [format, renderExport(data, format)]));
  const judge = renderJudgeTranscript(await store.messages.all(auditId, "target")).xml;
  return { views, exports, judge, replies: await store.messages.targetReplies(auditId) };
}

/** SQLite: the messages table of schema 7 (a copy of each message per view row), rebuilt from the bodies. */
function backToSchema7Sqlite(path: string): void {
  const db = new Database(path);
  db.pragma("foreign_keys = OFF");
  db.exec(`BEGIN;
CREATE TABLE messages_v7 (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, audit_id TEXT NOT NULL REFERENCES audits(id), view TEXT NOT NULL, id TEXT NOT NULL,
  parent_seq INTEGER REFERENCES messages(seq), depth INTEGER NOT NULL, role TEXT NOT NULL, data TEXT NOT NULL, created_at TEXT NOT NULL
);
INSERT INTO messages_v7 SELECT m.seq, m.audit_id, m.view, b.id, m.parent_seq, m.depth, b.role, b.data, m.created_at FROM messages m JOIN message_bodies b ON b.seq = m.body ORDER BY m.seq;
DELETE FROM sqlite_sequence WHERE name = 'messages_v7';
UPDATE sqlite_sequence SET name = 'messages_v7' WHERE name = 'messages';
DROP TABLE messages;
DROP TABLE message_bodies;
ALTER TABLE messages_v7 RENAME TO messages;
CREATE INDEX messages_audit_view ON messages(audit_id, view, seq);
CREATE INDEX messages_parent ON messages(parent_seq);
DELETE FROM schema_version WHERE version = 8;
COMMIT;`);
  expect(schemaVersion(db)).toBe(7);
  db.close();
}

/** PostgreSQL: the same, with the columns of schema 7 put back in place. */
async function backToSchema7Postgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`BEGIN;
ALTER TABLE messages ADD COLUMN id TEXT, ADD COLUMN role TEXT, ADD COLUMN data TEXT;
UPDATE messages m SET id = b.id, role = b.role, data = b.data FROM message_bodies b WHERE b.seq = m.body;
ALTER TABLE messages ALTER COLUMN id SET NOT NULL, ALTER COLUMN role SET NOT NULL, ALTER COLUMN data SET NOT NULL, DROP COLUMN body;
DROP TABLE message_bodies;
DELETE FROM schema_version WHERE version = 8;
COMMIT;`);
  } finally {
    await client.end();
  }
}

for (const backend of testBackends()) {
  describe(`messages stored once (migration 8) on ${backend}`, () => {
    useBackend(backend);

    it("a schema-7 store with three views and rollback branches reads identically after migration 8", async () => {
      const t = await createTestApp({ backend: backend as Backend });
      let location = t.app.config.dbPath;
      let auditId: string;
      let before: Awaited<ReturnType<typeof readAll>>;
      try {
        auditId = await rollbacks(t);
        before = await readAll(t.app.store, auditId);
        if (backend === "sqlite") {
          location = join(tempDir(), "petri.db");
          (t.app.store as SqliteStore).db.prepare("VACUUM INTO ?").run(location);
        }
      } finally {
        await t.close();
      }
      const rows = (before.views as Record<TreeView, { all: unknown[] }>);
      const viewRows = VIEWS.reduce((n, v) => n + rows[v].all.length, 0);
      if (backend === "sqlite") backToSchema7Sqlite(location);
      else await backToSchema7Postgres(location);

      const store = await openStore(location);
      try {
        const after = await readAll(store, auditId);
        expect(after.views).toEqual(before.views);
        for (const format of EXPORT_FORMATS) expect(after.exports[format], format).toBe(before.exports[format]);
        expect(after.judge).toBe(before.judge);
        expect(after.replies).toBe(before.replies);
        // The copies are gone: the target's replies and the auditor's calls are in two views, one body each.
        const bodies = await countBodies(backend, store, location);
        expect(bodies).toBeLessThan(viewRows);
        // Writing goes on after the old seqs, and a message already stored in another view reuses its body.
        const [reply] = (await store.messages.all(auditId, "target")).slice(-1);
        const maxSeq = Math.max(...VIEWS.flatMap((v) => rows[v].all.map((m) => (m as { seq: number }).seq)));
        const [again] = await store.messages.append(auditId, "combined", [reply!.message]);
        expect(again!.seq).toBeGreaterThan(maxSeq);
        expect((await store.messages.get(again!.seq))?.message).toEqual(reply!.message);
        expect(await countBodies(backend, store, location)).toBe(bodies);
        const [fresh] = await store.messages.append(auditId, "combined", [{ id: "after-migration", role: "user", content: "new" }]);
        expect(fresh!.seq).toBe(again!.seq + 1);
        expect(await countBodies(backend, store, location)).toBe(bodies + 1);
      } finally {
        await store.close();
      }
      if (backend === "sqlite") {
        const db = new Database(location, { readonly: true });
        expect(db.pragma("foreign_key_check")).toEqual([]);
        expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
        db.close();
      }
    });
  });
}

async function countBodies(backend: Backend, store: AuditStore, location: string): Promise<number> {
  if (backend === "sqlite") return ((store as SqliteStore).db.prepare("SELECT COUNT(*) AS n FROM message_bodies").get() as { n: number }).n;
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    return Number((await client.query("SELECT COUNT(*) AS n FROM message_bodies")).rows[0].n);
  } finally {
    await client.end();
  }
}
