/**
 * Shared pieces of the fault suites: an app whose target and judge are real provider adapters
 * pointed at the fake model server, a second process that holds the database's write lock, and
 * the store checks every fault must pass (integrity, nothing written).
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import type Database from "better-sqlite3";
import { knownCapabilities, providerFactories } from "../../src/models/providers.js";
import { ModelRegistry } from "../../src/models/registry.js";
import type { FakeLlm } from "../fake-llm/server.js";
import { SqliteStore } from "../../src/store/sqlite/store.js";
import { createTestApp, type TestApp } from "../helpers.js";
import { auditState } from "../support/audit-state.js";

export const ROOT = join(import.meta.dirname, "..", "..");

/**
 * Every audit's conversation, read through the store interface, for "nothing was written"
 * comparisons. The attempt records (model calls, realism checks, judge runs) are left out: a
 * failed call may add rows there by design.
 */
export async function conversationState(t: TestApp): Promise<unknown[]> {
  const { audits } = await t.app.store.audits.list({ limit: 1000 });
  return Promise.all(audits.map((a) => auditState(t.app.store, a.id)));
}

/** The SQLite connection under the test app's store: the fault suites act on the engine itself. */
export function sqliteDb(t: TestApp): Database.Database {
  if (!(t.app.store instanceof SqliteStore)) throw new Error("this fault test needs the SQLite store");
  return t.app.store.db;
}

/** SQLite's own consistency checks of a database (a test app's, or a file opened directly). */
export function integrity(target: TestApp | Database.Database): { integrity: unknown; foreignKeys: unknown[] } {
  const db = "app" in target ? sqliteDb(target) : target;
  return { integrity: db.pragma("integrity_check", { simple: true }), foreignKeys: db.pragma("foreign_key_check") as unknown[] };
}

export const HEALTHY = { integrity: "ok", foreignKeys: [] };

/** A test app whose openai/... and anthropic/... models call the fake server, without retries. */
export async function providerApp(fake: FakeLlm, modelTimeoutMs: number): Promise<TestApp> {
  const env = { OPENAI_BASE_URL: fake.openaiBaseUrl, OPENAI_API_KEY: "test-key", ANTHROPIC_BASE_URL: fake.anthropicBaseUrl, ANTHROPIC_API_KEY: "test-key" };
  const models = new ModelRegistry({ factories: providerFactories({ modelTimeoutMs, modelMaxRetries: 0 }, env), capabilities: knownCapabilities });
  return createTestApp({ models });
}

/** Another process with the same database open, taking and dropping its write lock on request. */
export class LockHolder {
  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    private readonly lines: Interface,
  ) {}

  static async start(dbPath: string): Promise<LockHolder> {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "test", "faults", "hold-lock.ts"), dbPath], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
    const holder = new LockHolder(child, createInterface({ input: child.stdout }));
    await holder.next("ready");
    return holder;
  }

  private next(expected: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onLine = (line: string) => (line === expected ? resolve() : reject(new Error(`lock holder said '${line}', expected '${expected}'`)));
      this.lines.once("line", onLine);
      this.child.once("exit", (code) => reject(new Error(`lock holder exited (${code}) before '${expected}'`)));
    });
  }

  async lock(): Promise<void> {
    this.child.stdin.write("lock\n");
    await this.next("locked");
  }

  async unlock(): Promise<void> {
    this.child.stdin.write("unlock\n");
    await this.next("unlocked");
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.stdin.end();
    await exited;
  }
}
