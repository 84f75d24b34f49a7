/**
 * The audit domain: every operation an auditor can perform on an audit, with Petri's rules, on top
 * of the AuditStore. No MCP here; the tools in src/tools/ are thin adapters over this class.
 *
 * A turn that calls the target runs in three steps:
 *   1. one IMMEDIATE transaction validates the request against the stored state and takes the
 *      audit's lease (so no other client can change the audit meanwhile);
 *   2. the gate (realism filter) and the target model are called, outside any transaction;
 *   3. one IMMEDIATE transaction writes the new messages, the events and the auditor's record,
 *      and releases the lease.
 * Nothing is written to the conversation when step 2 fails.
 */
import { randomUUID } from "node:crypto";
import { callModelDeferred } from "../models/call.js";
import { checkSettings, parseSettings, settingsForCall, SettingsError } from "../models/settings.js";
import { ModelError, type ModelResolver } from "../models/types.js";
import type { AuditRecord, AuditStore, ModelCallRecord, NewAudit, StoredMessage, TreeView } from "../store/audit-store.js";
import { log } from "../log.js";
import { auditorCallView } from "./auditor-view.js";
import { pendingToolCalls, rollbackProblem, toWire } from "./conversation.js";
import { AuditError } from "./errors.js";
import { capOutput, formatTargetResponse } from "./format.js";
import type { AssistantMessage, ChatMessage, SystemMessage, ToolCall, ToolMessage, UserMessage } from "./messages.js";
import { parseFunctionCode } from "./python-signature.js";
import { buildToolDefinition, type StoredTool, TOOL_LIMITS, ToolDefinitionError } from "./synthetic-tools.js";

export type GatedTool = "send_message" | "send_tool_call_result" | "set_target_system_message" | "send_file_as_tool_result" | "search_in_files";

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

export const DEFAULT_MAX_TOOL_OUTPUT = 128 * 1024;
export const MAX_TEXT_CHARS = 1_000_000;

interface TurnStart {
  audit: AuditRecord;
  branch: readonly StoredMessage[];
  headSeq: number | null;
  owner: string;
  /** Set once the commit's transaction has committed (its writes and the lease release are durable). */
  committed: boolean;
  /** The gate's notice for this turn, put before the turn's result text. */
  gateNotice?: string;
}

/** The pending call `toolCallId` of the target's latest turn and the calls left after it, or a clear error. */
function answerableCall(branch: readonly ChatMessage[], toolCallId: string): { call: ToolCall; remaining: string[] } {
  const pending = pendingToolCalls(branch);
  if (!pending) {
    throw new AuditError("invalid", "The target has no pending tool calls: its latest turn made none. Use send_message to continue the conversation.");
  }
  const call = pending.calls.find((c) => c.id === toolCallId);
  if (!call) {
    throw new AuditError("invalid", `Tool call id '${toolCallId}' does not belong to the target's latest turn. Pending ids: ${pending.pending.join(", ") || "(none)"}.`, {
      pending_tool_call_ids: pending.pending,
    });
  }
  if (pending.answered.has(toolCallId)) {
    throw new AuditError(
      "invalid",
      `Tool call '${toolCallId}' already has a result in this turn. To answer it differently, roll back to message ${pending.assistantIndex} with rollback_conversation and answer again.`,
    );
  }
  return { call, remaining: pending.pending.filter((id) => id !== toolCallId) };
}

/** The turn's result text, after the gate's notice line when there is one. */
function withNotice(turn: TurnStart, text: string): string {
  return turn.gateNotice ? `${turn.gateNotice}\n\n${text}` : text;
}

function plainBranch(branch: readonly StoredMessage[]): ChatMessage[] {
  return branch.map((m) => m.message);
}

function requireText(value: string, what: string): void {
  if (value.trim() === "") throw new AuditError("invalid", `${what} cannot be empty.`);
  if (value.length > MAX_TEXT_CHARS) throw new AuditError("invalid", `${what} is ${value.length} characters long; the limit is ${MAX_TEXT_CHARS}.`);
}

