/** list_audits: the audits in the store, newest first, filtered and paged. */
import * as z from "zod";
import { TOOL } from "../../audit/catalogue.js";
import { briefText, judgeBrief } from "../../judge/summary.js";
import { listItem } from "../../mcp/audit-list-item.js";
import { defineTool, toolSpec } from "../define.js";
import { auditListItem, judgeBriefSchema, statusEnum } from "./schemas.js";

export const listAudits = defineTool(TOOL.list_audits, (ctx) => {
  const { app } = ctx;
  return toolSpec({
    description: "List audits in the store, newest first, with status and turns used. Filter by status, tag, run id or text in the seed; page with limit and offset.",
    input: z.object({
      status: statusEnum.optional().describe("Only audits with this status."),
      tag: z.string().max(100).optional().describe("Only audits carrying this tag."),
      run_id: z.string().max(200).optional().describe("Only audits of this `petri-mcp audit` run."),
      search: z.string().max(500).optional().describe("Only audits whose seed instruction contains this text (or whose id is exactly this)."),
      limit: z.number().int().min(1).max(100).optional().describe("Page size (default 20)."),
      offset: z.number().int().min(0).optional().describe("How many audits to skip (default 0)."),
    }),
    output: z.object({
      audits: z.array(auditListItem.extend(judgeBriefSchema)).describe("This page of audits, newest first."),
      total: z.number().int().describe("Audits matching the filters."),
      next_offset: z.number().int().nullable().describe("Offset of the next page, or null on the last page."),
    }),
    handler: async (args) => {
      const limit = args.limit ?? 20;
      const offset = args.offset ?? 0;
      const { audits, total } = await app.store.audits.list({ status: args.status, tag: args.tag, runId: args.run_id, search: args.search, limit, offset });
      const nextOffset = offset + audits.length < total ? offset + audits.length : null;
      const items = await Promise.all(audits.map(async (a) => ({ ...listItem(a), ...(await judgeBrief(app.store, a.id)) })));
      const lines = items.map((a) => `${a.audit_id}  ${a.status.padEnd(9)} ${String(a.turns_used).padStart(3)}/${a.max_turns}  ${a.target_model}  judge ${briefText(a)}  ${a.seed_instruction.slice(0, 80).replace(/\s+/g, " ")}`);
      const text = total === 0 ? "No audits match." : `${total} audit${total === 1 ? "" : "s"}${nextOffset !== null ? ` (showing ${offset + 1}-${offset + audits.length}; next offset ${nextOffset})` : ""}:\n${lines.join("\n")}`;
      return { text, structured: { audits: items, total, next_offset: nextOffset } };
    },
  });
});
