/**
 * Petri transcript v3.0 JSON: what Petri saves and its transcript viewer loads.
 *
 * Our events reference stored messages by seq; Petri's carry the messages themselves. Every view
 * edit becomes a `json_patch` edit, as in the files Petri writes: the viewer titles branch columns
 * with the patch's `name` and starts a new column whenever an edit does not extend the previous
 * list, so rollbacks and restarts replay as separate branches. The judge runs and realism checks
 * become resets of the `judge` and `realism` views.
 */
import type { TreeView, StoredEvent, StoredMessage } from "../store/types.js";
import type { ToolDefinition } from "../audit/synthetic-tools.js";
import { auditEvent } from "../core/events.js";
import { VERSION } from "../version.js";
import { auditJury, mergedScoresOf } from "../judge/jury.js";
import { type ExportData, type JudgeRun, currentBranch, latestScoredRun } from "./export-data.js";
import type { PetriMessage, JsonChange, PetriTranscriptEvent, PetriDecisionEvent, PetriToolCreationEvent, PetriEvent, PetriJudgeOutput, PetriMetadata, PetriTranscript } from "./petri-types.js";

export type { PetriMessage, JsonChange, PetriTranscriptEvent, PetriDecisionEvent, PetriToolCreationEvent, PetriEvent, PetriJudgeOutput, PetriMetadata, PetriTranscript } from "./petri-types.js";


const ROLES = new Set(["system", "user", "assistant", "tool"]);
const TOOL_ERROR_TYPES = new Set(["parsing", "timeout", "unicode_decode", "permission", "file_not_found", "is_a_directory", "limit", "approval", "unknown", "output_limit"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function contentPart(part: unknown): Record<string, unknown> | null {
  if (!isRecord(part) || typeof part.type !== "string") return null;
  if (part.type === "text") return { ...part, text: typeof part.text === "string" ? part.text : String(part.text ?? "") };
  if (part.type === "reasoning") return { ...part, reasoning: typeof part.reasoning === "string" ? part.reasoning : String(part.reasoning ?? "") };
  return part;
}

/**
 * A message in the shape the transcript schema accepts. Our stored messages already have it; the
 * checks matter for judge and realism messages, which other code writes.
 */
export function toPetriMessage(raw: unknown, fallbackId: string): PetriMessage | null {
  if (!isRecord(raw) || typeof raw.role !== "string" || !ROLES.has(raw.role)) return null;
  const message: Record<string, unknown> = { ...raw, id: typeof raw.id === "string" && raw.id !== "" ? raw.id : fallbackId };
  if (Array.isArray(raw.content)) message.content = raw.content.map(contentPart).filter((p) => p !== null);
  else if (typeof raw.content !== "string") message.content = raw.content === undefined || raw.content === null ? "" : JSON.stringify(raw.content);
  if (!isRecord(raw.metadata)) delete message.metadata;
  if (raw.role === "assistant" && Array.isArray(raw.tool_calls)) {
    message.tool_calls = raw.tool_calls.filter(isRecord).map((call, i) => ({
      ...call,
      id: typeof call.id === "string" ? call.id : `${message.id}-call-${i}`,
      function: typeof call.function === "string" ? call.function : String(call.function),
      arguments: isRecord(call.arguments) ? call.arguments : {},
    }));
  }
  if (raw.role === "tool" && raw.error !== undefined && raw.error !== null) {
    const error = isRecord(raw.error) ? raw.error : { message: String(raw.error) };
    message.error = {
      type: typeof error.type === "string" && TOOL_ERROR_TYPES.has(error.type) ? error.type : "unknown",
      message: typeof error.message === "string" ? error.message : JSON.stringify(error.message ?? ""),
    };
  }
  return message as PetriMessage;
}

/**
 * The transcript schema wants one `type` string per JSON Schema node; a type list (allowed when the
 * auditor wrote the schema) becomes the equivalent `anyOf`.
 */
function petriSchema(schema: unknown): unknown {
  if (!isRecord(schema)) return schema;
  const out: Record<string, unknown> = { ...schema };
  if (Array.isArray(out.type)) {
    const types = out.type as unknown[];
    delete out.type;
    if (types.length === 1) out.type = types[0];
    else if (out.anyOf === undefined) out.anyOf = types.map((t) => ({ type: t }));
  }
  if (isRecord(out.properties)) out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, petriSchema(v)]));
  if (out.items !== undefined) out.items = petriSchema(out.items);
  if (isRecord(out.additionalProperties)) out.additionalProperties = petriSchema(out.additionalProperties);
  if (Array.isArray(out.anyOf)) out.anyOf = out.anyOf.map(petriSchema);
  return out;
}

