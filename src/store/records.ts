/**
 * The records the store keeps and returns, in domain terms (audits, message trees, events, model
 * calls): the shapes shared by the store interface (./types.ts), both engines and the domain.
 */
import type { ChatMessage } from "../core/messages.js";

/** `cancelled`: closed by `petri-mcp runs cancel` (or a worker that saw its job cancelled); never judged or scored. */
export const AUDIT_STATUSES = ["active", "ended", "max_turns", "failed", "cancelled"] as const;
export type AuditStatus = (typeof AUDIT_STATUSES)[number];
export type TurnLimit = "target" | "auditor";
/** Conversation views kept as message trees. The judge and realism views live with their runs. */
export type TreeView = "target" | "combined" | "auditor";

export interface AuditRecord {
  id: string;
  seedInstruction: string;
  /** The library seed the instruction came from (start_audit with a seed id or tags:), else null. */
  seedId: string | null;
  tags: string[];
  targetModel: string;
  auditorModel: string | null;
  maxTurns: number;
  turnsUsed: number;
  /** What max_turns counts: target generations (MCP mode) or auditor generations (the runner). */
  turnLimit: TurnLimit;
  status: AuditStatus;
  statusReason: string | null;
  realismThreshold: number | null;
  realismModel: string | null;
  resourcesDir: string | null;
  runId: string | null;
  /** The target's generation settings (JSON of src/models/settings.ts), or null for the defaults. */
  targetConfig: Record<string, unknown> | null;
  /** The name the auditor was given for the target instead of its model id, or null. */
  targetDisplayName: string | null;
  /** The audit's own budget in USD (start_audit's max_cost_usd), or null. */
  maxCostUsd: number | null;
  /** Which repetition of its seed × target this audit is in its run (1-based; null outside a run with epochs). */
  epoch: number | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface NewAudit {
  seedInstruction: string;
  seedId?: string | null;
  tags?: string[];
  targetModel: string;
  auditorModel?: string | null;
  maxTurns: number;
  turnLimit?: TurnLimit;
  realismThreshold?: number | null;
  realismModel?: string | null;
  resourcesDir?: string | null;
  runId?: string | null;
  targetConfig?: Record<string, unknown> | null;
  targetDisplayName?: string | null;
  maxCostUsd?: number | null;
  epoch?: number | null;
  id?: string;
}

export interface StoredMessage {
  seq: number;
  view: TreeView;
  parentSeq: number | null;
  /** 0-based index of the message in its branch. */
  depth: number;
  message: ChatMessage;
  createdAt: string;
}

export interface StoredEvent {
  seq: number;
  id: string;
  type: string;
  view: string | null;
  name: string | null;
  data: unknown;
  createdAt: string;
}

export interface ModelCallRecord {
  auditId: string | null;
  role: string;
  model: string;
  startedAt: string;
  latencyMs: number;
  inputTokens?: number | null;
  outputTokens?: number | null;
  cacheReadTokens?: number | null;
  cacheWriteTokens?: number | null;
  reasoningTokens?: number | null;
  costUsd?: number | null;
  errorKind?: string | null;
  error?: string | null;
  /** A judge run id or realism check id this call belongs to. */
  ref?: string | null;
}

export interface RoleUsage {
  role: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** Null when no call of this role had a known price. */
  costUsd: number | null;
  latencyMs: number;
}

export interface ListAuditsFilter {
  status?: AuditStatus;
  tag?: string;
  runId?: string;
  targetModel?: string;
  search?: string;
  limit?: number;
  offset?: number;
}
