/**
 * The store for commands that only read what is there (list, export, judge): a mistyped --db must
 * be an error naming the path, never a new empty database.
 */
import { existsSync } from "node:fs";
import { AuditStore } from "../store/audit-store.js";
import { openDatabase } from "../store/db.js";
import type { CommandIO } from "./io.js";

/** Exit status when the database does not exist (bad usage). */
export const NO_DATABASE = 2;

/** Opens the store at `dbPath`, or prints why not and returns null when no database is there. */
export function openExistingStore(command: string, dbPath: string, io: CommandIO): AuditStore | null {
  // A PostgreSQL URL is never a file: openDatabase refuses it with a redacted message.
  if (!/^postgres(ql)?:\/\//i.test(dbPath) && !existsSync(dbPath)) {
    io.stderr(`petri-mcp ${command}: no database at ${dbPath}. Check --db or PETRI_DB; petri-mcp serve, audit and demo create one.`);
    return null;
  }
  return new AuditStore(openDatabase(dbPath));
}