export class AuditService {
  readonly leaseTtlMs: number;
  readonly maxToolOutput: number;
  readonly prefillEnabled: boolean;
  private gate: ActionGate | undefined;
  /** Leases of this process whose release failed (audit id -> owner), released on the next write. */
  private readonly leftoverLeases = new Map<string, string>();

  constructor(
    readonly store: AuditStore,
    readonly models: ModelResolver,
    options: AuditServiceOptions = {},
  ) {
    this.leaseTtlMs = options.leaseTtlMs ?? 120_000;
    this.maxToolOutput = options.maxToolOutput ?? DEFAULT_MAX_TOOL_OUTPUT;
    this.prefillEnabled = options.prefillEnabled ?? true;
    this.gate = options.gate;
  }

  setGate(gate: ActionGate | undefined): void {
    this.gate = gate;
  }

  // ---- lookups --------------------------------------------------------------------------------

  getAudit(auditId: string): AuditRecord {
    const audit = this.store.getAudit(auditId);
    if (!audit) throw new AuditError("not_found", `No audit with id '${auditId}'. Call list_audits to see existing audits, or start_audit to create one.`);
    return audit;
  }

  targetBranch(auditId: string): ChatMessage[] {
    this.getAudit(auditId);
    return plainBranch(this.store.branch(auditId, "target"));
  }

  // ---- starting -------------------------------------------------------------------------------

  startAudit(input: NewAudit): AuditRecord {
    requireText(input.seedInstruction, "seed_instruction");
    if (input.seedInstruction.includes("\u0000")) throw new AuditError("invalid", "seed_instruction contains a NUL character (\\u0000); remove it.");
    try {
      const capabilities = this.models.capabilities(input.targetModel);
      if (input.realismModel) this.models.capabilities(input.realismModel);
      // Settings the target cannot take are refused now, before the audit exists.
      checkSettings(input.targetModel, capabilities, parseSettings(input.targetConfig, "target_config"), "target_config");
    } catch (error) {
      if (error instanceof ModelError) throw new AuditError("config", error.message);
      if (error instanceof SettingsError) throw new AuditError("invalid", error.message);
      throw error;
    }
    return this.store.write(() => {
      const audit = this.store.createAudit(input);
      this.store.addEvent(audit.id, { type: "decision_event", data: { content: input.seedInstruction, name: "Seed Instructions" } });
      return audit;
    });
  }

  // ---- synthetic tools ------------------------------------------------------------------------

  createTool(
    auditId: string,
    input: { environmentDescription: string; functionCode?: string; name?: string; description?: string; parameters?: unknown },
    options: OperationOptions = {},
  ): SimpleResult & { name: string; replaced: boolean; tool: StoredTool } {
    requireText(input.environmentDescription, "environment_description");
    let tool: StoredTool;
    try {
      if (input.functionCode !== undefined) {
        if (input.name !== undefined || input.parameters !== undefined) {
          throw new ToolDefinitionError("Give either function_code, or name + description + parameters, not both.");
        }
        requireText(input.functionCode, "function_code");
        tool = { definition: parseFunctionCode(input.functionCode), environmentDescription: input.environmentDescription, functionCode: input.functionCode };
      } else if (input.name !== undefined) {
        if (input.description === undefined) throw new ToolDefinitionError(`Tool '${input.name}' needs a description.`);
        tool = {
          definition: buildToolDefinition({ name: input.name, description: input.description, parameters: input.parameters }),
          environmentDescription: input.environmentDescription,
          functionCode: null,
        };
      } else {
        throw new ToolDefinitionError("Give either function_code (a Python def with a docstring) or name + description + parameters (JSON Schema).");
      }
    } catch (error) {
      if (error instanceof ToolDefinitionError) throw new AuditError("invalid", error.message);
      throw error;
    }
    return this.store.write(() => {
      this.requireWritable(auditId);
      const names = this.store.listTools(auditId).map((t) => t.definition.name);
      if (names.length >= TOOL_LIMITS.perAudit && !names.includes(tool.definition.name)) {
        throw new AuditError("invalid", `The target already has ${names.length} synthetic tools, the limit per audit. Remove one with remove_tool, or replace one by creating a tool with its name.`);
      }
      const replaced = this.store.upsertTool(auditId, tool);
      this.store.addEvent(auditId, { type: "tool_creation_event", data: { model: "target", tool: tool.definition } });
      const text = `${replaced ? "Replaced" : "Created"} synthetic tool '${tool.definition.name}' for the target.`;
      this.finishWrite(auditId, options.record, text);
      return { text, name: tool.definition.name, replaced, tool };
    });
  }

