/**
 * An audit as listings show it (list_audits, get_audit and the petri://audits resource): the
 * shape of tools/audits/schemas.ts's `auditListItem`. Here so that resources and tools share it
 * without mcp/ importing tools/.
 */
import type { AuditRecord } from "../store/types.js";

export interface AuditListItem {
  audit_id: string;
  status: AuditRecord["status"];
  target_model: string;
  seed_instruction: string;
  tags: string[];
  turns_used: number;
  max_turns: number;
  run_id: string | null;
  epoch: number | null;
  created_at: string;
  updated_at: string;
}

export function listItem(audit: AuditRecord): AuditListItem {
  return {
    audit_id: audit.id,
    status: audit.status,
    target_model: audit.targetModel,
    seed_instruction: audit.seedInstruction.slice(0, 200),
    tags: audit.tags,
    turns_used: audit.turnsUsed,
    max_turns: audit.maxTurns,
    run_id: audit.runId,
    epoch: audit.epoch,
    created_at: audit.createdAt,
    updated_at: audit.updatedAt,
  };
}
