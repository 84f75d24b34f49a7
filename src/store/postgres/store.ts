/**
 * The store interface on PostgreSQL (`pg`): a pool sized by `poolSize` (default 10), the schema
 * brought up to date once under an advisory lock when several servers start together (a newer
 * schema is refused), the turn protocol with the audit row locked (SELECT … FOR UPDATE), and
 * LISTEN/NOTIFY so every server hears that an audit changed. A lost connection is retried for
 * reads and reported as a StoreError("unavailable") for writes. The password of the URL is
 * registered as a secret at once: it never reaches a log or an error.
 */
import pg from "pg";
import { log } from "../../log.js";
import { redactSecrets, registerSecret } from "../../util/redact.js";
import { StoreOpenError } from "../errors.js";
import { beginTurnIn, commitTurnIn } from "../turns.js";
import type { AuditStore, BeginTurnOptions, ChangeListener, StoreOptions, StoreSession, TurnStart } from "../types.js";
import { isConnectionError, postgresProblem } from "./errors.js";
import { PG_LATEST_SCHEMA_VERSION, PG_MIGRATIONS } from "./schema.js";
import { CHANNEL, PG_TYPES, type PgExec, type Query } from "./query.js";
import { pgSession } from "./session.js";

const READ_ATTEMPTS = 3;
const MIGRATION_LOCK = "petri-mcp schema";

/** The URL with its password replaced, for messages; the password itself becomes a secret. */
export function redactedLocation(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      registerSecret(parsed.password);
      registerSecret(decodeURIComponent(parsed.password));
      parsed.password = "[redacted]";
    }
    return parsed.toString().replace("%5Bredacted%5D", "[redacted]");
  } catch {
    return redactSecrets(url);
  }
}

