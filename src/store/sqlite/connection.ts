/**
 * One better-sqlite3 connection of the SQLite store: prepared statements compiled once, IMMEDIATE
 * write transactions (writers of several processes take the lock up front instead of failing
 * mid-transaction), and the branch cache of ./messages.ts, which a rolled-back write clears.
 * Only src/store/sqlite/ uses it; the domain sees the store interface (../types.ts).
 */
import type { Statement } from "better-sqlite3";
import type { Db } from "../db.js";
import type { StoredMessage } from "../records.js";

/** A branch read for a head: immutable once written, so valid as long as its seqs are. */
export interface CachedBranch {
  headSeq: number;
  messages: StoredMessage[];
}

/** Cached branches kept at most (three views per audit): about 100 recently used audits. */
const MAX_CACHED_BRANCHES = 300;

export class SqliteConnection {
  private readonly statements = new Map<string, Statement>();
  private readonly branches = new Map<string, CachedBranch>();

  constructor(readonly db: Db) {}

  /** A prepared statement, compiled once per SQL text and reused (preparing is costly). */
  prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (error) {
      // Rolled-back rows may have been cached; their seqs can be reused.
      this.forgetCachedBranches();
      throw error;
    }
  }

  read<T>(fn: () => T): T {
    return this.db.transaction(fn).deferred();
  }

  cachedBranch(key: string): CachedBranch | undefined {
    return this.branches.get(key);
  }

  /** Keeps the most recently used branches only (an idle audit's views are dropped first). */
  cacheBranch(key: string, entry: CachedBranch): void {
    this.branches.delete(key);
    this.branches.set(key, entry);
    while (this.branches.size > MAX_CACHED_BRANCHES) this.branches.delete(this.branches.keys().next().value!);
  }

  /** Drops cached branches (after a transaction rolled back: their seqs can be reused). */
  forgetCachedBranches(): void {
    this.branches.clear();
  }

  get open(): boolean {
    return this.db.open;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