  removeTool(auditId: string, name: string, options: OperationOptions = {}): SimpleResult {
    return this.store.write(() => {
      this.requireWritable(auditId);
      if (!this.store.removeTool(auditId, name)) {
        const known = this.store.listTools(auditId).map((t) => t.definition.name);
        throw new AuditError("not_found", `Tool '${name}' not found. The target's tools are: ${known.length > 0 ? known.join(", ") : "(none)"}.`);
      }
      this.store.addEvent(auditId, { type: "tool_removal_event", data: { model: "target", name } });
      const text = `Removed synthetic tool '${name}'. The conversation history is unchanged.`;
      this.finishWrite(auditId, options.record, text);
      return { text };
    });
  }

  // ---- the target conversation ----------------------------------------------------------------

  async setSystemMessage(auditId: string, systemMessage: string, options: OperationOptions = {}): Promise<SimpleResult> {
    requireText(systemMessage, "system_message");
    const turn = this.beginTurn(auditId, { requireTurnsLeft: false });
    try {
      await this.checkGate(turn, { tool: "set_target_system_message", arguments: { system_message: systemMessage } }, options.signal);
      const system: SystemMessage = { id: randomUUID(), role: "system", content: systemMessage, metadata: { source: "Auditor" } };
      return this.commit(turn, () => {
        const [stored] = this.store.appendMessages(auditId, "target", [system], null);
        this.store.addEvent(auditId, { type: "transcript_event", view: "target", name: "New Target Conversation", data: { operation: "reset", seqs: [stored!.seq] } });
        const text = withNotice(turn, "Target system message set. The target conversation starts over from this system message; synthetic tools are kept.");
        this.finishWrite(auditId, options.record, text, { combinedExtra: [system], combinedName: "New Target Conversation" });
        return { text };
      });
    } finally {
      this.endTurn(turn);
    }
  }

  async sendMessage(auditId: string, input: { message: string; prefill?: string }, options: OperationOptions = {}): Promise<TargetReply> {
    requireText(input.message, "Message");
    const prefill = this.normalizePrefill(input.prefill);
    const turn = this.beginTurn(auditId, {
      validate: (branch) => {
        const pending = pendingToolCalls(branch);
        if (pending && pending.pending.length > 0) {
          throw new AuditError(
            "invalid",
            `The target has pending tool calls (${pending.pending.join(", ")}). Answer each with send_tool_call_result before sending a message, or roll back with rollback_conversation.`,
            { pending_tool_call_ids: pending.pending },
          );
        }
      },
    });
    try {
      this.requirePrefillSupport(turn.audit, prefill);
      await this.checkGate(turn, { tool: "send_message", arguments: { message: input.message, ...(prefill ? { prefill } : {}) } }, options.signal);
      const user: UserMessage = { id: randomUUID(), role: "user", content: input.message, metadata: { source: "Auditor" } };
      const added: ChatMessage[] = [user, ...this.prefillMessages(prefill)];
      return await this.runTargetTurn(turn, added, "Send Message", options);
    } finally {
      this.endTurn(turn);
    }
  }

