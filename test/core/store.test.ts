/**
 * The SQLite store itself: how its file is opened, where it lives by default, and its branch cache
 * across connections. What every backend must do (message trees, leases, transactions, the turn
 * protocol) is the contract suite's job: test/store-contract/contract.test.ts.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/core/messages.js";
import { defaultDbPath } from "../../src/config.js";
import { migrate, openDatabase, schemaVersion } from "../../src/store/db.js";
import { openStore } from "../../src/store/index.js";
import { MIGRATIONS } from "../../src/store/schema.js";
import { SqliteStore } from "../../src/store/sqlite/store.js";
import type { AuditStore } from "../../src/store/types.js";
import { tempDir } from "../helpers.js";

let dir: string;
let path: string;
let store: AuditStore;

beforeEach(async () => {
  dir = tempDir();
  path = join(dir, "sub", "petri.db");
  store = await openStore(path);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const msg = (id: string): ChatMessage => ({ id, role: "user", content: id });

describe("database", () => {
  it("opens in WAL mode with a busy timeout, and migrations are idempotent", () => {
    const db = openDatabase(path);
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.pragma("busy_timeout", { simple: true })).toBeGreaterThanOrEqual(5000);
      expect(schemaVersion(db)).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
      migrate(db);
      expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    } finally {
      db.close();
    }
  });

  it("defaults to the user's data folder", () => {
    expect(defaultDbPath({ HOME: "/home/u" }, "linux")).toBe("/home/u/.local/share/petri-mcp/petri.db");
    expect(defaultDbPath({ HOME: "/home/u", XDG_DATA_HOME: "/data" }, "linux")).toBe("/data/petri-mcp/petri.db");
    expect(defaultDbPath({ HOME: "/Users/u" }, "darwin")).toBe("/Users/u/Library/Application Support/petri-mcp/petri.db");
  });
});

describe("branch cache", () => {
  it("sees writes made through another connection (another process, in real use)", async () => {
    const audit = await store.audits.create({ seedInstruction: "s", targetModel: "mockllm/model", maxTurns: 5 });
    await store.messages.append(audit.id, "target", [msg("a")]);
    expect(await store.messages.branch(audit.id, "target")).toHaveLength(1);
    // Its own connection: SqliteStore.open would share this process's one.
    const other = SqliteStore.openSeparate(path);
    await other.messages.append(audit.id, "target", [msg("b")]);
    await other.close();
    expect((await store.messages.branch(audit.id, "target")).map((m) => m.message.id)).toEqual(["a", "b"]);
  });
});