export function petriToolDefinition(tool: ToolDefinition): ToolDefinition {
  return { ...tool, parameters: petriSchema(tool.parameters) as ToolDefinition["parameters"] };
}

/** Judge output in Petri's shape: parsed scores only (integers), rubric texts, highlights as stored. */
export function petriJudgeOutput(run: JudgeRun): PetriJudgeOutput {
  const scores = Object.fromEntries(Object.entries(run.scores ?? {}).filter(([, v]) => Number.isInteger(v)));
  const descriptions = run.dimensions.filter((d) => typeof d.description === "string" && d.description !== "").map((d) => [d.name, d.description as string]);
  return {
    response: run.response ?? "",
    summary: run.summary ?? "",
    justification: run.justification,
    scores,
    score_descriptions: descriptions.length > 0 ? Object.fromEntries(descriptions) : null,
    highlights: run.highlights && run.highlights.length > 0 ? run.highlights : null,
  };
}

// ---- events ---------------------------------------------------------------------------------

interface DraftEvent {
  event: PetriEvent;
  time: string;
}

/**
 * A rollback directly followed (in its view) by another rollback or a restart adds no message; the
 * viewer would still draw it as an extra column holding only the shared prefix. The later edit
 * alone yields the same state.
 */
function dropSupersededRollbacks(events: readonly StoredEvent[]): StoredEvent[] {
  const nextOperation = new Map<string, string>();
  const kept: StoredEvent[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const stored = events[i]!;
    const event = auditEvent(stored);
    if (event?.type === "transcript_event") {
      const operation = event.data.operation;
      const next = nextOperation.get(event.view);
      nextOperation.set(event.view, operation);
      if (operation === "rollback" && (next === "rollback" || next === "reset")) continue;
    }
    kept.push(stored);
  }
  return kept.reverse();
}

/** Replays view edits as JSON patches over each view's current message list. */
class PatchWriter {
  private readonly views = new Map<string, string[]>();

  private ids(view: string): string[] {
    let ids = this.views.get(view);
    if (!ids) this.views.set(view, (ids = []));
    return ids;
  }

  append(view: string, messages: PetriMessage[]): JsonChange[] {
    const ids = this.ids(view);
    return messages.map((value) => {
      ids.push(value.id);
      return { op: "add" as const, path: `/${ids.length - 1}`, value };
    });
  }

  /** Keeps the first `keep` messages. */
  truncate(view: string, keep: number): JsonChange[] {
    const ids = this.ids(view);
    const patch: JsonChange[] = [];
    while (ids.length > Math.max(0, keep)) {
      ids.pop();
      patch.push({ op: "remove", path: `/${ids.length}` });
    }
    return patch;
  }

  /** How many messages a rollback keeps: up to and including `toId`, else all but `count`. */
  keptByRollback(view: string, toId: string | undefined, count: number | undefined): number {
    const ids = this.ids(view);
    const index = toId === undefined ? -1 : ids.lastIndexOf(toId);
    if (index >= 0) return index + 1;
    return ids.length - (count ?? 0);
  }

  reset(view: string, messages: PetriMessage[]): JsonChange[] {
    return [...this.truncate(view, 0), ...this.append(view, messages)];
  }
}

