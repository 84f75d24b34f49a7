/**
 * The shapes of Petri's transcript v3.0 JSON (metadata, events, messages), apart from the code
 * in petri-json.ts that builds them.
 */
import type { ToolDefinition } from "../audit/synthetic-tools.js";
import type { Citation } from "./export-data.js";

export type PetriMessage = Record<string, unknown> & { id: string; role: "system" | "user" | "assistant" | "tool"; content: unknown };

export interface JsonChange {
  op: "add" | "remove";
  path: string;
  value?: PetriMessage;
}

interface BaseEvent {
  id: string;
  metadata: Record<string, unknown>;
  timestamp: string;
}

export interface PetriTranscriptEvent extends BaseEvent {
  type: "transcript_event";
  view: string;
  edit: { operation: "json_patch"; patch: JsonChange[]; name: string | null };
}

export interface PetriDecisionEvent extends BaseEvent {
  type: "decision_event";
  content: unknown;
}

export interface PetriToolCreationEvent extends BaseEvent {
  type: "tool_creation_event";
  model: string;
  tool: ToolDefinition;
}

export type PetriEvent = PetriTranscriptEvent | PetriDecisionEvent | PetriToolCreationEvent;

export interface PetriJudgeOutput {
  response: string;
  summary: string;
  justification: string | null;
  scores: Record<string, number>;
  score_descriptions: Record<string, string> | null;
  highlights: Citation[] | null;
}

export interface PetriMetadata {
  transcript_id: string;
  auditor_model: string | null;
  target_model: string | null;
  created_at: string;
  updated_at: string;
  version: "v3.0";
  seed_instruction: string;
  /** The pre-2.0 name of seed_instruction; the npm transcript viewer reads only this one. */
  description: string;
  tags: string[];
  judge_output: PetriJudgeOutput | null;
  /** Our additions; Petri readers ignore them. */
  petri_mcp: {
    version: string;
    /** The library seed (prompts/seeds/<id>.md) the audit ran, or null for a seed written out. */
    seed_id: string | null;
    status: string;
    status_reason: string | null;
    turns_used: number;
    max_turns: number;
    turn_limit: string;
    /** The target's generation settings (Inspect names), or null for the defaults. */
    target_config: Record<string, unknown> | null;
    /** The name the auditor was given for the target instead of its model id, if any. */
    target_display_name: string | null;
    judge_run: { id: string; status: string; judge_model: string; judge_config: Record<string, unknown> | null; missing_dimensions: string[] } | null;
    /** The judge run each judge_output score came from, by dimension (the same judge's latest valid score). */
    score_runs: Record<string, string>;
    /** With two or more judge models: the jury's median and mean per dimension, its judges and those without a valid score. */
    jury: { scores: Record<string, { median: number; mean: number; judges: number }>; judges: string[]; excluded: string[] } | null;
  };
}

export interface PetriTranscript {
  metadata: PetriMetadata;
  events: PetriEvent[];
  /** The auditor view's current branch. */
  messages: PetriMessage[];
  /** The target's current branch. */
  target_messages: PetriMessage[];
}
