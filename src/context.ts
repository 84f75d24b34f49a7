/**
 * Everything one process shares between its MCP sessions: config, the store, models, the audit
 * service and the change bus.
 */
import { AuditService } from "./audit/service.js";
import { ChangeBus } from "./changes.js";
import { Activity } from "./util/activity.js";
import type { Config } from "./config.js";
import { ModelRegistry } from "./models/registry.js";
import { knownCapabilities, providerFactories } from "./models/providers.js";
import { openStore } from "./store/index.js";
import type { AuditStore } from "./store/types.js";
import { createRealismGate } from "./realism/gate.js";
import { JudgeRunner, type JudgeRunnerOptions } from "./judge/runner.js";

export interface AppContext {
  config: Config;
  /** The store (SQLite or PostgreSQL), behind the interface of src/store/types.ts. */
  store: AuditStore;
  models: ModelRegistry;
  service: AuditService;
  /** Audit changes, from the store's change notifications (every process on PostgreSQL). */
  changes: ChangeBus;
  /** Tool calls in progress, so shutdown can let running turns finish. */
  activity: Activity;
  /** The judge runs of this process (one runner, shared by every session; works the runs it starts unless --work none). */
  judges: JudgeRunner;
  close(): Promise<void>;
}

/** How long a shutting-down server waits for running tool calls (a target turn) to finish. */
export const SHUTDOWN_GRACE_MS = 30_000;

export interface AppOverrides {
  store?: AuditStore;
  models?: ModelRegistry;
  /** Options of the judge runner (e.g. `petri-mcp worker`'s lease). */
  judge?: JudgeRunnerOptions;
}

export function createModelRegistry(config: Config): ModelRegistry {
  return new ModelRegistry({ factories: providerFactories(config), capabilities: knownCapabilities, mockScript: config.mockScript });
}

/** Opens the store `config.dbPath` names (a SQLite path or a postgres:// URL) and the app on it. */
export async function createAppContext(config: Config, overrides: AppOverrides = {}): Promise<AppContext> {
  const store = overrides.store ?? (await openStore(config.dbPath, { poolSize: config.dbPool }));
  const models = overrides.models ?? createModelRegistry(config);
  const service = new AuditService(store, models, {
    leaseTtlMs: config.leaseTtlMs,
    maxToolOutput: config.maxToolOutput,
    prefillEnabled: config.prefill,
    gate: createRealismGate({ store, models, config }),
  });
  const changes = new ChangeBus();
  const stopListening = await store.onChange((auditId) => changes.auditChanged(auditId));
  return {
    config,
    store,
    models,
    service,
    changes,
    activity: new Activity(),
    judges: new JudgeRunner(store, models, { work: config.work !== "none", ...overrides.judge }),
    close: async () => {
      stopListening();
      await store.close();
    },
  };
}
