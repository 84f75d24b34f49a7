/**
 * SQLite failures the auditor can act on (another process holding the database, a full disk), as
 * AuditErrors with a message that says what happened and what to do, instead of "internal error".
 */
import { AuditError } from "../audit/errors.js";
import { ConfigError } from "../config.js";

const MESSAGES: Record<string, string> = {
  SQLITE_BUSY:
    "The AuditStore database is locked by another process (it held its write lock longer than the busy timeout). Nothing was written. Retry in a moment; if it persists, look for a stuck process using the same database file.",
  SQLITE_LOCKED: "The AuditStore database is locked by another connection. Nothing was written. Retry in a moment.",
  SQLITE_FULL: "The disk is full, or the AuditStore database reached its size limit. Nothing was written. Free some space, then retry.",
  SQLITE_READONLY: "The AuditStore database is read-only for this server (file permissions or a read-only disk). Nothing was written. Fix the permissions of the database file and its folder, then retry.",
  SQLITE_IOERR: "The AuditStore database could not be read or written (an I/O error from the disk). Nothing was written. Check the disk, then retry.",
  SQLITE_CORRUPT: "The AuditStore database file is corrupt. Nothing was written. Stop every petri-mcp process, back the file up, and run `sqlite3 FILE 'PRAGMA integrity_check'` to inspect it.",
  SQLITE_CANTOPEN: "The AuditStore database file cannot be opened (missing folder or permissions). Nothing was written. Check the --db path, then retry.",
};

/** The few ways a database can fail, whatever the engine. */
export type StoreErrorKind = "busy" | "full" | "read-only" | "corrupt" | "unavailable";

/** A database failure in domain terms: an AuditError("store") with the kind and an actionable text. */
export class StoreError extends AuditError {
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
  ) {
    super("store", message, { store_error: kind });
    this.name = "StoreError";
  }
}

const SQLITE_KINDS: Record<string, StoreErrorKind> = {
  SQLITE_BUSY: "busy",
  SQLITE_LOCKED: "busy",
  SQLITE_FULL: "full",
  SQLITE_READONLY: "read-only",
  SQLITE_IOERR: "unavailable",
  SQLITE_CORRUPT: "corrupt",
  SQLITE_CANTOPEN: "unavailable",
};

/** A StoreError describing a SQLite failure, or null when `error` is not one we explain. */
export function storageProblem(error: unknown): StoreError | null {
  if (error instanceof StoreError) return error;
  if (!(error instanceof Error) || error.name !== "SqliteError") return null;
  const code = String((error as Error & { code?: unknown }).code ?? "");
  // Extended codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT) share their primary code's advice.
  const primary = MESSAGES[code] ? code : code.split("_").slice(0, 2).join("_");
  const message = MESSAGES[primary];
  return message ? new StoreError(SQLITE_KINDS[primary]!, `${message} (${code})`) : null;
}

/** Why the store refused a turn: the protocol's own refusals, which the domain turns into its texts. */
export type TurnRefusal = "not_found" | "leased" | "lease_lost" | "head_moved";

export class TurnRefusedError extends Error {
  constructor(
    readonly reason: TurnRefusal,
    readonly auditId: string,
  ) {
    super(`turn refused on audit ${auditId}: ${reason}`);
    this.name = "TurnRefusedError";
  }
}

/**
 * The AuditStore cannot be used at startup (not a database, corrupt, from a newer petri-mcp, not
 * creatable). A ConfigError, so the commands report it as one line and exit 2.
 */
export class StoreOpenError extends ConfigError {}
