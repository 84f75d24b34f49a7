/**
 * The turn protocol, written once over the store interface and run inside each engine's write
 * transaction (SQLite: BEGIN IMMEDIATE holds the database; PostgreSQL: the audit row is locked
 * first with SELECT … FOR UPDATE through `lockAudit`).
 */
import { TurnRefusedError } from "./errors.js";
import type { BeginTurnOptions, StoreSession, TurnStart } from "./types.js";

/** Validates and takes the lease. Call inside a write transaction that has locked the audit. */
export async function beginTurnIn(tx: StoreSession, auditId: string, options: BeginTurnOptions): Promise<TurnStart> {
  const view = options.view ?? "target";
  const now = options.now ?? Date.now();
  const audit = await tx.audits.get(auditId);
  if (!audit) throw new TurnRefusedError("not_found", auditId);
  const holder = await tx.leases.holder(auditId, now);
  const headSeq = await tx.messages.head(auditId, view);
  const branch = await tx.messages.branch(auditId, view, headSeq);
  const other = holder && holder.owner !== options.owner ? holder : null;
  options.check?.({ audit, headSeq, branch, holder: other });
  if (other || !(await tx.leases.acquire(auditId, options.owner, options.ttlMs, now))) throw new TurnRefusedError("leased", auditId);
  return { auditId, owner: options.owner, view, audit, headSeq, branch };
}

/** Writes `fn` and releases the lease if the turn still owns the audit and the head has not moved. */
export async function commitTurnIn<T>(tx: StoreSession, turn: TurnStart, fn: (tx: StoreSession) => Promise<T>): Promise<T> {
  const holder = await tx.leases.holder(turn.auditId);
  if (holder && holder.owner !== turn.owner) throw new TurnRefusedError("lease_lost", turn.auditId);
  if ((await tx.messages.head(turn.auditId, turn.view)) !== turn.headSeq) throw new TurnRefusedError("head_moved", turn.auditId);
  const value = await fn(tx);
  await tx.leases.release(turn.auditId, turn.owner);
  return value;
}