export class PostgresStore implements AuditStore {
  readonly backend = "postgres" as const;
  private readonly top: StoreSession;
  private readonly listeners = new Set<ChangeListener>();
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private isClosed = false;
  private readOnly = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly config: pg.ClientConfig,
    readonly location: string,
  ) {
    this.top = pgSession(this.topExec());
  }

  /** Connects, migrates under the advisory lock, and refuses a schema newer than this petri-mcp. */
  static async open(url: string, options: StoreOptions = {}): Promise<PostgresStore> {
    const location = redactedLocation(url);
    const config: pg.ClientConfig = { connectionString: url, types: PG_TYPES, connectionTimeoutMillis: 10_000, application_name: "petri-mcp" };
    const pool = new pg.Pool({ ...config, max: options.poolSize ?? 10 });
    pool.on("error", (error) => log.warn(`PostgreSQL connection of the pool failed (it is replaced): ${redactSecrets(error.message)}`));
    const store = new PostgresStore(pool, config, location);
    try {
      await store.migrate();
      store.readOnly = options.readOnly ?? false;
    } catch (error) {
      await pool.end().catch(() => undefined);
      if (error instanceof StoreOpenError) throw error;
      const message = redactSecrets(error instanceof Error ? error.message : String(error));
      throw new StoreOpenError(`Cannot open the AuditStore at ${location}: ${message}. Check --db or PETRI_DB, that PostgreSQL runs there and that the user may connect and create tables.`);
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    const ignore = () => undefined;
    client.on("error", ignore);
    try {
      await client.query("SELECT pg_advisory_lock(hashtext($1))", [MIGRATION_LOCK]);
      try {
        await client.query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)");
        const current = Number((await client.query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_version")).rows[0].v);
        if (current > PG_LATEST_SCHEMA_VERSION) {
          throw new StoreOpenError(
            `The AuditStore at ${this.location} has schema version ${current}, newer than this petri-mcp understands (up to ${PG_LATEST_SCHEMA_VERSION}). Nothing was written. Upgrade petri-mcp, or pass another --db.`,
          );
        }
        for (const migration of PG_MIGRATIONS) {
          if (migration.version <= current) continue;
          await client.query("BEGIN");
          try {
            await client.query(migration.sql);
            await client.query("INSERT INTO schema_version (version, description, applied_at) VALUES ($1, $2, $3)", [migration.version, migration.description, new Date().toISOString()]);
            await client.query("COMMIT");
          } catch (error) {
            await client.query("ROLLBACK").catch(() => undefined);
            throw error;
          }
        }
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtext($1))", [MIGRATION_LOCK]).catch(() => undefined);
      }
    } finally {
      client.off("error", ignore);
      client.release();
    }
  }

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

  private fail(error: unknown, writing: boolean): unknown {
    return postgresProblem(error, this.location, writing) ?? error;
  }

  /** Top level: reads on the pool, retried on a lost connection; writes in their own transaction. */
  private topExec(): PgExec {
    const query: Query = (text, params) => this.pool.query(text, params);
    return {
      read: async (fn) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await fn(query);
          } catch (error) {
            if (attempt >= READ_ATTEMPTS || !isConnectionError(error)) throw this.fail(error, false);
            await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
          }
        }
      },
      write: (fn) => this.inTransaction("READ WRITE", (q) => fn(q)),
    };
  }

  /** Runs `fn` on one client between BEGIN and COMMIT; any failure rolls back. */
  private async inTransaction<T>(mode: "READ WRITE" | "REPEATABLE READ, READ ONLY", fn: (q: Query) => Promise<T>): Promise<T> {
    const writing = mode === "READ WRITE";
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.fail(error, false);
    }
    let broken = false;
    // A connection cut while this client is checked out is reported by the query that uses it.
    const ignore = () => undefined;
    client.on("error", ignore);
    try {
      // A read-only store (StoreOptions.readOnly) opens its writes read-only too: PostgreSQL refuses them.
      await client.query(`BEGIN ISOLATION LEVEL ${writing ? `READ COMMITTED, ${this.readOnly ? "READ ONLY" : "READ WRITE"}` : mode}`);
      const value = await fn((text, params) => client.query(text, params));
      await client.query("COMMIT");
      return value;
    } catch (error) {
      broken = isConnectionError(error);
      if (!broken) await client.query("ROLLBACK").catch(() => undefined);
      throw this.fail(error, writing);
    } finally {
      client.off("error", ignore);
      client.release(broken);
    }
  }

  private session(q: Query): StoreSession {
    return pgSession({ read: (fn) => fn(q), write: (fn) => fn(q) });
  }

  transaction<T>(fn: (tx: StoreSession) => Promise<T>): Promise<T> {
    return this.inTransaction("READ WRITE", (q) => fn(this.session(q)));
  }

  snapshot<T>(fn: (tx: StoreSession) => Promise<T>): Promise<T> {
    return this.inTransaction("REPEATABLE READ, READ ONLY", (q) => fn(this.session(q)));
  }

  /** Locks the audit row until the transaction ends: turns on one audit take turns, across servers. */
  private lockedTransaction<T>(auditId: string, fn: (tx: StoreSession) => Promise<T>): Promise<T> {
    return this.inTransaction("READ WRITE", async (q) => {
      await q("SELECT 1 FROM audits WHERE id = $1 FOR UPDATE", [auditId]);
      return fn(this.session(q));
    });
  }

  beginTurn(auditId: string, options: BeginTurnOptions): Promise<TurnStart> {
    return this.lockedTransaction(auditId, (tx) => beginTurnIn(tx, auditId, options));
  }

  commitTurn<T>(turn: TurnStart, fn: (tx: StoreSession) => Promise<T>): Promise<T> {
    return this.lockedTransaction(turn.auditId, (tx) => commitTurnIn(tx, turn, fn));
  }

  async endTurn(turn: TurnStart): Promise<void> {
    await this.leases.release(turn.auditId, turn.owner);
  }

  async onChange(listener: ChangeListener): Promise<() => void> {
    this.listeners.add(listener);
    await this.listen();
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** One dedicated connection LISTENs for the whole store; it reconnects when it is cut. */
  private listen(): Promise<void> {
    this.listening ??= (async () => {
      const client = new pg.Client(this.config);
      client.on("notification", (message) => {
        if (message.channel !== CHANNEL || !message.payload) return;
        for (const listener of this.listeners) {
          try {
            listener(message.payload);
          } catch {
            // One listener's failure must not stop the others.
          }
        }
      });
      const lost = (error?: Error) => {
        if (this.isClosed || this.listener !== client) return;
        log.warn(`PostgreSQL change notifications interrupted${error ? `: ${redactSecrets(error.message)}` : ""}; reconnecting.`);
        this.listener = undefined;
        this.listening = undefined;
        client.end().catch(() => undefined);
        setTimeout(() => void this.listen().catch(() => undefined), 1000).unref();
      };
      client.on("error", lost);
      client.on("end", () => lost());
      this.listener = client;
      try {
        await client.connect();
        await client.query(`LISTEN ${CHANNEL}`);
      } catch (error) {
        this.listener = undefined;
        this.listening = undefined;
        await client.end().catch(() => undefined);
        throw this.fail(error, false);
      }
    })();
    return this.listening;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}