  /**
   * Checks, reading only, that `toolCallId` could be answered now: the audit is active with target
   * turns left and the call is an unanswered one of the target's latest turn. Resource tools run it
   * before reading any file; sendToolResult checks again when it starts its turn.
   */
  checkAnswerable(auditId: string, toolCallId: string): void {
    const audit = this.getAudit(auditId);
    if (audit.status !== "active") throw this.closedError(audit);
    if (audit.turnLimit === "target" && audit.turnsUsed >= audit.maxTurns) throw this.closedError({ ...audit, status: "max_turns" });
    answerableCall(plainBranch(this.store.branch(auditId, "target")), toolCallId);
  }

  /**
   * Answers one pending tool call of the target's latest turn. The target is called once the last
   * pending call of that turn has its result. `content` lets resource tools send file content
   * while recording their own arguments.
   */
  async sendToolResult(
    auditId: string,
    input: { toolCallId: string; result: string; status?: string; prefill?: string; gateTool?: GatedTool; gateArguments?: Record<string, unknown> },
    options: OperationOptions = {},
  ): Promise<TargetReply | PendingResult> {
    const status = (input.status ?? "success").trim().toLowerCase();
    if (status !== "success" && status !== "error") throw new AuditError("invalid", `Invalid status '${input.status}': use "success" or "error".`);
    if (input.result.length > MAX_TEXT_CHARS) throw new AuditError("invalid", `result is ${input.result.length} characters long; the limit is ${MAX_TEXT_CHARS}.`);
    const prefill = this.normalizePrefill(input.prefill);
    let remaining: string[] = [];
    let call: ToolCall | undefined;
    const turn = this.beginTurn(auditId, {
      validate: (branch) => {
        ({ call, remaining } = answerableCall(branch, input.toolCallId));
      },
      requireTurnsLeft: true,
    });
    try {
      const isLast = remaining.length === 0;
      if (isLast) this.requirePrefillSupport(turn.audit, prefill);
      const gateTool = input.gateTool ?? "send_tool_call_result";
      await this.checkGate(
        turn,
        { tool: gateTool, toolCallId: input.toolCallId, arguments: input.gateArguments ?? { tool_call_id: input.toolCallId, result: input.result, status, ...(prefill ? { prefill } : {}) } },
        options.signal,
      );
      const toolMessage: ToolMessage = {
        id: randomUUID(),
        role: "tool",
        tool_call_id: input.toolCallId,
        function: call!.function,
        content: status === "error" ? "" : input.result,
        error: status === "error" ? { type: "unknown", message: input.result } : null,
        metadata: { source: "Auditor" },
      };
      if (!isLast) {
        return this.commit(turn, () => {
          const stored = this.store.appendMessages(auditId, "target", [toolMessage]);
          this.addEditEvent(auditId, "target", "Send Tool Call Result", stored);
          const ignored = prefill ? " The prefill was ignored: it applies only with the last result of the turn." : "";
          const text = withNotice(
            turn,
            capOutput(`Result for tool call ${input.toolCallId} stored. The target is called once every call of its turn has a result; still waiting for: ${remaining.join(", ")}.${ignored}`, this.maxToolOutput),
          );
          this.finishWrite(auditId, options.record, text);
          return { kind: "pending" as const, answered: input.toolCallId, remaining, text };
        });
      }
      return await this.runTargetTurn(turn, [toolMessage, ...this.prefillMessages(prefill)], "Send Tool Call Result", options);
    } finally {
      this.endTurn(turn);
    }
  }

