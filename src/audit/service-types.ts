/**
 * What the audit operations share: the shapes they take and return, the gate they consult, the
 * limits they enforce, and `AuditCore`, the state every operation module is handed by the service.
 */
import type { ModelResolver } from "../models/types.js";
import type { AuditRecord, AuditStore } from "../store/types.js";
import type { GatedTool } from "./catalogue.js";
import { AuditError } from "./errors.js";
import type { ChatMessage, ToolCall } from "../core/messages.js";
import type { StoredTool } from "./synthetic-tools.js";
import type { TurnEngine } from "./turn-engine.js";

/** The tools whose action reaches the target (the catalogue's `reachesTarget`). */
export type { GatedTool };

export interface ProposedAction {
  tool: GatedTool;
  /** The arguments as the auditor sent them (without audit_id). */
  arguments: Record<string, unknown>;
  toolCallId?: string;
}

export interface GateContext {
  audit: AuditRecord;
  /** The current target branch. */
  branch: readonly ChatMessage[];
  tools: StoredTool[];
  action: ProposedAction;
  signal?: AbortSignal;
}

/** `notice`: one line for the auditor about an action let through (e.g. an errored realism check). */
export type GateDecision = { allowed: true; notice?: string } | { allowed: false; message: string; details?: Record<string, unknown> };

/** Decides whether an action may reach the target (the realism filter implements this). */
export interface ActionGate {
  check(context: GateContext): Promise<GateDecision>;
}

/** The auditor's tool call, recorded in the auditor and combined views when the call succeeds. */
export interface AuditorCall {
  tool: string;
  arguments: Record<string, unknown>;
}

export interface OperationOptions {
  signal?: AbortSignal;
  /** Record this call in the auditor view (MCP mode). */
  record?: AuditorCall;
}

export interface AuditServiceOptions {
  /** How long a turn's lease lives without renewal; renewed while the target call runs. */
  leaseTtlMs?: number;
  /** Cap, in bytes, of every text returned to the auditor. */
  maxToolOutput?: number;
  /** Petri's `prefill` switch: when false, prefill arguments are refused. */
  prefillEnabled?: boolean;
  gate?: ActionGate;
}

export interface TargetReply {
  kind: "reply";
  messageIndex: number;
  messageId: string;
  toolCalls: Array<Pick<ToolCall, "id" | "function" | "arguments">>;
  stopReason: string;
  status: AuditRecord["status"];
  turnsUsed: number;
  maxTurns: number;
  text: string;
}

export interface PendingResult {
  kind: "pending";
  answered: string;
  remaining: string[];
  text: string;
}

export interface SimpleResult {
  text: string;
}

/** What every operation module works with (the service is one). */
export interface AuditCore {
  readonly store: AuditStore;
  readonly models: ModelResolver;
  readonly engine: TurnEngine;
  readonly maxToolOutput: number;
  readonly prefillEnabled: boolean;
  readonly gate: ActionGate | undefined;
}

export const DEFAULT_MAX_TOOL_OUTPUT = 128 * 1024;
export const MAX_TEXT_CHARS = 1_000_000;

export function requireText(value: string, what: string): void {
  if (value.trim() === "") throw new AuditError("invalid", `${what} cannot be empty.`);
  if (value.length > MAX_TEXT_CHARS) throw new AuditError("invalid", `${what} is ${value.length} characters long; the limit is ${MAX_TEXT_CHARS}.`);
}
