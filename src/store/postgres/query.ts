/** How the PostgreSQL repositories run their SQL: the executor, its result, shared SQL pieces. */
import pg from "pg";

/** BIGINT (counts, epoch ms, ids) and NUMERIC (sums) as JS numbers: every value here fits. */
export const PG_TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 || oid === 1700 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

export interface PgResult {
  rows: any[];
  rowCount: number | null;
}
export type Query = (text: string, params?: unknown[]) => Promise<PgResult>;

export interface PgExec {
  read<T>(fn: (q: Query) => Promise<T>): Promise<T>;
  write<T>(fn: (q: Query) => Promise<T>): Promise<T>;
}

/** The LISTEN/NOTIFY channel that says an audit changed (the payload is its id). */
export const CHANNEL = "petri_audit_changed";

/** Notifies every listening server, once the transaction commits. */
export const notify = (q: Query, auditId: string) => q("SELECT pg_notify($1, $2)", [CHANNEL, auditId]);

/** A target reply: not the auditor's prefill (`b`: the message's body, see MESSAGES). */
export const NOT_PREFILL = "coalesce(b.data::jsonb #>> '{metadata,prefill}', '') NOT IN ('true', '1')";

/** Tree rows (`m`) with their bodies (`b`, schema 8: a message's JSON is stored once however many views hold it). */
export const MESSAGES = "messages m JOIN message_bodies b ON b.seq = m.body";
