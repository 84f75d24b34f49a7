/**
 * Every branch of a view's message tree, flattened the way Petri's judge reads it: each branch
 * contributes only the messages it does not share with earlier ones, after a marker saying where it
 * starts. Rollback and restart never delete, so this is the whole history.
 */
import type { StoredMessage } from "../store/audit-store.js";

export type BranchItem =
  | { kind: "message"; stored: StoredMessage }
  /** A new branch: it continues after `from` (a message shown earlier), or starts afresh when null. */
  | { kind: "branch"; from: StoredMessage | null };

/**
 * Write order is already a depth-first order of the tree: a rollback can only return to a message
 * of the current branch, and the abandoned branch can never grow again, so every subtree is
 * complete before its next sibling is written. A message whose parent is not the message written
 * just before it therefore starts a new branch.
 */
export function flattenBranches(messages: readonly StoredMessage[]): BranchItem[] {
  const bySeq = new Map(messages.map((m) => [m.seq, m]));
  const items: BranchItem[] = [];
  let previous: StoredMessage | null = null;
  for (const stored of [...messages].sort((a, b) => a.seq - b.seq)) {
    if (previous !== null && stored.parentSeq !== previous.seq) {
      items.push({ kind: "branch", from: stored.parentSeq === null ? null : (bySeq.get(stored.parentSeq) ?? null) });
    }
    items.push({ kind: "message", stored });
    previous = stored;
  }
  return items;
}

/** The number of branches: leaves of the tree. */
export function leafCount(messages: readonly StoredMessage[]): number {
  const parents = new Set(messages.map((m) => m.parentSeq));
  return messages.filter((m) => !parents.has(m.seq)).length;
}
