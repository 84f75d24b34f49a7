/**
 * Opening the AuditStore: a `postgres://` or `postgresql://` URL selects PostgreSQL, anything else
 * is the path of a SQLite file (created if missing). Both implement src/store/types.ts.
 */
import type { AuditStore, StoreBackend, StoreOptions } from "./types.js";

/** Which engine `urlOrPath` selects. */
export function storeBackend(urlOrPath: string): StoreBackend {
  return /^postgres(ql)?:\/\//i.test(urlOrPath.trim()) ? "postgres" : "sqlite";
}

export async function openStore(urlOrPath: string, options: StoreOptions = {}): Promise<AuditStore> {
  if (storeBackend(urlOrPath) === "postgres") {
    const { PostgresStore } = await import("./postgres/store.js");
    return PostgresStore.open(urlOrPath.trim(), options);
  }
  const { SqliteStore } = await import("./sqlite/store.js");
  return SqliteStore.open(urlOrPath, options);
}

export type * from "./types.js";
