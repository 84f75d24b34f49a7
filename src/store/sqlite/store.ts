/**
 * The store interface on one SQLite file (better-sqlite3: WAL, IMMEDIATE transactions, a busy
 * timeout). better-sqlite3 is synchronous and has one connection, so the calls of this process
 * take turns: a transaction holds the connection (BEGIN IMMEDIATE .. COMMIT) until its async
 * callback is done, and every other call waits for it. Change notifications stay in this process
 * (other processes see changes on their next read).
 */
import { resolve } from "node:path";
import { type Db, openDatabase } from "../db.js";
import { TurnRefusedError } from "../errors.js";
import { beginTurnIn, commitTurnIn } from "../turns.js";
import type { AuditStore, BeginTurnOptions, ChangeListener, StoreOptions, StoreSession, TurnStart } from "../types.js";
import { SqliteConnection } from "./connection.js";
import { sqliteSession } from "./session.js";

/** The stores of this process by resolved file path. */
const OPEN = new Map<string, SqliteStore>();

export class SqliteStore implements AuditStore {
  readonly backend = "sqlite" as const;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<ChangeListener>();
  private readonly top: StoreSession;
  /** Audits changed by the top-level call running now (everything inside the queue is serial). */
  private pending: string[] = [];

  private constructor(
    private readonly connection: SqliteConnection,
    readonly location: string,
  ) {
    this.top = sqliteSession(connection, {
      read: (fn) => this.serial(() => connection.read(fn)),
      write: (fn) =>
        this.serial(() => {
          this.pending = [];
          const value = connection.write(fn);
          this.emit(this.pending);
          return value;
        }),
      changed: (id) => this.pending.push(id),
    });
  }

  /**
   * Opens the file, or shares the connection this process already has to it: two connections of
   * one process to one file would deadlock (a transaction awaiting while the other's BEGIN
   * IMMEDIATE blocks the event loop until the busy timeout). Closed when every opener closed it.
   */
  static open(path: string, options: StoreOptions = {}): SqliteStore {
    // A read-only connection never takes the write lock: it may sit beside this process's writer.
    const key = path === ":memory:" ? undefined : `${resolve(path)}${options.readOnly ? "#read-only" : ""}`;
    const shared = key ? OPEN.get(key) : undefined;
    if (shared) {
      shared.refs++;
      return shared;
    }
    const store = SqliteStore.openSeparate(path, options);
    if (key) {
      store.key = key;
      OPEN.set(key, store);
    }
    return store;
  }

  /**
   * Opens the file on a connection of its own, never shared: what another process would have
   * (tests and benchmarks of several writers on one file use it).
   */
  static openSeparate(path: string, options: StoreOptions = {}): SqliteStore {
    return new SqliteStore(new SqliteConnection(openDatabase(path, { busyTimeoutMs: options.busyTimeoutMs, readonly: options.readOnly })), path);
  }

  /**
   * The better-sqlite3 connection itself, for tests that act on the engine (fault injection,
   * integrity checks). The domain never uses it: it has the store interface only.
   */
  get db(): Db {
    return this.connection.db;
  }

  /** Drops this connection's branch cache (benchmarks compare against reading every branch again). */
  forgetCachedBranches(): void {
    this.connection.forgetCachedBranches();
  }

  private refs = 1;
  private key: string | undefined;

  get audits() { return this.top.audits; }
  get leases() { return this.top.leases; }
  get messages() { return this.top.messages; }
  get tools() { return this.top.tools; }
  get events() { return this.top.events; }
  get modelCalls() { return this.top.modelCalls; }
  get judgeRuns() { return this.top.judgeRuns; }
  get realismChecks() { return this.top.realismChecks; }
  get runs() { return this.top.runs; }
  get jobs() { return this.top.jobs; }

  /** Runs `fn` after every call queued before it (one connection, one transaction at a time). */
  private serial<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private emit(ids: Iterable<string>): void {
    for (const id of new Set(ids)) {
      for (const listener of this.listeners) {
        try {
          listener(id);
        } catch {
          // One listener's failure must not stop the others.
        }
      }
    }
  }

  private inTransaction<T>(mode: "IMMEDIATE" | "DEFERRED", fn: (tx: StoreSession) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      const db = this.connection.db;
      const changed: string[] = [];
      let open = true;
      const guard = <V>(body: () => V): Promise<V> => {
        if (!open) return Promise.reject(new Error("This transaction is over: use the store, not the transaction's session, after it ends."));
        return Promise.resolve().then(body);
      };
      const tx = sqliteSession(this.connection, { read: guard, write: guard, changed: (id) => changed.push(id) });
      db.exec(`BEGIN ${mode}`);
      try {
        const value = await fn(tx);
        db.exec("COMMIT");
        open = false;
        this.emit(changed);
        return value;
      } catch (error) {
        open = false;
        if (db.inTransaction) db.exec("ROLLBACK");
        this.connection.forgetCachedBranches();
        throw error;
      }
    });
  }

  transaction<T>(fn: (tx: StoreSession) => Promise<T>): Promise<T> {
    return this.inTransaction("IMMEDIATE", fn);
  }

  snapshot<T>(fn: (tx: StoreSession) => Promise<T>): Promise<T> {
    return this.inTransaction("DEFERRED", fn);
  }

  beginTurn(auditId: string, options: BeginTurnOptions): Promise<TurnStart> {
    return this.transaction((tx) => beginTurnIn(tx, auditId, options));
  }

  commitTurn<T>(turn: TurnStart, fn: (tx: StoreSession) => Promise<T>): Promise<T> {
    return this.transaction((tx) => commitTurnIn(tx, turn, fn));
  }

  async endTurn(turn: TurnStart): Promise<void> {
    await this.leases.release(turn.auditId, turn.owner);
  }

  async onChange(listener: ChangeListener): Promise<() => void> {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get closed(): boolean {
    return !this.connection.open;
  }

  async close(): Promise<void> {
    if (this.refs <= 0 || --this.refs > 0) return;
    if (this.key && OPEN.get(this.key) === this) OPEN.delete(this.key);
    await this.serial(() => this.connection.close());
  }
}

export { TurnRefusedError };
