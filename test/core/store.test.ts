import { join } from "node:path";
import { rmSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/audit/messages.js";
import { AuditStore } from "../../src/store/audit-store.js";
import { migrate, openDatabase, schemaVersion } from "../../src/store/db.js";
import { MIGRATIONS } from "../../src/store/schema.js";
import { defaultDbPath } from "../../src/config.js";
import { tempDir } from "../helpers.js";

let dir: string;
let store: AuditStore;

beforeEach(() => {
  dir = tempDir();
  store = new AuditStore(openDatabase(join(dir, "sub", "petri.db")));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const msg = (id: string, role: "user" | "assistant" = "user"): ChatMessage => ({ id, role, content: id });

describe("database", () => {
  it("opens in WAL mode with a busy timeout, and migrations are idempotent", () => {
    expect(store.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(store.db.pragma("busy_timeout", { simple: true })).toBeGreaterThanOrEqual(5000);
    expect(schemaVersion(store.db)).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    migrate(store.db);
    const reopened = openDatabase(join(dir, "sub", "petri.db"));
    expect(schemaVersion(reopened)).toBe(MIGRATIONS.length);
    reopened.close();
  });

  it("defaults to the user's data folder", () => {
    expect(defaultDbPath({ HOME: "/home/u" }, "linux")).toBe("/home/u/.local/share/petri-mcp/petri.db");
    expect(defaultDbPath({ HOME: "/home/u", XDG_DATA_HOME: "/data" }, "linux")).toBe("/data/petri-mcp/petri.db");
    expect(defaultDbPath({ HOME: "/Users/u" }, "darwin")).toBe("/Users/u/Library/Application Support/petri-mcp/petri.db");
  });
});

describe("message trees", () => {
  it("appends chains, moves heads on rollback and never deletes", () => {
    const audit = store.write(() => store.createAudit({ seedInstruction: "s", targetModel: "mockllm/model", maxTurns: 5 }));
    const [a, b, c] = store.write(() => store.appendMessages(audit.id, "target", [msg("a"), msg("b", "assistant"), msg("c")]));
    expect(store.branch(audit.id, "target").map((m) => [m.message.id, m.depth])).toEqual([["a", 0], ["b", 1], ["c", 2]]);
    store.write(() => store.setHead(audit.id, "target", a!.seq));
    store.write(() => store.appendMessages(audit.id, "target", [msg("d")]));
    expect(store.branch(audit.id, "target").map((m) => m.message.id)).toEqual(["a", "d"]);
    expect(store.allMessages(audit.id, "target").map((m) => m.message.id)).toEqual(["a", "b", "c", "d"]);
    expect(store.branchCount(audit.id, "target")).toBe(2);
    // An old head still reads its branch.
    expect(store.branch(audit.id, "target", c!.seq).map((m) => m.message.id)).toEqual(["a", "b", "c"]);
    void b;
  });

  it("forgets cached branches of a transaction that rolled back", () => {
    const audit = store.write(() => store.createAudit({ seedInstruction: "s", targetModel: "mockllm/model", maxTurns: 5 }));
    store.write(() => store.appendMessages(audit.id, "target", [msg("a")]));
    expect(() =>
      store.write(() => {
        store.appendMessages(audit.id, "target", [msg("ghost")]);
        throw new Error("abort");
      }),
    ).toThrow("abort");
    store.write(() => store.appendMessages(audit.id, "target", [msg("b")]));
    expect(store.branch(audit.id, "target").map((m) => m.message.id)).toEqual(["a", "b"]);
  });

  it("sees writes made through another connection", () => {
    const audit = store.write(() => store.createAudit({ seedInstruction: "s", targetModel: "mockllm/model", maxTurns: 5 }));
    store.write(() => store.appendMessages(audit.id, "target", [msg("a")]));
    expect(store.branch(audit.id, "target")).toHaveLength(1);
    const other = new AuditStore(openDatabase(join(dir, "sub", "petri.db")));
    other.write(() => other.appendMessages(audit.id, "target", [msg("b")]));
    other.close();
    expect(store.branch(audit.id, "target").map((m) => m.message.id)).toEqual(["a", "b"]);
  });
});

describe("leases", () => {
  it("grants one owner at a time, lets the owner renew, and expires", () => {
    const audit = store.write(() => store.createAudit({ seedInstruction: "s", targetModel: "mockllm/model", maxTurns: 5 }));
    const now = 1_000_000;
    expect(store.acquireLease(audit.id, "p1", 1000, now)).toBe(true);
    expect(store.acquireLease(audit.id, "p2", 1000, now + 10)).toBe(false);
    expect(store.leaseHolder(audit.id, now + 10)?.owner).toBe("p1");
    expect(store.renewLease(audit.id, "p1", 1000, now + 900)).toBe(true);
    expect(store.acquireLease(audit.id, "p2", 1000, now + 1500)).toBe(false);
    expect(store.acquireLease(audit.id, "p2", 1000, now + 2000)).toBe(true);
    expect(store.renewLease(audit.id, "p1", 1000, now + 2001)).toBe(false);
    store.releaseLease(audit.id, "p1");
    expect(store.leaseHolder(audit.id, now + 2001)?.owner).toBe("p2");
    store.releaseLease(audit.id, "p2");
    expect(store.leaseHolder(audit.id, now + 2001)).toBeNull();
  });
});
