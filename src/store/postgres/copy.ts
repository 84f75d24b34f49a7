/**
 * `db copy`: every row of every table of a SQLite store into an empty PostgreSQL database, in one
 * transaction (ids, seqs and heads kept; identity sequences moved past the copied ids), then
 * verified by counting and comparing every row, table by table, in primary-key order. Tables
 * PostgreSQL fills by trigger (audit_tags) are not copied but verified all the same.
 */
import pg from "pg";
import { type Db, openDatabase } from "../db.js";
import { StoreOpenError } from "../errors.js";
import { PG_TYPES } from "./query.js";
import { DERIVED_TABLES, IDENTITY_COLUMNS, TABLES_IN_ORDER } from "./schema.js";
import { PostgresStore } from "./store.js";

export interface TableCopy {
  table: string;
  rows: number;
}

export class CopyVerificationError extends Error {}

const BATCH = 500;
const PAGE = 2_000;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The tables that hold data, in foreign-key order. Left out: SQLite's own, schema_version (each
 * side has its own), and SQLite-only indexes stored as tables (FTS5 virtual tables and their
 * shadow tables).
 */
function sourceTables(source: Db): string[] {
  const rows = source.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_version'").all() as { name: string; sql: string | null }[];
  const virtual = rows.filter((r) => /^CREATE VIRTUAL TABLE/i.test(r.sql ?? "")).map((r) => r.name);
  const names = rows.map((r) => r.name).filter((name) => !virtual.some((v) => name === v || name.startsWith(`${v}_`)));
  const rank = (name: string) => (TABLES_IN_ORDER.includes(name) ? TABLES_IN_ORDER.indexOf(name) : TABLES_IN_ORDER.length);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Rows in insertion order where SQLite has one (rowid), else in primary-key order. */
function sourceOrder(source: Db, table: string, key: string[]): string {
  const sql = (source.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) as { sql: string }).sql;
  return /WITHOUT\s+ROWID/i.test(sql) ? key.map(quote).join(", ") : "rowid";
}

function columnsOf(source: Db, table: string): { columns: string[]; key: string[] } {
  const info = source.prepare(`PRAGMA table_info(${quote(table)})`).all() as { name: string; pk: number }[];
  const key = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  return { columns: info.map((c) => c.name), key: key.length > 0 ? key : info.map((c) => c.name) };
}

/** Copies the SQLite file at `path` (brought to this petri-mcp's schema first) into the empty database at `url`. */
export async function copySqliteFileToPostgres(path: string, url: string): Promise<TableCopy[]> {
  const source = openDatabase(path);
  try {
    return await copySqliteToPostgres(source, url);
  } finally {
    source.close();
  }
}

/** Copies `source` into the empty database at `url`; returns the rows per table, verified. */
export async function copySqliteToPostgres(source: Db, url: string): Promise<TableCopy[]> {
  // Creates (or checks) the schema under the advisory lock, and refuses a newer one.
  const target = await PostgresStore.open(url, { poolSize: 1 });
  const location = target.location;
  await target.close();
  const client = new pg.Client({ connectionString: url, types: PG_TYPES });
  await client.connect();
  try {
    const present = Number((await client.query("SELECT COUNT(*) AS n FROM audits")).rows[0].n);
    if (present > 0) throw new StoreOpenError(`The database at ${location} already holds ${present} audit(s). db copy fills an empty database only; nothing was written.`);
    const tables = sourceTables(source);
    const copied: TableCopy[] = [];
    await client.query("BEGIN");
    try {
      for (const table of tables) {
        if (!DERIVED_TABLES.includes(table)) copied.push({ table, rows: await copyTable(source, client, table, location) });
      }
      for (const { table, column } of IDENTITY_COLUMNS) {
        await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX(${quote(column)}) FROM ${quote(table)}), 0) + 1, false)`, [table, column]);
      }
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
    for (const table of tables) await verifyTable(source, client, table);
    return copied;
  } finally {
    await client.end();
  }
}

async function copyTable(source: Db, client: pg.Client, table: string, location: string): Promise<number> {
  const { columns, key } = columnsOf(source, table);
  const known = new Set((await client.query("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1", [table])).rows.map((r) => r.column_name as string));
  const missing = columns.filter((c) => !known.has(c));
  if (missing.length > 0) throw new StoreOpenError(`The database at ${location} has no ${missing.map((c) => `${table}.${c}`).join(", ")}; nothing was written.`);
  let count = 0;
  let batch: unknown[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const params: unknown[] = [];
    const tuples = batch.map((row) => `(${row.map((value) => `$${params.push(value)}`).join(", ")})`);
    await client.query(`INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES ${tuples.join(", ")}`, params);
    count += batch.length;
    batch = [];
  };
  const rows = source.prepare(`SELECT ${columns.map(quote).join(", ")} FROM ${quote(table)} ORDER BY ${sourceOrder(source, table, key)}`).raw().iterate() as Iterable<unknown[]>;
  for (const row of rows) {
    batch.push(row);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return count;
}

/** The same rows on both sides, compared page by page in primary-key order (byte order on both). */
async function verifyTable(source: Db, client: pg.Client, table: string): Promise<void> {
  const { columns, key } = columnsOf(source, table);
  const select = columns.map(quote).join(", ");
  const sourceCount = (source.prepare(`SELECT COUNT(*) AS n FROM ${quote(table)}`).get() as { n: number }).n;
  const targetCount = Number((await client.query(`SELECT COUNT(*) AS n FROM ${quote(table)}`)).rows[0].n);
  if (sourceCount !== targetCount) throw new CopyVerificationError(`Table ${table}: ${sourceCount} rows in the file, ${targetCount} in PostgreSQL.`);
  const types = new Map(
    (await client.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1", [table])).rows.map((r) => [
      r.column_name as string,
      r.data_type as string,
    ]),
  );
  const pgOrder = key.map((k) => (types.get(k) === "text" ? `${quote(k)} COLLATE "C"` : quote(k))).join(", ");
  const sqliteOrder = key.map(quote).join(", ");
  for (let offset = 0; offset < sourceCount; offset += PAGE) {
    const mine = source.prepare(`SELECT ${select} FROM ${quote(table)} ORDER BY ${sqliteOrder} LIMIT ? OFFSET ?`).raw().all(PAGE, offset) as unknown[][];
    const theirs = (await client.query({ text: `SELECT ${select} FROM ${quote(table)} ORDER BY ${pgOrder} LIMIT $1 OFFSET $2`, values: [PAGE, offset], rowMode: "array" })).rows as unknown[][];
    for (let i = 0; i < mine.length; i++) {
      if (JSON.stringify(mine[i]) !== JSON.stringify(theirs[i])) {
        const where = key.map((k) => `${k}=${String(mine[i]![columns.indexOf(k)])}`).join(", ");
        throw new CopyVerificationError(`Table ${table}: row ${offset + i + 1} (${where}) differs after the copy.`);
      }
    }
  }
}
