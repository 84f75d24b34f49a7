/**
 * Storage faults: the database held locked by another process, and a full disk (simulated with
 * SQLite's max_page_count). Each must end in an error result, leave nothing half-written, keep the
 * database consistent, and let work go on once the fault is gone.
 *
 * Regression tests for two bugs this suite found: storage errors used to reach the auditor as
 * "Internal error … this is a petri-mcp bug" instead of saying the database is locked / the disk is
 * full and what to do; and a turn whose final write hit the lock kept the audit's lease, so the
 * audit read as busy until the lease expired.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, textOf } from "../helpers.js";
import { conversationState, HEALTHY, integrity, LockHolder, sqliteDb } from "./fault-helpers.js";

const BUSY_TIMEOUT_MS = 150;

async function newConversation(t: TestApp, seed: string): Promise<string> {
  const auditId = (await t.ok("start_audit", { seed_instruction: seed })).data.audit_id as string;
  await t.ok("set_target_system_message", { audit_id: auditId, system_message: "You are a helpful assistant." });
  return auditId;
}

/** A clear storage error names the cause and the next step, and does not blame a bug. */
function expectClearStorageError(result: CallToolResult, cause: RegExp): void {
  expect(result.isError).toBe(true);
  const text = textOf(result);
  expect(text).toMatch(cause);
  expect(text).toMatch(/retry|try again/i);
  expect(text).not.toMatch(/Internal error|petri-mcp bug/);
}

describe("a database held locked by another process", () => {
  let t: TestApp;
  let holder: LockHolder;
  let auditId: string;
  const writes = () => [
    ["start_audit", { seed_instruction: "Started while locked" }],
    ["create_tool", { audit_id: auditId, environment_description: "A shell.", name: "bash", description: "Run a command.", parameters: { type: "object", properties: {} } }],
    ["set_target_system_message", { audit_id: auditId, system_message: "New system prompt." }],
    ["send_message", { audit_id: auditId, message: "Hello while locked?" }],
    ["end_conversation", { audit_id: auditId }],
  ] as const;

  beforeAll(async () => {
    t = await createTestApp();
    sqliteDb(t).pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    auditId = await newConversation(t, "Lock drill");
    holder = await LockHolder.start(t.app.config.dbPath);
  });
  afterAll(async () => {
    await holder.stop();
    await t.close();
  });

  it("refuses every write after the busy timeout, writes nothing, and keeps reads working", async () => {
    const before = await conversationState(t);
    await holder.lock();
    try {
      for (const [tool, args] of writes()) {
        const result = await t.call(tool, args);
        expect(result.isError, tool).toBe(true);
        expect(textOf(result), tool).toMatch(/database is locked/);
      }
      // WAL mode: readers are not blocked by another process's write transaction.
      expect((await t.ok("get_audit", { audit_id: auditId })).data.status).toBe("active");
      expect((await t.ok("view_conversation", { audit_id: auditId })).data.total).toBe(1);
      expect((await t.ok("list_audits", {})).data.total).toBe(1);
    } finally {
      await holder.unlock();
    }
    expect(await conversationState(t)).toEqual(before);
    expect(integrity(t)).toEqual(HEALTHY);
  });

  it("works normally once the lock is released", async () => {
    const reply = await t.ok("send_message", { audit_id: auditId, message: "Hello after the lock?" });
    expect(reply.data).toMatchObject({ target_called: true, message_index: 2 });
    expect(integrity(t)).toEqual(HEALTHY);
  });

  it("says the database is locked by another process and to retry", async () => {
    await holder.lock();
    try {
      expectClearStorageError(await t.call("start_audit", { seed_instruction: "Started while locked" }), /locked/i);
    } finally {
      await holder.unlock();
    }
  });

  describe("when the lock is taken while the target is answering", () => {
    let lockedTurn: CallToolResult;
    let nextTurn: CallToolResult;
    let turnAuditId: string;

    beforeAll(async () => {
      turnAuditId = await newConversation(t, "Lock during the model call");
      t.models.mock("mockllm/target").script(async () => {
        await holder.lock();
        return { text: "This reply cannot be stored." };
      });
      const before = await conversationState(t);
      lockedTurn = await t.call("send_message", { audit_id: turnAuditId, message: "Hello?" });
      await holder.unlock();
      // Everything but the lease: the failed turn's lease (its release hit the lock too) is released by the next write.
      const withoutLease = (state: unknown[]) => state.map((audit) => ({ ...(audit as object), lease: undefined }));
      expect(withoutLease(await conversationState(t))).toEqual(withoutLease(before));
      nextTurn = await t.call("send_message", { audit_id: turnAuditId, message: "Hello again?" });
    });

    it("fails the turn, stores none of it, and leaves the database consistent", async () => {
      expect(lockedTurn.isError).toBe(true);
      expect(textOf(lockedTurn)).toMatch(/database is locked/);
      // The failed turn left nothing: the branch holds only the next turn's messages.
      expect((await t.app.service.targetBranch(turnAuditId)).map((m) => m.content)).toEqual(["You are a helpful assistant.", "Hello again?", expect.any(String)]);
      expect(integrity(t)).toEqual(HEALTHY);
    });

    it("lets the next turn run once the lock is gone (the lease of the failed turn is released)", () => {
      expect(textOf(nextTurn)).not.toMatch(/is busy/);
      expect(nextTurn.isError).toBeFalsy();
    });
  });
});

