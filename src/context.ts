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
import { AuditStore } from "./store/audit-store.js";
import { openDatabase } from "./store/db.js";
import { createRealismGate } from "./realism/gate.js";

export interface AppContext {
  config: Config;
  store: AuditStore;
  models: ModelRegistry;
  service: AuditService;
  changes: ChangeBus;
  /** Tool calls in progress, so shutdown can let running turns finish. */
  activity: Activity;
  close(): void;
}

/** How long a shutting-down server waits for running tool calls (a target turn) to finish. */
export const SHUTDOWN_GRACE_MS = 30_000;

export interface AppOverrides {
  store?: AuditStore;
  models?: ModelRegistry;
}

export function createModelRegistry(config: Config): ModelRegistry {
  return new ModelRegistry({ factories: providerFactories(config), capabilities: knownCapabilities, mockScript: config.mockScript });
}

export function createAppContext(config: Config, overrides: AppOverrides = {}): AppContext {
  const store = overrides.store ?? new AuditStore(openDatabase(config.dbPath));
  const models = overrides.models ?? createModelRegistry(config);
  const service = new AuditService(store, models, {
    leaseTtlMs: config.leaseTtlMs,
    maxToolOutput: config.maxToolOutput,
    prefillEnabled: config.prefill,
    gate: createRealismGate({ store, models, config }),
  });
  return {
    config,
    store,
    models,
    service,
    changes: new ChangeBus(),
    activity: new Activity(),
    close: () => store.close(),
  };
}
