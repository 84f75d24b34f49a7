/**
 * kill -9 during writes: a spawned stdio server on one database file takes a steady stream of
 * writes from several concurrent workers and is SIGKILLed at a random moment (after a random number
 * of acknowledged writes, with more in flight), several times over. After every kill the database
 * must pass integrity_check and hold every write the server acknowledged; the next server must open
 * it and go on.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import fc from "fast-check";
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { SqliteStore } from "../../src/store/sqlite/store.js";
import type { AuditStore } from "../../src/store/types.js";
import { tempDir } from "../helpers.js";
import { HEALTHY, integrity, ROOT } from "./fault-helpers.js";

const BIN = join(ROOT, "dist", "cli.js");
const SEED = Number(process.env.PETRI_FAULT_SEED ?? 9);
const KILLS = 4;
const WORKERS = 6;

/** Acknowledged writes: audits with their seed, and target replies by message id. */
interface Acks {
  audits: Map<string, string>;
  replies: Map<string, string>;
}

let dir: string;

beforeAll(() => {
  if (!existsSync(BIN)) execFileSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "tsconfig.build.json")]);
  dir = tempDir("petri-kill-");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function startServer(dbPath: string): Promise<{ client: Client; pid: number }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN],
    env: { ...getDefaultEnvironment(), PETRI_DB: dbPath, PETRI_TARGET_MODEL: "mockllm/model", PETRI_LOG_LEVEL: "error" },
    stderr: "ignore",
  });
  const client = new Client({ name: "kill-test", version: "1.0.0" });
  await client.connect(transport);
  return { client, pid: transport.pid! };
}

/**
 * Workers write until the server dies: start an audit, set its system message, send three
 * messages, repeat. The server is killed when the `killAfter`-th write is acknowledged.
 */
async function writeUntilKilled(client: Client, pid: number, killAfter: number, round: number, acks: Acks): Promise<{ acknowledged: number; sent: number; failures: string[] }> {
  let acknowledged = 0;
  let sent = 0;
  let killed = false;
  const call = async (name: string, args: Record<string, unknown>): Promise<CallToolResult> => {
    sent++;
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    if (++acknowledged === killAfter && !killed) {
      killed = true;
      process.kill(pid, "SIGKILL");
    }
    return result;
  };
  const worker = async (w: number) => {
    for (let i = 0; !killed; i++) {
      const seed = `kill round ${round}, worker ${w}, audit ${i}`;
      const started = await call("start_audit", { seed_instruction: seed });
      const auditId = (started.structuredContent as { audit_id: string }).audit_id;
      acks.audits.set(auditId, seed);
      await call("set_target_system_message", { audit_id: auditId, system_message: `System prompt for ${seed}.` });
      for (let m = 0; m < 3; m++) {
        const reply = await call("send_message", { audit_id: auditId, message: `Message ${m} of ${seed}.` });
        acks.replies.set((reply.structuredContent as { message_id: string }).message_id, auditId);
      }
    }
  };
  // After the kill every worker's pending call rejects (connection closed): that ends it.
  const ends = await Promise.allSettled(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  const failures = ends.map((e) => (e.status === "rejected" ? String(e.reason) : "")).filter((reason) => !/Connection closed/.test(reason));
  return { acknowledged, sent, failures };
}

/** The acknowledged audits and replies the store lost (read through the store interface), and SQLite's own checks. */
async function missingAcks(dbPath: string, acks: Acks): Promise<{ audits: string[]; replies: string[]; health: ReturnType<typeof integrity> }> {
  const store = await openStore(dbPath);
  try {
    const audits: string[] = [];
    for (const [id, seed] of acks.audits) if ((await store.audits.get(id))?.seedInstruction !== seed) audits.push(id);
    const replies: string[] = [];
    for (const [id, auditId] of acks.replies) {
      const stored = (await store.messages.all(auditId, "target")).find((m) => m.message.id === id);
      if (stored?.message.role !== "assistant") replies.push(id);
    }
    return { audits, replies, health: integrity(storeDb(store)) };
  } finally {
    await store.close();
  }
}

function storeDb(store: AuditStore) {
  if (!(store instanceof SqliteStore)) throw new Error("the SIGKILL suite checks a SQLite file");
  return store.db;
}

describe("SIGKILL during writes", () => {
  it(`loses no acknowledged write and never corrupts the database (${KILLS} kills, seed ${SEED})`, async () => {
    const dbPath = join(dir, "petri.db");
    const acks: Acks = { audits: new Map(), replies: new Map() };
    const killPoints = fc.sample(fc.integer({ min: 5, max: 80 }), { seed: SEED, numRuns: KILLS });
    for (const [round, killAfter] of killPoints.entries()) {
      const { client, pid } = await startServer(dbPath);
      const { acknowledged, sent, failures } = await writeUntilKilled(client, pid, killAfter, round, acks);
      await client.close().catch(() => undefined);

      expect(failures, "workers end only because the server died").toEqual([]);
      expect(acknowledged, "the kill came after the chosen write").toBeGreaterThanOrEqual(killAfter);
      expect(sent, "writes were still in flight when the server died").toBeGreaterThan(acknowledged);
      expect(await missingAcks(dbPath, acks), `after kill ${round + 1} (at write ${killAfter})`).toEqual({ audits: [], replies: [], health: HEALTHY });
    }

    // A last server opens the database left by the kills and works normally.
    const { client } = await startServer(dbPath);
    try {
      const listed = (await client.callTool({ name: "list_audits", arguments: { limit: 1 } })) as CallToolResult;
      expect((listed.structuredContent as { total: number }).total).toBeGreaterThanOrEqual(acks.audits.size);
      const started = (await client.callTool({ name: "start_audit", arguments: { seed_instruction: "after the kills" } })) as CallToolResult;
      expect(started.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  }, 60_000);
});
