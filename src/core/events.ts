/**
 * The events of an audit, as one typed union shared by their writers (src/audit/, through
 * `tx.events.add`, whose `NewEvent` is this union) and their readers (the Petri export), which turn
 * a stored row back into an event with `auditEvent`. Changing a shape here changes what is stored.
 */
import type { ToolDefinition } from "../audit/synthetic-tools.js";
import type { StoredEvent, TreeView } from "../store/records.js";

/** An edit of one tree view: messages added, the view restarted with messages, or a rollback. */
export type TranscriptEdit =
  | { operation: "add"; seqs: number[] }
  | { operation: "reset"; seqs: number[] }
  /** Keep the view up to and including message `to_id` (else all but the last `count`). */
  | { operation: "rollback"; to_id: string; count: number };

export interface TranscriptEvent {
  type: "transcript_event";
  view: TreeView;
  /** The edit's label in the viewer ("Rollback", "New Target Conversation", the tool name…). */
  name: string;
  data: TranscriptEdit;
}

/** A decision: the target's reply (the message `seq`) or a text (the seed instructions). */
export interface DecisionEvent {
  type: "decision_event";
  view?: undefined;
  name?: undefined;
  data: { seq: number; name: string } | { content: string; name: string };
}

export interface ToolCreationEvent {
  type: "tool_creation_event";
  view?: undefined;
  name?: undefined;
  data: { model: string; tool: ToolDefinition };
}

export interface ToolRemovalEvent {
  type: "tool_removal_event";
  view?: undefined;
  name?: undefined;
  data: { model: string; name: string };
}

export type AuditEvent = TranscriptEvent | DecisionEvent | ToolCreationEvent | ToolRemovalEvent;

const VIEWS: readonly string[] = ["target", "combined", "auditor"] satisfies TreeView[];

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function seqList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((s) => typeof s === "number");
}

function transcriptEdit(data: Record<string, unknown>): TranscriptEdit | null {
  switch (data.operation) {
    case "add":
    case "reset":
      return seqList(data.seqs) ? { operation: data.operation, seqs: data.seqs } : null;
    case "rollback":
      return typeof data.to_id === "string" && typeof data.count === "number" ? { operation: "rollback", to_id: data.to_id, count: data.count } : null;
    default:
      return null;
  }
}

/**
 * A stored event row as a typed event, checking its type and the fields readers use; null for a
 * row of an unknown type or shape (readers skip it).
 */
export function auditEvent(stored: StoredEvent): AuditEvent | null {
  const data = record(stored.data);
  if (!data) return null;
  switch (stored.type) {
    case "transcript_event": {
      if (stored.view === null || !VIEWS.includes(stored.view) || stored.name === null) return null;
      const edit = transcriptEdit(data);
      return edit ? { type: "transcript_event", view: stored.view as TreeView, name: stored.name, data: edit } : null;
    }
    case "decision_event": {
      if (typeof data.name !== "string") return null;
      if (typeof data.seq === "number") return { type: "decision_event", data: { seq: data.seq, name: data.name } };
      return typeof data.content === "string" ? { type: "decision_event", data: { content: data.content, name: data.name } } : null;
    }
    case "tool_creation_event": {
      const tool = record(data.tool);
      return tool && typeof tool.name === "string" && typeof data.model === "string"
        ? { type: "tool_creation_event", data: { model: data.model, tool: tool as unknown as ToolDefinition } }
        : null;
    }
    case "tool_removal_event":
      return typeof data.model === "string" && typeof data.name === "string" ? { type: "tool_removal_event", data: { model: data.model, name: data.name } } : null;
    default:
      return null;
  }
}