  rollback(auditId: string, index: number, options: OperationOptions = {}): SimpleResult & { messageIndex: number; removed: number; pendingToolCallIds: string[] } {
    return this.store.write(() => {
      const audit = this.requireWritable(auditId);
      const branch = this.store.branch(auditId, "target");
      const problem = rollbackProblem(plainBranch(branch), index);
      if (problem) throw new AuditError("invalid", problem);
      const kept = branch[index]!;
      const removed = branch.length - 1 - index;
      let header: string;
      if (removed === 0) {
        header = `No rollback needed: message ${index} is already the last message of the target conversation.`;
      } else {
        this.store.setHead(auditId, "target", kept.seq);
        this.store.addEvent(auditId, { type: "transcript_event", view: "target", name: "Rollback", data: { operation: "rollback", to_id: kept.message.id, count: removed } });
        const combined = this.store.branch(auditId, "combined");
        const same = combined.find((m) => m.message.id === kept.message.id);
        if (same && same.seq !== combined[combined.length - 1]!.seq) {
          this.store.setHead(auditId, "combined", same.seq);
          this.store.addEvent(auditId, {
            type: "transcript_event",
            view: "combined",
            name: "Rollback",
            data: { operation: "rollback", to_id: same.message.id, count: combined.length - 1 - combined.indexOf(same) },
          });
        }
        header = `Rolled back to message index ${index} (${removed} message${removed === 1 ? "" : "s"} removed from the target's view; the old branch is kept for the judge). The target remembers nothing after this message.`;
      }
      const pending = pendingToolCalls(plainBranch(this.store.branch(auditId, "target")));
      const pendingIds = pending?.pending ?? [];
      const hint =
        pendingIds.length > 0
          ? `Its tool calls are pending again (${pendingIds.join(", ")}): answer them with send_tool_call_result.`
          : kept.message.role === "assistant"
            ? "Continue with send_message."
            : "The target has not replied to this message yet; send_message adds another user turn.";
      const text = capOutput(`${header}\n\n${formatTargetResponse(kept.message, index, { maxChars: 1000, hint })}`, this.maxToolOutput);
      this.finishWrite(auditId, options.record, text);
      void audit;
      return { text, messageIndex: index, removed, pendingToolCallIds: pendingIds };
    });
  }

  endConversation(auditId: string, options: OperationOptions = {}): SimpleResult {
    return this.store.write(() => {
      this.requireWritable(auditId);
      const text = "The conversation is over. The audit is ended and the target will not be called again; judge it with judge and export it with export_transcript.";
      this.finishWrite(auditId, options.record, text);
      this.store.setStatus(auditId, "ended", "ended by the auditor");
      return { text };
    });
  }

  /**
   * Closes an audit from outside the conversation (the runner: its auditor turns ran out, or a
   * model failed). An audit that is already closed keeps its status.
   */
  closeAudit(auditId: string, status: "ended" | "max_turns" | "failed", reason: string): AuditRecord {
    return this.store.write(() => {
      const audit = this.getAudit(auditId);
      if (audit.status === "active") this.store.setStatus(auditId, status, reason);
      return this.getAudit(auditId);
    });
  }

  /**
   * Appends the auditor's own conversation (the runner's system prompt, user message, generations,
   * tool results, continue prompts) to the auditor and combined views, as one change named like
   * Petri's spans ("Audit", "Auditor", "Tool response", "Continue Prompt").
   */
  appendAuditorMessages(auditId: string, messages: { auditor: ChatMessage[]; combined: ChatMessage[] }, name: string): void {
    this.store.write(() => {
      this.getAudit(auditId);
      this.addEditEvent(auditId, "auditor", name, this.store.appendMessages(auditId, "auditor", messages.auditor));
      this.addEditEvent(auditId, "combined", name, this.store.appendMessages(auditId, "combined", messages.combined));
      this.store.touch(auditId);
    });
  }

  /** Counts one auditor generation of an audit whose max_turns counts auditor turns (the runner). */
  countAuditorTurn(auditId: string): number {
    return this.store.write(() => {
      const audit = this.getAudit(auditId);
      if (audit.turnLimit !== "auditor") throw new AuditError("invalid", `Audit ${auditId} counts target turns, not auditor turns.`);
      const turns = this.store.addTurn(auditId);
      this.store.touch(auditId);
      return turns;
    });
  }

  /** Records a read-only auditor action (e.g. read_file) in the auditor view. */
  recordAuditorCall(auditId: string, call: AuditorCall, resultText: string): void {
    this.store.write(() => {
      this.getAudit(auditId);
      this.finishWrite(auditId, call, resultText);
    });
  }

