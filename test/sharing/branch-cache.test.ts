/**
 * The branch cache when two connections (two processes, in real use) share one store: a stale
 * cache catches up by reading only the messages written since, follows the other side's rollbacks
 * and new branches, and stays correct when it evicts idle audits.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/core/messages.js";
import { SqliteStore } from "../../src/store/sqlite/store.js";
import { tempDir } from "../helpers.js";

const msg = (id: string, role: "user" | "assistant" = "user"): ChatMessage => ({ id, role, content: id });
const ids = (branch: readonly { message: ChatMessage }[]) => branch.map((m) => m.message.id);

let dir: string;
let a: SqliteStore;
let b: SqliteStore;
let auditId: string;

/** What a cold reader (a new process) sees: the ground truth. */
async function fresh(view: "target" | "combined" = "target"): Promise<string[]> {
  const cold = SqliteStore.openSeparate(join(dir, "petri.db"));
  try {
    return ids(await cold.messages.branch(auditId, view));
  } finally {
    await cold.close();
  }
}

beforeEach(async () => {
  dir = tempDir("petri-branch-cache-");
  a = SqliteStore.openSeparate(join(dir, "petri.db"));
  b = SqliteStore.openSeparate(join(dir, "petri.db"));
  auditId = (await a.audits.create({ seedInstruction: "Shared store probe.", targetModel: "mockllm/t", maxTurns: 50 })).id;
  await a.messages.append(auditId, "target", [msg("sys")], null);
  for (let i = 0; i < 5; i++) await a.messages.append(auditId, "target", [msg(`u${i}`), msg(`r${i}`, "assistant")]);
});

afterEach(async () => {
  await a.close();
  await b.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("branch cache on a shared store", () => {
  it("catches up with messages the other side appended, reading only those", async () => {
    expect(ids(await b.messages.branch(auditId, "target"))).toEqual(await fresh());
    // Change an old row behind both caches' backs: a catch-up that re-read the branch would show it.
    b.db.prepare("UPDATE message_bodies SET data = json_set(data, '$.content', 'rewritten') WHERE audit_id = ? AND id = 'u1'").run(auditId);
    await a.messages.append(auditId, "target", [msg("u5"), msg("r5", "assistant")]);
    const caughtUp = await b.messages.branch(auditId, "target");
    expect(ids(caughtUp)).toEqual([...ids(await a.messages.branch(auditId, "target"))]);
    expect(ids(caughtUp).slice(-2)).toEqual(["u5", "r5"]);
    expect(caughtUp.find((m) => m.message.id === "u1")?.message.content).toBe("u1");
  });

  it("follows a rollback and a new branch written by the other side", async () => {
    await b.messages.branch(auditId, "target");
    const branch = await a.messages.branch(auditId, "target");
    // The other side rolls back to r1 and goes on from there: a new branch off the cached one.
    await a.messages.append(auditId, "target", [msg("v2"), msg("s2", "assistant")], branch[4]!.seq);
    expect(ids(await b.messages.branch(auditId, "target"))).toEqual(await fresh());
    expect(ids(await b.messages.branch(auditId, "target"))).toEqual(["sys", "u0", "r0", "u1", "r1", "v2", "s2"]);
    // And a plain rollback (the head moves back to r0).
    await a.messages.setHead(auditId, "target", branch[2]!.seq);
    expect(ids(await b.messages.branch(auditId, "target"))).toEqual(["sys", "u0", "r0"]);
  });

  it("a head on a branch the cache does not hold is read in full, and later appends join it", async () => {
    const main = await a.messages.branch(auditId, "target");
    await a.messages.append(auditId, "target", [msg("x1"), msg("y1", "assistant")], main[2]!.seq);
    expect(ids(await b.messages.branch(auditId, "target"))).toEqual(["sys", "u0", "r0", "x1", "y1"]);
    // The other side moves the head back to the end of the main branch (older seqs than B's head).
    await a.messages.setHead(auditId, "target", main.at(-1)!.seq);
    expect(ids(await b.messages.branch(auditId, "target"))).toEqual(await fresh());
    // Then goes on there: the new rows hang off a branch B now holds.
    await a.messages.append(auditId, "target", [msg("u5"), msg("r5", "assistant")]);
    expect(ids(await b.messages.branch(auditId, "target"))).toEqual(await fresh());
    expect(ids(await b.messages.branch(auditId, "target")).slice(-3)).toEqual(["r4", "u5", "r5"]);
  });

  it("a new root (the system message set again) replaces the cached branch", async () => {
    await b.messages.branch(auditId, "target");
    await a.messages.append(auditId, "target", [msg("sys2")], null);
    expect(ids(await b.messages.branch(auditId, "target"))).toEqual(["sys2"]);
  });

  it("evicts idle audits and still answers every audit correctly", async () => {
    const others: string[] = [];
    for (let i = 0; i < 400; i++) {
      const id = (await a.audits.create({ seedInstruction: `Audit ${i}`, targetModel: "mockllm/t", maxTurns: 5 })).id;
      await a.messages.append(id, "target", [msg(`sys-${i}`)], null);
      await a.messages.append(id, "target", [msg(`q-${i}`)]);
      others.push(id);
    }
    for (const id of others) await b.messages.branch(id, "target");
    for (const [i, id] of others.entries()) expect(ids(await b.messages.branch(id, "target"))).toEqual([`sys-${i}`, `q-${i}`]);
    expect(ids(await b.messages.branch(auditId, "target"))).toEqual(await fresh());
  });
});
