/**
 * Every branch of a view's message tree, flattened the way Petri's judge reads it: each branch
 * contributes only the messages it does not share with earlier ones, after a marker saying where it
 * starts. Rollback and restart never delete, so this is the whole history.
 */
import type { StoredMessage } from "../store/types.js";

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

/**
 * Where a message is shown to the auditor and in exports: its branch (1-based, in the order the
 * branches were written) and its 0-based index in that branch, which is the index
 * view_conversation shows and rollback_conversation takes. The judge's XML numbers messages from 1
 * across all branches instead (Petri's format); its citations are converted to this form before
 * anyone reads them.
 */
export interface MessageLocation {
  branch: number;
  index: number;
}

/** "branch 2, message [4]": the one way a message is named in tool results and exports. */
export function describeLocation(location: MessageLocation): string {
  return `branch ${location.branch}, message [${location.index}]`;
}

/**
 * Every root-to-leaf path of a tree, root first, in the order the branches were written (write
 * order is a depth-first order of the tree, so leaves sorted by seq give the branches in order).
 */
export function branchPaths(all: readonly StoredMessage[]): StoredMessage[][] {
  const bySeq = new Map(all.map((m) => [m.seq, m]));
  const parents = new Set(all.map((m) => m.parentSeq));
  const leaves = all.filter((m) => !parents.has(m.seq)).sort((a, b) => a.seq - b.seq);
  return leaves.map((leaf) => {
    const path: StoredMessage[] = [];
    for (let m: StoredMessage | undefined = leaf; m; m = m.parentSeq === null ? undefined : bySeq.get(m.parentSeq)) path.push(m);
    return path.reverse();
  });
}

/** Each message's location (by seq) in the first branch that contains it. */
export function messageLocations(paths: readonly StoredMessage[][]): Map<number, MessageLocation> {
  const seen = new Map<number, MessageLocation>();
  paths.forEach((path, i) => {
    path.forEach((m, index) => {
      if (!seen.has(m.seq)) seen.set(m.seq, { branch: i + 1, index });
    });
  });
  return seen;
}

/** Each message's location by message id (see messageLocations). */
export function locationsById(all: readonly StoredMessage[], paths: readonly StoredMessage[][] = branchPaths(all)): Map<string, MessageLocation> {
  const bySeq = messageLocations(paths);
  return new Map(all.map((m) => [m.message.id, bySeq.get(m.seq)!]));
}
