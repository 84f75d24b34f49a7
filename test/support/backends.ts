/**
 * The store backends the end-to-end suites run on: SQLite (a file in the test's temp folder) and
 * PostgreSQL (a fresh database on the run's shared embedded server, taken by the file on first use;
 * the file's databases are dropped after it).
 *
 * PETRI_TEST_BACKEND=sqlite|postgres selects one backend: suites that loop over `testBackends()`
 * run only that half, and createTestApp / startHttpTestApp default to it (else SQLite). So
 * `PETRI_TEST_BACKEND=postgres npx vitest run <files>` runs those files on PostgreSQL alone.
 */
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach } from "vitest";
import type { StoreBackend } from "../../src/store/types.js";
import { sharedPostgres, type TestPostgres } from "./postgres.js";

export type Backend = StoreBackend;

const BACKENDS: readonly Backend[] = ["sqlite", "postgres"];

/** The backend PETRI_TEST_BACKEND selects, if any (an unknown value fails loudly). */
export function selectedBackend(env: NodeJS.ProcessEnv = process.env): Backend | undefined {
  const value = env.PETRI_TEST_BACKEND?.trim();
  if (!value) return undefined;
  if (!(BACKENDS as readonly string[]).includes(value)) throw new Error(`PETRI_TEST_BACKEND must be one of ${BACKENDS.join(", ")}, not '${value}'.`);
  return value as Backend;
}

/** The backends a both-backend suite runs on: the selected one, or both. */
export function testBackends(): Backend[] {
  const selected = selectedBackend();
  return selected ? [selected] : [...BACKENDS];
}

/** The backend of helpers given none: the selected one, else SQLite. */
export function defaultBackend(): Backend {
  return selectedBackend() ?? "sqlite";
}

let shared: Promise<TestPostgres | null> | undefined;

/** This test file's handle on the shared PostgreSQL, taken on first use; null when none can start (see startPostgres). */
export function filePostgres(): Promise<TestPostgres | null> {
  shared ??= sharedPostgres();
  return shared;
}

// Drops this file's databases after its last test (every file that imports this module gets a fresh copy).
afterAll(async () => {
  const server = shared;
  shared = undefined;
  await (await server)?.stop();
}, 60_000);

/** Where a new, empty store of `backend` is: `dir`/petri.db, or the URL of a fresh database. */
export async function freshLocation(backend: Backend, dir: string): Promise<string> {
  if (backend === "sqlite") return join(dir, "petri.db");
  const server = await filePostgres();
  if (!server) throw new Error("No PostgreSQL for this test (the embedded server did not start; see the SKIPPING line above). Call useBackend(backend) in the describe block so such tests skip.");
  return server.freshDatabase({ migrated: true });
}

/**
 * In a describe block of `backend`: takes the file's PostgreSQL before its tests, and skips them
 * when none can start (unless PETRI_REQUIRE_POSTGRES=1, where the start fails the run).
 */
export function useBackend(backend: Backend): void {
  if (backend !== "postgres") return;
  let available = true;
  beforeAll(async () => {
    available = (await filePostgres()) !== null;
  }, 180_000);
  beforeEach((test) => {
    if (!available) test.skip();
  });
}
