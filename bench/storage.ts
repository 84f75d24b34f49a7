/**
 * storage: the size of a SQLite store holding an audit of `targetMessages` target messages (in
 * `branches` branches, made through AuditService as MCP calls make them: target, auditor and
 * combined views, events, model calls), after VACUUM, against the JSON of the distinct messages
 * it holds (each message once, however many views hold it). Bytes, not time: one round.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { TreeView } from "../src/store/types.js";
import { figure, type Figure } from "./lib/figures.js";
import { benchTempDir } from "./lib/petri-process.js";
import { openSeedApp, seedBranchyAudit } from "./lib/seed.js";
import { spread } from "./lib/stats.js";

export interface StorageOptions {
  targetMessages: number;
  branches: number;
}

const VIEWS: readonly TreeView[] = ["target", "combined", "auditor"];
const MiB = 1024 * 1024;

export async function benchStorage(options: StorageOptions): Promise<Figure[]> {
  const dir = benchTempDir("storage");
  const dbPath = join(dir, "petri.db");
  const app = openSeedApp(dbPath, "openai/bench-target");
  try {
    const auditId = await seedBranchyAudit(app, "openai/bench-target", options.targetMessages, options.branches);
    const distinct = new Map<string, number>();
    let targetJson = 0;
    for (const view of VIEWS) {
      for (const stored of await app.store.messages.all(auditId, view)) {
        const json = JSON.stringify(stored.message);
        const bytes = Buffer.byteLength(json);
        if (view === "target") targetJson += bytes;
        distinct.set(`${stored.message.id}\n${json}`, bytes);
      }
    }
    await app.close();
    const json = [...distinct.values()].reduce((sum, b) => sum + b, 0);
    const compact = join(dir, "compact.db");
    const source = new Database(dbPath);
    source.prepare("VACUUM INTO ?").run(compact);
    source.close();
    const db = new Database(compact, { readonly: true });
    const bytes = (db.pragma("page_count", { simple: true }) as number) * (db.pragma("page_size", { simple: true }) as number);
    const tables = db.prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 6").all() as { name: string; bytes: number }[];
    db.close();
    const per1000 = (b: number) => (b / options.targetMessages) * 1000 / MiB;
    return [
      figure({
        id: "storage.db_size",
        group: "storage",
        label: "database size per 1,000 target messages vs their JSON",
        value: { label: "SQLite file after VACUUM", unit: "MiB", spread: spread([per1000(bytes)]) },
        baseline: { label: "JSON of the distinct messages it holds (all views, each once)", unit: "MiB", spread: spread([per1000(json)]) },
        ratioLabel: "database / JSON",
        ratio: spread([bytes / json]),
        rounds: 1,
        target: { on: "ratio", op: "<=", limit: 2.5 },
        notes: [
          `an audit of ${options.targetMessages} target messages in ${options.branches} branches: ${distinct.size} distinct messages (${(json / MiB).toFixed(2)} MiB of JSON) in the three views; the file is ${(bytes / MiB).toFixed(2)} MiB.`,
          `against the target messages' JSON alone (${(targetJson / MiB).toFixed(2)} MiB) the file is ${(bytes / targetJson).toFixed(2)}x: the auditor's calls and their results (which quote the target's reply, as the MCP tool returned it) are messages of their own.`,
          `bytes by table or index: ${tables.map((t) => `${t.name} ${(t.bytes / 1024).toFixed(0)} KiB`).join(", ")}.`,
        ],
      }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
