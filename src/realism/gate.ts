/**
 * The realism filter as the AuditService's ActionGate.
 * TODO(issue 7).
 */
import type { ActionGate } from "../audit/service.js";
import type { Config } from "../config.js";
import type { ModelResolver } from "../models/types.js";
import type { AuditStore } from "../store/audit-store.js";

export function createRealismGate(_deps: { store: AuditStore; models: ModelResolver; config: Config }): ActionGate | undefined {
  return undefined;
}
