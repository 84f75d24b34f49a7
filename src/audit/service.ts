/**
 * The audit domain: every operation an auditor can perform on an audit, with Petri's rules, on top
 * of the store interface (src/store/types.ts). No MCP here; the tools in src/tools/ are thin
 * adapters over this class, and this class is a thin facade over the operation modules:
 *   - turn-engine.ts: the lease, validation, commit and renewal every operation uses;
 *   - setup-ops.ts: start_audit, create_tool, remove_tool;
 *   - conversation-ops.ts: system message, messages, tool results, rollback, the end;
 *   - target-call.ts: the gate and the target call of a turn;
 *   - auditor-record.ts: the auditor and combined views, the runner's record.
 */
import type { ModelResolver } from "../models/types.js";
import type { AuditRecord, AuditStore, NewAudit } from "../store/types.js";
import * as record from "./auditor-record.js";
import * as conversation from "./conversation-ops.js";
import type { ChatMessage } from "../core/messages.js";
import * as setup from "./setup-ops.js";
import {
  type ActionGate,
  type AuditCore,
  type AuditorCall,
  type AuditServiceOptions,
  DEFAULT_MAX_TOOL_OUTPUT,
  type OperationOptions,
  type PendingResult,
  type SimpleResult,
  type TargetReply,
} from "./service-types.js";
import type { StoredTool } from "./synthetic-tools.js";
import { auditOf, plainBranch, TurnEngine } from "./turn-engine.js";

export * from "./service-types.js";

export class AuditService implements AuditCore {
  readonly leaseTtlMs: number;
  readonly maxToolOutput: number;
  readonly prefillEnabled: boolean;
  readonly engine: TurnEngine;
  private currentGate: ActionGate | undefined;

  constructor(
    readonly store: AuditStore,
    readonly models: ModelResolver,
    options: AuditServiceOptions = {},
  ) {
    this.leaseTtlMs = options.leaseTtlMs ?? 120_000;
    this.maxToolOutput = options.maxToolOutput ?? DEFAULT_MAX_TOOL_OUTPUT;
    this.prefillEnabled = options.prefillEnabled ?? true;
    this.currentGate = options.gate;
    this.engine = new TurnEngine(store, this.leaseTtlMs);
  }

  get gate(): ActionGate | undefined {
    return this.currentGate;
  }

  setGate(gate: ActionGate | undefined): void {
    this.currentGate = gate;
  }

  // ---- lookups --------------------------------------------------------------------------------

  getAudit(auditId: string): Promise<AuditRecord> {
    return auditOf(this.store, auditId);
  }

  async targetBranch(auditId: string): Promise<ChatMessage[]> {
    return this.store.snapshot(async (tx) => {
      await auditOf(tx, auditId);
      return plainBranch(await tx.messages.branch(auditId, "target"));
    });
  }

  // ---- setup ----------------------------------------------------------------------------------

  startAudit(input: NewAudit): Promise<AuditRecord> {
    return setup.startAudit(this, input);
  }

  createTool(auditId: string, input: setup.NewToolInput, options: OperationOptions = {}): Promise<SimpleResult & { name: string; replaced: boolean; tool: StoredTool }> {
    return setup.createTool(this, auditId, input, options);
  }

  removeTool(auditId: string, name: string, options: OperationOptions = {}): Promise<SimpleResult> {
    return setup.removeTool(this, auditId, name, options);
  }

  // ---- the target conversation ----------------------------------------------------------------

  setSystemMessage(auditId: string, systemMessage: string, options: OperationOptions = {}): Promise<SimpleResult> {
    return conversation.setSystemMessage(this, auditId, systemMessage, options);
  }

  sendMessage(auditId: string, input: { message: string; prefill?: string }, options: OperationOptions = {}): Promise<TargetReply> {
    return conversation.sendMessage(this, auditId, input, options);
  }

  /** See conversation-ops.ts checkAnswerable: reads only; resource tools run it before reading a file. */
  checkAnswerable(auditId: string, toolCallId: string): Promise<void> {
    return conversation.checkAnswerable(this, auditId, toolCallId);
  }

  sendToolResult(auditId: string, input: conversation.ToolResultInput, options: OperationOptions = {}): Promise<TargetReply | PendingResult> {
    return conversation.sendToolResult(this, auditId, input, options);
  }

  rollback(auditId: string, index: number, options: OperationOptions = {}): Promise<SimpleResult & { messageIndex: number; removed: number; pendingToolCallIds: string[] }> {
    return conversation.rollback(this, auditId, index, options);
  }

  endConversation(auditId: string, options: OperationOptions = {}): Promise<SimpleResult> {
    return conversation.endConversation(this, auditId, options);
  }

  closeAudit(auditId: string, status: "ended" | "max_turns" | "failed", reason: string): Promise<AuditRecord> {
    return conversation.closeAudit(this, auditId, status, reason);
  }

  // ---- the auditor's record -------------------------------------------------------------------

  appendAuditorMessages(auditId: string, messages: { auditor: ChatMessage[]; combined: ChatMessage[] }, name: string): Promise<void> {
    return record.appendAuditorMessages(this, auditId, messages, name);
  }

  countAuditorTurn(auditId: string): Promise<number> {
    return record.countAuditorTurn(this, auditId);
  }

  recordAuditorCall(auditId: string, call: AuditorCall, resultText: string): Promise<void> {
    return record.recordAuditorCall(this, auditId, call, resultText);
  }
}
