/**
 * The turn engine: how an operation that calls the target holds the audit while it runs.
 *
 * A turn runs in three steps over the store's turn protocol (src/store/types.ts):
 *   1. `begin`: one transaction validates the request against the stored state and takes the
 *      audit's lease (so no other client can change the audit meanwhile);
 *   2. the gate (realism filter) and the target model are called outside any transaction, the
 *      lease renewed meanwhile (`withLeaseRenewal`);
 *   3. `commit`: one transaction writes the turn, only if the lease and the head are unchanged,
 *      and releases the lease. `end` releases it when the turn wrote nothing.
 * Simple writes (`write`) run in one transaction that first checks the audit is open and free.
 * The store's refusals become the AuditError texts the auditor acts on.
 */
import { log } from "../log.js";
import type { TurnRefusedError } from "../store/errors.js";
import type { AuditRecord, AuditStore, ModelCallRecord, StoredMessage, StoreSession, TurnStart } from "../store/types.js";
import { newOwner } from "../util/owner.js";
import { AuditError } from "./errors.js";
import type { ChatMessage } from "../core/messages.js";

/** A turn that holds the audit's lease. */
export interface Turn extends TurnStart {
  /** Set once the commit's transaction has committed (its writes and the lease release are durable). */
  committed: boolean;
  /** The gate's notice for this turn, put before the turn's result text. */
  gateNotice?: string;
}

export interface BeginOptions {
  /** Refuse when the audit has no target turn left (default true). */
  requireTurnsLeft?: boolean;
  /** Checks the request against the current target branch; throws an AuditError to refuse. */
  validate?: (branch: ChatMessage[]) => void;
}

export function plainBranch(branch: readonly StoredMessage[]): ChatMessage[] {
  return branch.map((m) => m.message);
}

/** The turn's result text, after the gate's notice line when there is one. */
export function withNotice(turn: Turn, text: string): string {
  return turn.gateNotice ? `${turn.gateNotice}\n\n${text}` : text;
}

export function notFoundError(auditId: string): AuditError {
  return new AuditError("not_found", `No audit with id '${auditId}'. Call list_audits to see existing audits, or start_audit to create one.`);
}

export function closedError(audit: AuditRecord): AuditError {
  const why =
    audit.status === "max_turns"
      ? `it used all ${audit.maxTurns} target turns (max_turns)`
      : audit.status === "ended"
        ? "end_conversation was called"
        : `it failed${audit.statusReason ? `: ${audit.statusReason}` : ""}`;
  return new AuditError("closed", `Audit ${audit.id} is over (${audit.status}): ${why}. The target cannot be called again; use judge, export_transcript, or start_audit for a new audit.`, {
    status: audit.status,
  });
}

export function busyError(auditId: string): AuditError {
  return new AuditError(
    "busy",
    `Audit ${auditId} is busy: another client is in the middle of a turn on it. Wait for that turn to finish (view_conversation shows it), then retry.`,
  );
}

function changedError(auditId: string): AuditError {
  return new AuditError("busy", `Audit ${auditId} changed while this turn was running (another client acted on it). Nothing was written; check view_conversation and retry.`);
}

/** Whether the store refused the turn (by name: the domain does not import the store's code). */
function isTurnRefused(error: unknown): error is TurnRefusedError {
  return error instanceof Error && error.name === "TurnRefusedError";
}

/** The store's refusal of a turn as the auditor's error; other errors unchanged. */
function refusal(error: unknown): unknown {
  if (!isTurnRefused(error)) return error;
  switch (error.reason) {
    case "not_found":
      return notFoundError(error.auditId);
    case "head_moved":
      return changedError(error.auditId);
    default:
      return busyError(error.auditId);
  }
}

/** The audit, or the not-found error. */
export async function auditOf(session: StoreSession, auditId: string): Promise<AuditRecord> {
  const audit = await session.audits.get(auditId);
  if (!audit) throw notFoundError(auditId);
  return audit;
}