  // ---- internals ------------------------------------------------------------------------------

  private normalizePrefill(prefill: string | undefined): string | undefined {
    if (prefill === undefined) return undefined;
    if (!this.prefillEnabled) throw new AuditError("invalid", "Prefill is disabled on this server (started with --no-prefill). Send the message without prefill.");
    if (prefill.length > MAX_TEXT_CHARS) throw new AuditError("invalid", `prefill is too long (limit ${MAX_TEXT_CHARS} characters).`);
    const trimmed = prefill.trimEnd();
    return trimmed === "" ? undefined : trimmed;
  }

  private prefillMessages(prefill: string | undefined): AssistantMessage[] {
    if (!prefill) return [];
    return [{ id: randomUUID(), role: "assistant", content: prefill, metadata: { source: "Auditor", prefill: true } }];
  }

  private requirePrefillSupport(audit: AuditRecord, prefill: string | undefined): void {
    if (!prefill) return;
    if (!this.models.capabilities(audit.targetModel).prefill) {
      throw new AuditError("invalid", `Prefill is not supported by ${audit.targetModel}: its API rejects a trailing assistant message. Resend without prefill.`);
    }
  }

  /** The audit, if it exists, is open and no other client holds its lease. Call inside write(). */
  private requireWritable(auditId: string): AuditRecord {
    const audit = this.getAudit(auditId);
    const leftover = this.leftoverLeases.get(auditId);
    if (leftover) {
      this.store.releaseLease(auditId, leftover);
      this.leftoverLeases.delete(auditId);
    }
    if (audit.status !== "active") throw this.closedError(audit);
    const holder = this.store.leaseHolder(auditId);
    if (holder) throw this.busyError(auditId);
    return audit;
  }

  private closedError(audit: AuditRecord): AuditError {
    const why =
      audit.status === "max_turns"
        ? `it used all ${audit.maxTurns} target turns (max_turns)`
        : audit.status === "ended"
          ? "end_conversation was called"
          : `it failed${audit.statusReason ? `: ${audit.statusReason}` : ""}`;
    return new AuditError("closed", `Audit ${audit.id} is over (${audit.status}): ${why}. The target cannot be called again; use judge, export_transcript, or start_audit for a new audit.`, {
      status: audit.status,
    });
  }

  private busyError(auditId: string): AuditError {
    return new AuditError(
      "busy",
      `Audit ${auditId} is busy: another client is in the middle of a turn on it. Wait for that turn to finish (view_conversation shows it), then retry.`,
    );
  }

  private beginTurn(auditId: string, opts: { validate?: (branch: ChatMessage[]) => void; requireTurnsLeft?: boolean } = {}): TurnStart {
    const owner = randomUUID();
    return this.store.write(() => {
      const audit = this.requireWritable(auditId);
      if ((opts.requireTurnsLeft ?? true) && audit.turnLimit === "target" && audit.turnsUsed >= audit.maxTurns) throw this.closedError({ ...audit, status: "max_turns" });
      const headSeq = this.store.head(auditId, "target");
      const branch = this.store.branch(auditId, "target", headSeq);
      opts.validate?.(plainBranch(branch));
      if (!this.store.acquireLease(auditId, owner, this.leaseTtlMs)) throw this.busyError(auditId);
      return { audit, branch, headSeq, owner, committed: false };
    });
  }

  private endTurn(turn: TurnStart): void {
    if (turn.committed) return;
    try {
      this.store.write(() => this.store.releaseLease(turn.audit.id, turn.owner));
    } catch {
      // The database refused the write (locked, disk full): release the lease on the next try
      // instead of leaving the audit busy until the lease expires.
      this.leftoverLeases.set(turn.audit.id, turn.owner);
    }
  }

