/**
 * PostgreSQL failures as StoreErrors (busy, full, read-only, corrupt, unavailable) with texts that
 * say what to do. Messages pass through redactSecrets: a password never reaches an error.
 */
import { redactSecrets } from "../../util/redact.js";
import { StoreError } from "../errors.js";

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "57P01", "57P02", "57P03"]);

/** The connection to the server failed or was cut (a read can be retried on a new one). */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = String((error as { code?: unknown }).code ?? "");
  if (CONNECTION_CODES.has(code) || code.startsWith("08")) return true;
  return /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|connection is closed/i.test(error.message);
}

/** A StoreError for a PostgreSQL failure, or null when `error` is not one we explain. */
export function postgresProblem(error: unknown, location: string, writing: boolean): StoreError | null {
  if (error instanceof StoreError) return error;
  if (!(error instanceof Error)) return null;
  const code = String((error as { code?: unknown }).code ?? "");
  const detail = redactSecrets(`${error.message}${code ? ` (${code})` : ""}`);
  if (isConnectionError(error)) {
    return new StoreError(
      "unavailable",
      writing
        ? `The connection to PostgreSQL at ${location} was lost during a write: ${detail}. PostgreSQL applies a transaction whole or not at all; check the audit (get_audit, view_conversation) before you retry.`
        : `PostgreSQL at ${location} cannot be reached: ${detail}. Nothing was written. Check that the server runs and accepts connections, then retry.`,
    );
  }
  if (code === "40001" || code === "40P01" || code === "55P03" || code === "53300") {
    return new StoreError("busy", `PostgreSQL is busy (${detail}). Nothing was written. Retry in a moment.`);
  }
  if (code === "53100") return new StoreError("full", `The PostgreSQL server's disk is full (${detail}). Nothing was written. Free some space on the server, then retry.`);
  if (code === "25006" || code === "42501") {
    return new StoreError("read-only", `PostgreSQL refused the write (${detail}): the server is read-only (a standby) or this user lacks the right. Nothing was written. Point --db at the primary with a user that can write.`);
  }
  if (code === "XX001" || code === "XX002") {
    return new StoreError("corrupt", `PostgreSQL reports corrupt data (${detail}). Nothing was written. Ask the database administrator to check the server (amcheck) and restore from a backup if needed.`);
  }
  return null;
}