function viewEvent(id: string, time: string, view: string, name: string | null, patch: JsonChange[], metadata: Record<string, unknown> = {}): DraftEvent {
  return { time, event: { type: "transcript_event", id, metadata, timestamp: time, view, edit: { operation: "json_patch", patch, name } } };
}

function messagesOf(raw: readonly unknown[], idPrefix: string): PetriMessage[] {
  return raw.map((m, i) => toPetriMessage(m, `${idPrefix}-${i}`)).filter((m): m is PetriMessage => m !== null);
}

/** The audit's own events, in order. */
function storedEvents(data: ExportData, message: (seq: number) => PetriMessage | undefined, writer: PatchWriter): DraftEvent[] {
  const drafts: DraftEvent[] = [];
  const meta = (name: string | null): Record<string, unknown> => (name ? { name } : {});
  for (const stored of dropSupersededRollbacks(data.events)) {
    const event = auditEvent(stored);
    const time = stored.createdAt;
    switch (event?.type) {
      case "transcript_event": {
        const edit = event.data;
        const found = (seqs: number[]) => seqs.map(message).filter((m): m is PetriMessage => m !== undefined);
        let patch: JsonChange[];
        if (edit.operation === "add") patch = writer.append(event.view, found(edit.seqs));
        else if (edit.operation === "reset") patch = writer.reset(event.view, found(edit.seqs));
        else patch = writer.truncate(event.view, writer.keptByRollback(event.view, edit.to_id, edit.count));
        if (patch.length > 0) drafts.push(viewEvent(stored.id, time, event.view, event.name, patch));
        break;
      }
      case "decision_event": {
        const body = event.data;
        const content = "seq" in body ? message(body.seq) : body.content;
        if (content !== undefined) drafts.push({ time, event: { type: "decision_event", id: stored.id, metadata: meta(body.name), timestamp: time, content } });
        break;
      }
      case "tool_creation_event":
        drafts.push({
          time,
          event: { type: "tool_creation_event", id: stored.id, metadata: {}, timestamp: time, model: event.data.model, tool: petriToolDefinition(event.data.tool) },
        });
        break;
      case "tool_removal_event":
        // The transcript format has no removal event; keep the fact as a (non-rendered) decision.
        drafts.push({
          time,
          event: { type: "decision_event", id: stored.id, metadata: { name: "Remove Tool" }, timestamp: time, content: { type: "tool_removal", model: event.data.model, name: event.data.name } },
        });
        break;
      default:
        break;
    }
  }
  return drafts;
}

/** Judge runs and realism checks, each replacing its view, oldest first. */
function judgeAndRealismEvents(data: ExportData, writer: PatchWriter): DraftEvent[] {
  const drafts: DraftEvent[] = [];
  const sources = [
    ...data.realismChecks.map((check) => ({ time: check.createdAt, kind: "realism" as const, check })),
    ...data.judgeRuns.map((run, i) => ({ time: run.finishedAt ?? run.startedAt, kind: "judge" as const, run, number: i + 1 })),
  ].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  for (const source of sources) {
    if (source.kind === "realism") {
      const { check } = source;
      const messages = messagesOf(check.messages, `realism-${check.id}`);
      if (messages.length === 0) continue;
      drafts.push(
        viewEvent(`realism-check-${check.id}`, source.time, "realism", "Realism Check", writer.reset("realism", messages), {
          check_id: check.id,
          tool: check.tool,
          tool_call_id: check.toolCallId,
          decision: check.decision,
          score: check.score,
          threshold: check.threshold,
          feedback: check.feedback,
          model: check.model,
          error: check.error,
        }),
      );
    } else {
      const { run } = source;
      const messages = messagesOf(run.messages ?? [], `judge-${run.id}`);
      if (messages.length === 0) continue;
      drafts.push(
        viewEvent(`judge-run-${run.id}`, source.time, "judge", `Judge Run ${source.number}`, writer.reset("judge", messages), {
          run_id: run.id,
          status: run.status,
          judge_model: run.judgeModel,
        }),
      );
    }
  }
  return drafts;
}

