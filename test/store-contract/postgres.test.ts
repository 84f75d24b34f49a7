/**
 * What only the PostgreSQL store has: one schema migration when servers start together, a newer
 * schema refused, change notifications across store instances (LISTEN/NOTIFY), the pool size,
 * passwords kept out of errors, and lost connections. Plus the backend selection of openStore.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { main } from "../../src/commands/index.js";
import { loadConfig } from "../../src/config.js";
import { openDatabase } from "../../src/store/db.js";
import { StoreError, StoreOpenError } from "../../src/store/errors.js";
import { openStore, storeBackend } from "../../src/store/index.js";
import { PG_MIGRATIONS } from "../../src/store/postgres/schema.js";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { MIGRATIONS } from "../../src/store/schema.js";
import type { AuditStore } from "../../src/store/types.js";
import { tempDir } from "../helpers.js";
import { type TestPostgres, usePostgres } from "../support/postgres.js";

describe("openStore", () => {
  it("selects PostgreSQL for postgres:// and postgresql:// URLs, SQLite for anything else", async () => {
    expect(storeBackend("postgres://u:p@127.0.0.1/db")).toBe("postgres");
    expect(storeBackend("POSTGRESQL://127.0.0.1/db")).toBe("postgres");
    expect(storeBackend("/tmp/postgres://x.db")).toBe("sqlite");
    expect(storeBackend("petri.db")).toBe("sqlite");
    const store = await openStore(join(tempDir(), "petri.db"));
    expect(store.backend).toBe("sqlite");
    await store.close();
  });

  it("until the async switch, commands that open SQLite refuse a PostgreSQL URL instead of creating a file named after it", () => {
    const cwd = process.cwd();
    const dir = tempDir();
    process.chdir(dir);
    try {
      expect(() => openDatabase("postgresql://petri:Hidden-Pass-77@127.0.0.1:5432/petri")).toThrow(StoreOpenError);
      expect(() => openDatabase("postgresql://petri:Hidden-Pass-77@127.0.0.1:5432/petri")).toThrow(/is a PostgreSQL URL: this command does not use PostgreSQL yet/);
      expect(() => openDatabase("postgres://petri:Hidden-Pass-77@127.0.0.1:5432/petri")).not.toThrow(/Hidden-Pass-77/);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });

  it("keeps a --db URL as given; list on an unreachable server says so in one redacted line, exit 2", async () => {
    const url = "postgresql://petri:Hidden-Pass-78@127.0.0.1:1/petri";
    expect(loadConfig({ db: url }, {}, "/somewhere").dbPath).toBe(url);
    const err: string[] = [];
    expect(await main(["list", "--db", url], { stdout: () => undefined, stderr: (t) => void err.push(t) })).toBe(2);
    expect(err.join("\n")).toMatch(/^petri-mcp list: Cannot open the AuditStore at postgresql:\/\/petri:\[redacted\]@127\.0\.0\.1:1\/petri/);
    expect(err.join("\n")).not.toContain("Hidden-Pass-78");
  });

  it("mirrors every SQLite migration in PostgreSQL's dialect, with the same versions", () => {
    expect(PG_MIGRATIONS.map((m) => [m.version, m.description])).toEqual(MIGRATIONS.map((m) => [m.version, m.description]));
  });
});

describe("PostgreSQL store", () => {
  let server: TestPostgres | null = null;
  let url = "";
  const stores: AuditStore[] = [];
  const open = async (options = {}) => {
    const store = await openStore(url, options);
    stores.push(store);
    return store;
  };
  const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: server!.adminUrl });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  const database = () => new URL(url).pathname.slice(1);

  usePostgres(
    (fresh, started) => {
      url = fresh;
      server = started;
    },
    async () => {
      for (const store of stores) await store.close();
    },
  );

  it("applies the migrations once when several servers start together on a fresh database", async () => {
    const opened = await Promise.all([open(), open(), open({ poolSize: 2 })]);
    expect(opened.map((s) => s.backend)).toEqual(["postgres", "postgres", "postgres"]);
    const versions = await admin(async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query("SELECT version FROM schema_version ORDER BY version");
      await client.end();
      return rows.map((r) => r.version as number);
    });
    expect(versions).toEqual(PG_MIGRATIONS.map((m) => m.version));
    await opened[0]!.audits.create({ seedInstruction: "s", targetModel: "m", maxTurns: 1, id: "a1" });
    expect((await opened[2]!.audits.get("a1"))?.id).toBe("a1");
  });

  it("refuses a database whose schema is newer, without writing and without the password", async () => {
    const first = await open();
    await first.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("INSERT INTO schema_version (version, description, applied_at) VALUES (999, 'future', 'x')");
    await client.end();
    const error = await openStore(url).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(StoreOpenError);
    expect(error!.message).toMatch(/schema version 999, newer than this petri-mcp understands/);
    expect(error!.message).toContain("[redacted]");
    expect(error!.message).not.toContain(new URL(url).password);
  });

  it("keeps the password out of the location and of connection errors", async () => {
    const store = await open();
    const password = new URL(url).password;
    expect(store.location).not.toContain(password);
    expect(store.location).toContain("[redacted]");
    const wrong = new URL(url);
    wrong.password = "Wrong-Secret-Value-93";
    const error = await openStore(wrong.toString()).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(StoreOpenError);
    expect(error!.message).toMatch(/Cannot open the AuditStore at postgresql:\/\/petri:\[redacted\]@127\.0\.0\.1/);
    expect(error!.message).not.toContain("Wrong-Secret-Value-93");
  });

  it("tells a second store instance (another server) that an audit changed, through NOTIFY", async () => {
    const a = await open();
    const b = await open();
    const heard: string[] = [];
    await b.onChange((id) => heard.push(id));
    await a.audits.create({ seedInstruction: "s", targetModel: "m", maxTurns: 1, id: "n1" });
    await a.transaction(async (tx) => {
      await tx.messages.append("n1", "target", [{ id: "u", role: "user", content: "hi" }]);
      await tx.audits.touch("n1");
    });
    const end = Date.now() + 5_000;
    while (heard.length < 2 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(heard).toEqual(["n1", "n1"]);
  });

  it("searches seed instructions through the pg_trgm index", async () => {
    const store = await open();
    for (let i = 0; i < 50; i++) await store.audits.create({ seedInstruction: `Seed number ${i} about refunds`, targetModel: "m", maxTurns: 1 });
    expect((await store.audits.list({ search: "NUMBER 7 " })).audits.map((a) => a.seedInstruction)).toEqual(["Seed number 7 about refunds"]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query("SET enable_seqscan = off");
      const plan = await client.query("EXPLAIN SELECT id FROM audits WHERE lower(seed_instruction) LIKE lower($1) ESCAPE '\\'", ["%number 7 %"]);
      expect(plan.rows.map((r) => r["QUERY PLAN"]).join("\n")).toContain("audits_seed_trgm");
    } finally {
      await client.end();
    }
  });

  it("sizes its connection pool by the option (default 10)", async () => {
    const small = (await open({ poolSize: 3 })) as PostgresStore;
    const normal = (await open()) as PostgresStore;
    expect((small as unknown as { pool: pg.Pool }).pool.options.max).toBe(3);
    expect((normal as unknown as { pool: pg.Pool }).pool.options.max).toBe(10);
  });

  it("retries a read whose connection was lost (3 attempts), then reports it as unavailable", async () => {
    const store = await open();
    await store.audits.create({ seedInstruction: "s", targetModel: "m", maxTurns: 1, id: "r1" });
    const pool = (store as unknown as { pool: pg.Pool }).pool;
    const real = pool.query.bind(pool);
    let failures = 2;
    let calls = 0;
    (pool as unknown as { query: unknown }).query = (...args: unknown[]) => {
      calls++;
      if (failures-- > 0) return Promise.reject(new Error("Connection terminated unexpectedly"));
      return (real as (...a: unknown[]) => Promise<unknown>)(...args);
    };
    expect((await store.audits.get("r1"))?.id).toBe("r1");
    expect(calls).toBe(3);
    failures = 5;
    const error = await store.audits.get("r1").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).kind).toBe("unavailable");
    expect((error as StoreError).message).toMatch(/cannot be reached.*Nothing was written/);
  });

  it("reads on after its connections are cut; a write cut mid-transaction is reported and leaves nothing", async () => {
    const store = await open();
    await store.audits.create({ seedInstruction: "s", targetModel: "m", maxTurns: 1, id: "c1" });
    const kill = () =>
      admin((client) => client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [database()]));
    await kill();
    expect((await store.audits.get("c1"))?.id).toBe("c1");
    const error = await store
      .transaction(async (tx) => {
        await tx.audits.touch("c1");
        await kill();
        await tx.events.add("c1", { type: "tool_removal_event", data: { model: "target", name: "x" } });
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).kind).toBe("unavailable");
    expect((error as StoreError).message).toMatch(/lost during a write/);
    expect((error as StoreError).message).not.toContain(new URL(url).password);
    expect((await store.audits.get("c1"))?.version).toBe(0);
    expect(await store.events.list("c1")).toEqual([]);
  });
});
