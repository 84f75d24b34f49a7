/**
 * The store for commands that only read what is there (list, export, report, view, judge): a
 * mistyped --db must be an error naming the path, never a new empty database. A `postgres://` URL
 * is opened as it is (the server says whether the database exists).
 */
import { existsSync } from "node:fs";
import { openStore, storeBackend } from "../store/index.js";
import type { AuditStore, StoreOptions } from "../store/types.js";
import type { CommandIO } from "./io.js";

/** Exit status when the database does not exist (bad usage). */
export const NO_DATABASE = 2;

/** Opens the store at `dbPath` (a SQLite file or a PostgreSQL URL), or prints why not and returns null when no SQLite file is there. */
export async function openExistingStore(command: string, dbPath: string, io: CommandIO, options: StoreOptions = {}): Promise<AuditStore | null> {
  if (storeBackend(dbPath) === "sqlite" && !existsSync(dbPath)) {
    io.stderr(`petri-mcp ${command}: no database at ${dbPath}. Check --db or PETRI_DB; petri-mcp serve, audit and demo create one.`);
    return null;
  }
  return openStore(dbPath, options);
}
