/**
 * Runs one suite against both store backends through the store interface: SQLite on a temp file,
 * PostgreSQL on a fresh database of the run's shared embedded server. Without a
 * PostgreSQL the PostgreSQL half is skipped visibly (or fails, under PETRI_REQUIRE_POSTGRES=1).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe } from "vitest";
import { openStore } from "../../src/store/index.js";
import type { AuditStore, StoreBackend, StoreOptions } from "../../src/store/types.js";
import { tempDir } from "../helpers.js";
import { testBackends } from "../support/backends.js";
import { type TestPostgres, sharedPostgres } from "../support/postgres.js";

export interface BackendContext {
  readonly name: StoreBackend;
  /** Where this test's store is (a file path or a database URL). */
  readonly location: string;
  /** Opens a store on this test's database (another instance each call; all closed after the test). */
  open(options?: StoreOptions): Promise<AuditStore>;
}

export function describeBackends(title: string, body: (ctx: BackendContext) => void): void {
  describe.each(testBackends())(`${title} [%s]`, (name) => {
    let server: TestPostgres | null = null;
    let dir: string | undefined;
    let location = "";
    const opened: AuditStore[] = [];
    beforeAll(async () => {
      if (name === "postgres") server = await sharedPostgres();
    }, 180_000);
    afterAll(async () => {
      await server?.stop();
    }, 60_000);
    beforeEach(async (test) => {
      if (name === "postgres" && !server) {
        test.skip();
        return;
      }
      if (name === "sqlite") {
        dir = tempDir();
        location = join(dir, "petri.db");
      } else {
        location = await server!.freshDatabase();
      }
    });
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    });
    body({
      name,
      get location() {
        return location;
      },
      async open(options) {
        const store = await openStore(location, options);
        opened.push(store);
        return store;
      },
    });
  });
}
