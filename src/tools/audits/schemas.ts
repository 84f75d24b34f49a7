/** Output shapes the audit tools share: an audit's status, its listing item and model usage. */
import * as z from "zod";
import { AUDIT_STATUSES } from "../../store/types.js";

export const statusEnum = z.enum(AUDIT_STATUSES);

/** An audit as list_audits and get_audit show it (built by listItem in src/mcp/audit-list-item.ts). */
export const auditListItem = z.object({
  audit_id: z.string().describe("The audit's id, for every audit tool."),
  status: statusEnum.describe("active, or how it ended: ended, max_turns, failed, or cancelled (petri-mcp runs cancel; never judged or scored)."),
  target_model: z.string().describe("The audited model, as provider/model."),
  seed_instruction: z.string().describe("The seed instruction (first 200 characters)."),
  tags: z.array(z.string()).describe("The audit's labels."),
  turns_used: z.number().int().describe("Turns counted so far toward max_turns."),
  max_turns: z.number().int().describe("The audit's turn limit (see turn_limit in get_audit for what it counts)."),
  run_id: z.string().nullable().describe("The `petri-mcp audit` run (get_run_report), or null."),
  epoch: z.number().int().nullable().describe("Which repetition of its seed × target this audit is in its run."),
  created_at: z.string().describe("When the audit started (ISO 8601)."),
  updated_at: z.string().describe("When the audit last changed (ISO 8601)."),
});

export const usageSchema = z.object({
  role: z.string().describe("target, judge, realism or auditor."),
  calls: z.number().int().describe("Model calls made in this role."),
  errors: z.number().int().describe("Calls that failed."),
  input_tokens: z.number().int().describe("Prompt tokens, summed."),
  output_tokens: z.number().int().describe("Completion tokens, summed."),
  cache_read_tokens: z.number().int().describe("Prompt tokens read from the provider's cache, summed."),
  cache_write_tokens: z.number().int().describe("Prompt tokens written to the provider's cache, summed."),
  reasoning_tokens: z.number().int().describe("Reasoning (thinking) tokens, summed."),
  cost_usd: z.number().nullable().describe("Null when the model's price is unknown."),
  latency_ms: z.number().int().describe("Summed latency of the calls."),
});