/**
 * Merges the timed extra events into the audit's events by time and makes timestamps
 * non-decreasing: the viewer sorts events by timestamp (stably), so this keeps the replay order.
 */
function inOrder(main: DraftEvent[], extra: DraftEvent[]): PetriEvent[] {
  const merged: DraftEvent[] = [];
  let j = 0;
  for (const draft of main) {
    while (j < extra.length && Date.parse(extra[j]!.time) < Date.parse(draft.time)) merged.push(extra[j++]!);
    merged.push(draft);
  }
  merged.push(...extra.slice(j));
  let last = 0;
  return merged.map(({ event, time }) => {
    const ms = Math.max(last, Date.parse(time) || last);
    last = ms;
    return { ...event, timestamp: new Date(ms).toISOString() };
  });
}

function latestTime(times: Array<string | null>): string {
  return new Date(Math.max(...times.filter((t): t is string => t !== null).map((t) => Date.parse(t) || 0))).toISOString();
}

export function buildPetriTranscript(data: ExportData): PetriTranscript {
  const bySeq = new Map<number, StoredMessage>();
  for (const view of Object.keys(data.messages) as TreeView[]) for (const m of data.messages[view]) bySeq.set(m.seq, m);
  const exported = new Map<number, PetriMessage>();
  const message = (seq: number): PetriMessage | undefined => {
    const cached = exported.get(seq);
    if (cached) return cached;
    const stored = bySeq.get(seq);
    const petri = stored ? toPetriMessage(stored.message, `message-${seq}`) : null;
    if (petri) exported.set(seq, petri);
    return petri ?? undefined;
  };
  const writer = new PatchWriter();
  const events = inOrder(storedEvents(data, message, writer), judgeAndRealismEvents(data, writer));
  const branchOf = (view: TreeView) => currentBranch(data, view).map((m) => message(m.seq)).filter((m): m is PetriMessage => m !== undefined);

  const { audit } = data;
  const run = latestScoredRun(data.judgeRuns);
  // That judge's latest valid score per dimension: a later run on a subset of dimensions hides none of the earlier scores.
  const merged = run ? mergedScoresOf(data.judgeRuns, run.judgeModel) : {};
  const jury = auditJury(data.judgeRuns);
  return {
    metadata: {
      transcript_id: audit.id,
      auditor_model: audit.auditorModel,
      target_model: audit.targetModel,
      created_at: new Date(Date.parse(audit.createdAt)).toISOString(),
      updated_at: latestTime([audit.updatedAt, ...data.judgeRuns.map((r) => r.finishedAt ?? r.startedAt), ...data.realismChecks.map((c) => c.createdAt)]),
      version: "v3.0",
      seed_instruction: audit.seedInstruction,
      description: audit.seedInstruction,
      tags: audit.tags,
      judge_output: run ? petriJudgeOutput({ ...run, scores: Object.fromEntries(Object.entries(merged).map(([name, s]) => [name, s.score])) }) : null,
      petri_mcp: {
        version: VERSION,
        seed_id: audit.seedId,
        status: audit.status,
        status_reason: audit.statusReason,
        turns_used: audit.turnsUsed,
        max_turns: audit.maxTurns,
        turn_limit: audit.turnLimit,
        target_config: audit.targetConfig,
        target_display_name: audit.targetDisplayName,
        judge_run: run ? { id: run.id, status: run.status, judge_model: run.judgeModel, judge_config: run.judgeConfig, missing_dimensions: run.missing ?? [] } : null,
        score_runs: Object.fromEntries(Object.entries(merged).map(([name, s]) => [name, s.runId])),
        jury: jury.jurors.length >= 2 ? { scores: jury.scores, judges: jury.jurors.map((j) => j.judgeModel), excluded: jury.excluded.map((j) => j.judgeModel) } : null,
      },
    },
    events,
    messages: branchOf("auditor"),
    target_messages: branchOf("target"),
  };
}