describe("a full disk (PRAGMA max_page_count)", () => {
  let t: TestApp;
  let auditId: string;
  const bigWrites = () => [
    ["send_message", { audit_id: auditId, message: "A long question. ".repeat(20_000) }],
    ["create_tool", { audit_id: auditId, environment_description: "A large environment. ".repeat(8_000), name: "bash", description: "Run a command.", parameters: { type: "object", properties: {} } }],
    ["start_audit", { seed_instruction: "A long seed. ".repeat(7_000) }],
  ] as const;

  beforeAll(async () => {
    t = await createTestApp();
    auditId = await newConversation(t, "Disk full drill");
  });
  afterAll(async () => t.close());

  const fillDisk = () => {
    const db = sqliteDb(t);
    db.pragma(`max_page_count = ${db.pragma("page_count", { simple: true }) as number}`);
  };
  const liftLimit = () => sqliteDb(t).pragma("max_page_count = 1073741823");

  it("refuses writes that need space, writes nothing, and keeps the database consistent", async () => {
    const before = await conversationState(t);
    fillDisk();
    try {
      for (const [tool, args] of bigWrites()) {
        const result = await t.call(tool, args);
        expect(result.isError, tool).toBe(true);
        expect(textOf(result), tool).toMatch(/disk is full/);
      }
    } finally {
      liftLimit();
    }
    expect(await conversationState(t)).toEqual(before);
    expect(integrity(t)).toEqual(HEALTHY);
  });

  it("is usable again once space is back: the same writes succeed", async () => {
    for (const [tool, args] of bigWrites()) await t.ok(tool, args);
    expect((await t.app.service.targetBranch(auditId)).map((m) => m.role)).toEqual(["system", "user", "assistant"]);
    expect(integrity(t)).toEqual(HEALTHY);
  });

  it("says the disk is full and what to do", async () => {
    fillDisk();
    try {
      expectClearStorageError(await t.call("send_message", { audit_id: auditId, message: "More text. ".repeat(20_000) }), /disk|space/i);
    } finally {
      liftLimit();
    }
  });
});

describe("storageProblem", () => {
  it("explains extended SQLite codes by their primary code and ignores other errors", async () => {
    const { storageProblem } = await import("../../src/store/errors.js");
    const sqlite = (code: string) => Object.assign(new Error("x"), { name: "SqliteError", code });
    expect(storageProblem(sqlite("SQLITE_IOERR_WRITE"))?.message).toMatch(/I\/O error.*\(SQLITE_IOERR_WRITE\)/);
    expect(storageProblem(sqlite("SQLITE_BUSY"))?.code).toBe("store");
    expect(storageProblem(sqlite("SQLITE_CONSTRAINT_UNIQUE"))).toBeNull();
    expect(storageProblem(new Error("SQLITE_BUSY"))).toBeNull();
  });
});
