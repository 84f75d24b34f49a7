import Database from "better-sqlite3";
import { closeSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { redactSecrets } from "../util/redact.js";
import { StoreOpenError } from "./errors.js";
import { type Migration, MIGRATIONS } from "./schema.js";

export type Db = Database.Database;

/** The schema version this petri-mcp writes; a store with a higher one is refused. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export interface OpenOptions {
  /** Milliseconds a writer waits for another process's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  readonly?: boolean;
}

/**
 * Opens (creating if needed) the SQLite file in WAL mode with a busy timeout, checks it, and brings
 * the schema up to date. Safe to call from many processes at once: migrations run in IMMEDIATE
 * transactions and re-check the version inside them.
 *
 * Refused with a StoreOpenError (one line, exit 2), before anything is written: a folder, a file
 * that is not a SQLite database, a store failing `PRAGMA quick_check`, a store whose schema is
 * newer than this petri-mcp. A store created here is 0600 in a folder created 0700 (SQLite gives
 * its -wal and -shm files the database file's permissions); existing files keep theirs.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const readonly = options.readonly ?? false;
  if (/^postgres(ql)?:\/\//i.test(path.trim())) {
    // Never a SQLite file named after the URL (a folder "postgres:" holding the password).
    throw new StoreOpenError(
      `${redactSecrets(path)} is a PostgreSQL URL: this command does not use PostgreSQL yet (only \`petri-mcp db copy\` does; see docs/team-server.md). Pass a SQLite file path with --db or PETRI_DB.`,
    );
  }
  if (path !== ":memory:") prepareFile(path, readonly);
  let db: Db | undefined;
  try {
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 10_000, readonly, fileMustExist: readonly });
    checkStore(db, path); // before anything writes (switching to WAL writes the header)
    if (!readonly) {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
    }
    db.pragma("foreign_keys = ON");
    if (!readonly) migrate(db);
    return db;
  } catch (error) {
    if (db?.open) db.close();
    throw openFailure(path, error);
  }
}

/** Refuses a folder; creates a missing store file (0600) and its folders (0700). */
function prepareFile(path: string, readonly: boolean): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" || readonly) throw openFailure(path, error);
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      closeSync(openSync(path, "wx", 0o600));
    } catch (createError) {
      // Another process may have created it in between: SQLite opens it then.
      if ((createError as NodeJS.ErrnoException).code !== "EEXIST") throw openFailure(path, createError);
    }
    return;
  }
  if (isDirectory) throw new StoreOpenError(`The AuditStore path ${path} is a directory. Pass the path of a database file with --db or PETRI_DB (it is created if missing).`);
}

/** Refuses a store from a newer petri-mcp, and a corrupt one. */
function checkStore(db: Db, path: string): void {
  const version = schemaVersion(db);
  if (version > LATEST_SCHEMA_VERSION) {
    throw new StoreOpenError(
      `The AuditStore ${path} has schema version ${version}, newer than this petri-mcp understands (up to ${LATEST_SCHEMA_VERSION}). Nothing was written. Upgrade petri-mcp, or pass another --db.`,
    );
  }
  if (path === ":memory:") return;
  const check = String(db.pragma("quick_check(1)", { simple: true }));
  if (check !== "ok") throw corrupt(path, `PRAGMA quick_check: ${check}`);
}

function corrupt(path: string, detail: string): StoreOpenError {
  detail = detail.replace(/\s+/g, " ").slice(0, 300);
  return new StoreOpenError(
    `The AuditStore ${path} is corrupt (${detail}). Nothing was written. Stop every petri-mcp process using it, keep a copy, and try \`sqlite3 ${path} .recover\`, or pass another --db.`,
  );
}

/** A one-line StoreOpenError for anything that failed while opening (other errors are rethrown). */
function openFailure(path: string, error: unknown): Error {
  if (error instanceof StoreOpenError) return error;
  const code = String((error as { code?: unknown }).code ?? "");
  const message = error instanceof Error ? error.message : String(error);
  if (code === "SQLITE_NOTADB") return new StoreOpenError(`The AuditStore ${path} is not a SQLite database (${message}). Check --db or PETRI_DB.`);
  if (code.startsWith("SQLITE_CORRUPT")) return corrupt(path, `SQLite: ${message}`);
  if (code.startsWith("SQLITE_") || /^E[A-Z]+$/.test(code)) return new StoreOpenError(`Cannot open the AuditStore ${path}: ${message} (${code}). Check the path, its permissions and the disk.`);
  return error instanceof Error ? error : new Error(message);
}

export function schemaVersion(db: Db): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!exists) return 0;
  const row = db.prepare("SELECT MAX(version) AS v FROM schema_version").get() as { v: number | null };
  return row.v ?? 0;
}

/** Brings the schema up to date (`migrations`: the shipped ones; tests pass their own). */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): void {
  // Usually up to date: check without taking the write lock another process may hold.
  if (schemaVersion(db) >= (migrations.at(-1)?.version ?? 0)) return;
  for (const migration of migrations) applyMigration(db, migration);
}

/**
 * One migration in its IMMEDIATE transaction (re-checking the version inside it: another process
 * may have applied it meanwhile). A table rebuild (`foreignKeysOff`) turns foreign keys off around
 * the transaction (the pragma does nothing inside one) and commits only if no reference dangles.
 */
function applyMigration(db: Db, migration: Migration): void {
  const rebuild = migration.foreignKeysOff === true;
  const foreignKeys = db.pragma("foreign_keys", { simple: true }) as number;
  if (rebuild) {
    if (db.inTransaction) throw new Error(`Migration ${migration.version} rebuilds a table: it cannot run inside a transaction (foreign keys cannot be turned off there).`);
    db.pragma("foreign_keys = OFF");
  }
  try {
    db.transaction(() => {
      db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)");
      if (schemaVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      if (rebuild) checkForeignKeys(db, migration);
      db.prepare("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)").run(
        migration.version,
        migration.description,
        new Date().toISOString(),
      );
    }).immediate();
  } finally {
    if (rebuild) db.pragma(`foreign_keys = ${foreignKeys ? "ON" : "OFF"}`);
  }
}

/** Refuses (rolls back) a rebuild that left a reference to a missing row. */
function checkForeignKeys(db: Db, migration: Migration): void {
  const broken = db.pragma("foreign_key_check") as { table: string; rowid: number | null; parent: string }[];
  const first = broken[0];
  if (!first) return;
  throw new StoreOpenError(
    `Schema migration ${migration.version} (${migration.description}) would leave ${broken.length} reference(s) to missing rows (first: ${first.table} row ${first.rowid ?? "?"} -> ${first.parent}). Nothing was changed; report this with the store's schema version.`,
  );
}

/** Every row of every table, for tests that prove an operation changed nothing. */
export function dumpDatabase(db: Db): Record<string, unknown[]> {
  const tables = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string; sql: string }[];
  const dump: Record<string, unknown[]> = {};
  // A WITHOUT ROWID table (the tag table, FTS5's own tables) is read in primary-key order.
  for (const { name, sql } of tables) dump[name] = db.prepare(`SELECT * FROM "${name}"${/WITHOUT ROWID/i.test(sql) ? "" : " ORDER BY rowid"}`).all();
  return dump;
}
