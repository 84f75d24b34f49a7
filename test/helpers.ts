/**
 * Shared test setup: an AppContext on a temporary store (SQLite file, or a fresh PostgreSQL
 * database with `backend: "postgres"` or PETRI_TEST_BACKEND=postgres; see test/support/backends.ts),
 * a server, and an SDK Client connected to it over the in-memory transport.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, loadConfig } from "../src/config.js";
import { type AppContext, createAppContext } from "../src/context.js";
import { ModelRegistry } from "../src/models/registry.js";
import { createServer, type ServerOptions } from "../src/server.js";
import { dumpDatabase } from "../src/store/db.js";
import { SqliteStore } from "../src/store/sqlite/store.js";
import type { AuditStore } from "../src/store/types.js";
import { type Backend, defaultBackend, freshLocation } from "./support/backends.js";

export interface TestApp {
  app: AppContext;
  client: Client;
  models: ModelRegistry;
  dir: string;
  /** Calls a tool and returns the raw result. */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Calls a tool, fails the test on isError, returns text + structured content. */
  ok(name: string, args?: Record<string, unknown>): Promise<{ text: string; data: any }>;
  /** Calls a tool, fails the test unless isError, returns the error text. */
  fails(name: string, args?: Record<string, unknown>): Promise<string>;
  dump(): Record<string, unknown[]>;
  connectClient(name?: string): Promise<Client>;
  close(): Promise<void>;
}

/** Every row of every table of a SQLite store, for "nothing was written" checks (SQLite only). */
export function dumpStore(store: AuditStore): Record<string, unknown[]> {
  if (!(store instanceof SqliteStore)) throw new Error(`dump() reads a SQLite file; this store is ${store.backend}: compare state through the store interface instead.`);
  return dumpDatabase(store.db);
}

export function tempDir(prefix = "petri-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}

export async function createTestApp(
  options: { config?: Partial<Config>; models?: ModelRegistry; server?: ServerOptions; clientName?: string; backend?: Backend } = {},
): Promise<TestApp> {
  const dir = tempDir();
  const db = await freshLocation(options.backend ?? defaultBackend(), dir);
  const config: Config = { ...loadConfig({ db, "transcripts-dir": join(dir, "outputs") }, {}), targetModel: "mockllm/target", ...options.config };
  const models = options.models ?? new ModelRegistry();
  const app = await createAppContext(config, { models });
  const clients: Client[] = [];
  const servers: ReturnType<typeof createServer>[] = [];
  const connectClient = async (name = options.clientName ?? "test-client") => {
    const server = createServer(app, options.server);
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    const client = new Client({ name, version: "1.0.0" });
    await client.connect(clientTransport);
    clients.push(client);
    servers.push(server);
    return client;
  };
  const client = await connectClient();
  const call = async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;
  return {
    app,
    client,
    models,
    dir,
    call,
    async ok(name, args) {
      const result = await call(name, args);
      if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
      return { text: textOf(result), data: result.structuredContent };
    },
    async fails(name, args) {
      const result = await call(name, args);
      if (!result.isError) throw new Error(`${name} unexpectedly succeeded: ${textOf(result)}`);
      return textOf(result);
    },
    dump: () => dumpStore(app.store),
    connectClient,
    async close() {
      for (const c of clients) await c.close().catch(() => undefined);
      for (const s of servers) await s.close().catch(() => undefined);
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
