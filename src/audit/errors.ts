/**
 * Expected failures of audit operations. Their messages are written for the auditor model: what
 * failed, why, and what to do next. The MCP layer returns them as `isError` results.
 */
export type AuditErrorCode =
  /** The audit id (or another id) does not exist. */
  | "not_found"
  /** The arguments are wrong for the current state (pending calls, bad index, empty text, ...). */
  | "invalid"
  /** Another client is in the middle of a turn on this audit. */
  | "busy"
  /** The audit is over (ended, max_turns, failed). */
  | "closed"
  /** The target (or another) model call failed; nothing was written. */
  | "model"
  /** A gate (the realism filter) refused the action; nothing was sent to the target. */
  | "rejected"
  /** Server configuration is missing (no target model, no resources root, ...). */
  | "config"
  /** The database could not be written (locked by another process, disk full, ...). */
  | "store";

export class AuditError extends Error {
  constructor(
    readonly code: AuditErrorCode,
    message: string,
    /** Extra fields for `structuredContent` of the error result. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AuditError";
  }
}
