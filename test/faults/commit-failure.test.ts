/**
 * A turn whose final COMMIT fails (disk full, I/O error) must not keep the audit's lease.
 *
 * Regression test: the commit path marked the turn committed inside the transaction, before COMMIT
 * ran; when COMMIT failed the lease release rolled back with it and was never retried, so the same
 * client was told "another client is in the middle of a turn" until the lease expired (120 s).
 *
 * Two ways to make the turn's last transaction fail after all its statements ran:
 * - a real COMMIT refused by SQLite: a deferred foreign-key violation is only checked at COMMIT;
 * - SQLITE_FULL raised as the transaction ends (what a full disk does to a WAL commit).
 */
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, textOf } from "../helpers.js";
import type { StoreSession, TurnStart } from "../../src/store/types.js";
import { conversationState, HEALTHY, integrity, sqliteDb } from "./fault-helpers.js";

type Fault = (t: TestApp) => void;

const FAULTS: Record<string, { inject: Fault; error: RegExp }> = {
  "a real COMMIT refused by SQLite (deferred foreign key)": {
    inject: (t) => {
      sqliteDb(t).pragma("defer_foreign_keys = ON");
      sqliteDb(t).prepare("INSERT INTO heads (audit_id, view, head_seq) VALUES ('no-such-audit', 'target', NULL)").run();
    },
    error: /FOREIGN KEY/,
  },
  "SQLITE_FULL as the transaction ends": {
    inject: () => {
      throw new Database.SqliteError("database or disk is full", "SQLITE_FULL");
    },
    error: /disk is full/,
  },
};

let t: TestApp;
afterEach(async () => t.close());

/** Makes the next turn's commit (store.commitTurn) fail at its end, after its writes ran. */
function failNextCommit(fault: Fault): void {
  const store = t.app.store;
  const original = store.commitTurn.bind(store);
  store.commitTurn = (<T>(turn: TurnStart, fn: (tx: StoreSession) => Promise<T>): Promise<T> => {
    store.commitTurn = original;
    return original(turn, async (tx) => {
      const result = await fn(tx);
      fault(t);
      return result;
    });
  }) as typeof store.commitTurn;
}

async function newConversation(): Promise<string> {
  const auditId = (await t.ok("start_audit", { seed_instruction: "Commit failure drill" })).data.audit_id as string;
  await t.ok("set_target_system_message", { audit_id: auditId, system_message: "You are a helpful assistant." });
  return auditId;
}

const leaseOwner = async (auditId: string) => (await t.app.store.leases.holder(auditId))?.owner ?? null;

describe.each(Object.entries(FAULTS))("a turn whose commit fails: %s", (_name, { inject, error }) => {
  it("send_message: the turn is not stored, the lease is released, and the same client's retry succeeds at once", async () => {
    t = await createTestApp();
    const auditId = await newConversation();
    t.models.mock("mockllm/target").script(async () => {
      failNextCommit(inject);
      return { text: "This reply cannot be stored." };
    }, { text: "Stored on the retry." });
    const before = await conversationState(t);

    const failed = await t.call("send_message", { audit_id: auditId, message: "Hello?" });
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toMatch(error);
    expect(await conversationState(t)).toEqual(before);
    expect(await leaseOwner(auditId)).toBeNull();

    const retry = await t.call("send_message", { audit_id: auditId, message: "Hello?" });
    expect(textOf(retry)).not.toMatch(/busy|another client/);
    expect(retry.isError).toBeFalsy();
    expect((await t.app.service.targetBranch(auditId)).map((m) => m.content)).toEqual(["You are a helpful assistant.", "Hello?", "Stored on the retry."]);
    expect(integrity(t)).toEqual(HEALTHY);
  });

  it("set_target_system_message (no model call): the retry succeeds at once", async () => {
    t = await createTestApp();
    const auditId = await newConversation();
    failNextCommit(inject);

    const failed = await t.call("set_target_system_message", { audit_id: auditId, system_message: "A new prompt." });
    expect(failed.isError).toBe(true);
    expect(await leaseOwner(auditId)).toBeNull();
    await t.ok("set_target_system_message", { audit_id: auditId, system_message: "A new prompt." });
    expect(integrity(t)).toEqual(HEALTHY);
  });
});