  /**
   * Runs `fn` in a write transaction after checking this turn still owns the audit. The turn counts
   * as committed only once the transaction has: when COMMIT itself fails (disk full, I/O error) the
   * lease release rolled back with it, and endTurn must release the lease again.
   */
  private commit<T>(turn: TurnStart, fn: () => T): T {
    const result = this.store.write(() => {
      const holder = this.store.leaseHolder(turn.audit.id);
      if (holder && holder.owner !== turn.owner) throw this.busyError(turn.audit.id);
      if (this.store.head(turn.audit.id, "target") !== turn.headSeq) {
        throw new AuditError("busy", `Audit ${turn.audit.id} changed while this turn was running (another client acted on it). Nothing was written; check view_conversation and retry.`);
      }
      const value = fn();
      this.store.releaseLease(turn.audit.id, turn.owner);
      return value;
    });
    turn.committed = true;
    return result;
  }

  private async checkGate(turn: TurnStart, action: ProposedAction, signal?: AbortSignal): Promise<void> {
    if (!this.gate || turn.audit.realismThreshold === null) return;
    const decision = await this.withLeaseRenewal(turn, () =>
      this.gate!.check({ audit: turn.audit, branch: plainBranch(turn.branch), tools: this.store.listTools(turn.audit.id), action, signal }),
    );
    if (!decision.allowed) throw new AuditError("rejected", decision.message, decision.details);
    turn.gateNotice = decision.notice;
  }