export class TurnEngine {
  /** Leases of this process whose release failed (audit id -> owner), released on the next write. */
  private readonly leftoverLeases = new Map<string, string>();

  constructor(
    readonly store: AuditStore,
    readonly leaseTtlMs: number,
  ) {}

  /**
   * Runs `fn` in one transaction on an audit that exists, is open and is not in another client's
   * turn (a lease this process failed to release is released first).
   */
  async write<T>(auditId: string, fn: (tx: StoreSession, audit: AuditRecord) => Promise<T>): Promise<T> {
    await this.releaseLeftover(auditId);
    return this.store.transaction(async (tx) => {
      const audit = await auditOf(tx, auditId);
      if (audit.status !== "active") throw closedError(audit);
      if (await tx.leases.holder(auditId)) throw busyError(auditId);
      return fn(tx, audit);
    });
  }

  /** Validates the request and takes the audit's lease, in one transaction. */
  async begin(auditId: string, options: BeginOptions = {}): Promise<Turn> {
    await this.releaseLeftover(auditId);
    const requireTurnsLeft = options.requireTurnsLeft ?? true;
    try {
      const start = await this.store.beginTurn(auditId, {
        // host:pid:random, so a takeover on this host can tell the turn's process is gone (src/runner/continue.ts).
        owner: newOwner(),
        ttlMs: this.leaseTtlMs,
        check: ({ audit, branch, holder }) => {
          if (audit.status !== "active") throw closedError(audit);
          if (holder) throw busyError(auditId);
          if (requireTurnsLeft && audit.turnLimit === "target" && audit.turnsUsed >= audit.maxTurns) throw closedError({ ...audit, status: "max_turns" });
          options.validate?.(plainBranch(branch));
        },
      });
      return { ...start, committed: false };
    } catch (error) {
      throw refusal(error);
    }
  }

  /**
   * Runs `fn` and releases the lease in one transaction, if this turn still owns the audit. The turn
   * counts as committed only once the transaction has: when COMMIT itself fails (disk full, I/O
   * error) the lease release rolled back with it, and `end` must release the lease again.
   */
  async commit<T>(turn: Turn, fn: (tx: StoreSession) => Promise<T>): Promise<T> {
    let value: T;
    try {
      value = await this.store.commitTurn(turn, fn);
    } catch (error) {
      throw refusal(error);
    }
    turn.committed = true;
    return value;
  }

  /** Releases the lease of a turn that did not commit. */
  async end(turn: Turn): Promise<void> {
    if (turn.committed) return;
    try {
      await this.store.endTurn(turn);
    } catch {
      // The database refused the write (locked, disk full): release the lease on the next try
      // instead of leaving the audit busy until the lease expires.
      this.leftoverLeases.set(turn.auditId, turn.owner);
    }
  }

  /** Runs `fn` (a model call) while renewing the turn's lease. */
  async withLeaseRenewal<T>(turn: Turn, fn: () => Promise<T>): Promise<T> {
    const timer = setInterval(
      () => {
        // A failed renewal is detected at commit time.
        this.store.leases.renew(turn.auditId, turn.owner, this.leaseTtlMs).catch(() => undefined);
      },
      Math.max(50, Math.floor(this.leaseTtlMs / 3)),
    );
    timer.unref();
    try {
      return await fn();
    } finally {
      clearInterval(timer);
    }
  }

  /** Records a model call on its own (its turn's commit failed, but the call was made and paid for). */
  async recordCallAlone(record: ModelCallRecord): Promise<void> {
    try {
      await this.store.modelCalls.record(record);
    } catch (error) {
      log.warn(`could not record a model call of audit ${record.auditId}`, error);
    }
  }

  private async releaseLeftover(auditId: string): Promise<void> {
    const owner = this.leftoverLeases.get(auditId);
    if (!owner) return;
    try {
      await this.store.leases.release(auditId, owner);
      this.leftoverLeases.delete(auditId);
    } catch {
      // Still refused: the write that follows reports the database's failure.
    }
  }
}