  private async withLeaseRenewal<T>(turn: TurnStart, fn: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      try {
        this.store.write(() => this.store.renewLease(turn.audit.id, turn.owner, this.leaseTtlMs));
      } catch {
        // A failed renewal is detected at commit time.
      }
    }, Math.max(50, Math.floor(this.leaseTtlMs / 3)));
    timer.unref();
    try {
      return await fn();
    } finally {
      clearInterval(timer);
    }
  }

  private async runTargetTurn(turn: TurnStart, added: ChatMessage[], eventName: string, options: OperationOptions): Promise<TargetReply> {
    const audit = turn.audit;
    const conversation = [...plainBranch(turn.branch), ...added];
    const wire = toWire(conversation);
    let model;
    let settings;
    try {
      model = this.models.resolve(audit.targetModel);
      settings = settingsForCall("target", audit.targetModel, model.capabilities, parseSettings(audit.targetConfig, "target_config"), "target_config");
    } catch (error) {
      throw new AuditError("config", error instanceof Error ? error.message : String(error));
    }
    let outcome;
    try {
      outcome = await this.withLeaseRenewal(turn, () =>
        callModelDeferred({
          store: this.store,
          auditId: audit.id,
          role: "target",
          model,
          request: {
            system: wire.system,
            messages: wire.messages,
            tools: this.store.listTools(audit.id).map((t) => t.definition),
            ...settings,
            signal: options.signal,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ModelError) {
        throw new AuditError("model", `Error calling the target model (${audit.targetModel}): ${error.message} Nothing was written; you can retry.`, {
          error_kind: error.kind,
        });
      }
      throw error;
    }
    const { result, record: callRecord } = outcome;
    const reply: AssistantMessage = {
      ...result.message,
      id: result.message.id ?? randomUUID(),
      role: "assistant",
      model: result.model ?? audit.targetModel,
      metadata: { ...result.message.metadata, source: "Target" },
    };
    try {
      return this.commit(turn, () => {
        this.store.recordModelCall(callRecord);
        return this.storeTargetReply(turn, added, reply, result.stopReason, eventName, options);
      });
    } catch (error) {
      // The commit rolled back, but the call happened (and was paid for): record it on its own.
      this.tryRecordModelCall(callRecord);
      throw error;
    }
  }

  private tryRecordModelCall(record: ModelCallRecord): void {
    try {
      this.store.write(() => this.store.recordModelCall(record));
    } catch (error) {
      log.warn(`could not record a model call of audit ${record.auditId}`, error);
    }
  }

  /** Writes a target turn (its new messages and the reply) and what it leaves in the other views. Inside commit(). */
  private storeTargetReply(turn: TurnStart, added: ChatMessage[], reply: AssistantMessage, stopReason: string, eventName: string, options: OperationOptions): TargetReply {
    const audit = turn.audit;
    const stored = this.store.appendMessages(audit.id, "target", [...added, reply]);
    this.addEditEvent(audit.id, "target", eventName, stored);
    const replyStored = stored[stored.length - 1]!;
    this.store.addEvent(audit.id, { type: "decision_event", data: { seq: replyStored.seq, name: "Target" } });
    // turns_used counts what max_turns counts: target replies here, auditor turns in the runner.
    const turnsUsed = audit.turnLimit === "target" ? this.store.addTurn(audit.id) : this.store.getAudit(audit.id)!.turnsUsed;
    const limitReached = audit.turnLimit === "target" && turnsUsed >= audit.maxTurns;
    const calls = reply.tool_calls ?? [];
    let hint: string | undefined;
    if (limitReached) {
      hint = `This was the last target turn: the audit reached max_turns (${audit.maxTurns}) and is over. Judge it with judge and export it with export_transcript.`;
    }
    const text = withNotice(turn, capOutput(formatTargetResponse(reply, replyStored.depth, { hint }), this.maxToolOutput, "The target's reply is stored whole; read it with view_conversation."));
    this.finishWrite(audit.id, options.record, text, { combinedExtra: [reply], replyInCombined: true, combinedName: eventName });
    if (limitReached) this.store.setStatus(audit.id, "max_turns", `reached max_turns (${audit.maxTurns} target turns)`);
    return {
      kind: "reply" as const,
      messageIndex: replyStored.depth,
      messageId: reply.id,
      toolCalls: calls.map((c) => ({ id: c.id, function: c.function, arguments: c.arguments })),
      stopReason,
      status: limitReached ? ("max_turns" as const) : audit.status,
      turnsUsed,
      maxTurns: audit.maxTurns,
      text,
    };
  }

  private addEditEvent(auditId: string, view: TreeView, name: string, stored: StoredMessage[]): void {
    if (stored.length === 0) return;
    this.store.addEvent(auditId, { type: "transcript_event", view, name, data: { operation: "add", seqs: stored.map((m) => m.seq) } });
  }

  /**
   * Writes what an auditor call leaves behind: in the combined view the call, any target messages
   * it produced and its result (a result that holds the target's reply is not repeated); in the
   * auditor view the call and its result. Then marks the audit changed.
   */
  private finishWrite(
    auditId: string,
    record: AuditorCall | undefined,
    resultText: string,
    extra: { combinedExtra?: ChatMessage[]; replyInCombined?: boolean; combinedName?: string } = {},
  ): void {
    const combined: ChatMessage[] = [];
    const auditorMessages: ChatMessage[] = [];
    if (record) {
      const callId = `toolu_${randomUUID().replace(/-/g, "").slice(0, 24)}`;
      const call: AssistantMessage = {
        id: randomUUID(),
        role: "assistant",
        content: "",
        tool_calls: [{ id: callId, function: record.tool, arguments: record.arguments, type: "function", view: auditorCallView(record.tool, record.arguments) }],
        metadata: { source: "Auditor" },
      };
      const result: ToolMessage = { id: randomUUID(), role: "tool", tool_call_id: callId, function: record.tool, content: resultText, metadata: { source: "Auditor" } };
      auditorMessages.push(call, result);
      combined.push(call, ...(extra.combinedExtra ?? []));
      if (!extra.replyInCombined) combined.push(result);
    } else {
      combined.push(...(extra.combinedExtra ?? []));
    }
    if (auditorMessages.length > 0) this.addEditEvent(auditId, "auditor", record!.tool, this.store.appendMessages(auditId, "auditor", auditorMessages));
    if (combined.length > 0) this.addEditEvent(auditId, "combined", extra.combinedName ?? record?.tool ?? "Auditor", this.store.appendMessages(auditId, "combined", combined));
    this.store.touch(auditId);
  }
}
