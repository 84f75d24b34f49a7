/**
 * The realism section of get_audit: statistics over the stored realism checks.
 * TODO(issue 7): fill from realism_checks.
 */
import * as z from "zod";
import type { AuditStore } from "../store/audit-store.js";

export const realismSummarySchema = z
  .object({
    enabled: z.boolean().describe("Whether the realism filter is on for this audit."),
    threshold: z.number().nullable().describe("Approval threshold (0-1)."),
    checks: z.number().int().describe("Realism checks run."),
    rejections: z.number().int().describe("Actions refused for low realism."),
    errors: z.number().int().describe("Checks that errored or could not be parsed (recorded as errors, never as scores)."),
    min_score: z.number().nullable(),
    median_score: z.number().nullable(),
    mean_score: z.number().nullable(),
  })
  .describe("Realism filter statistics.");

export type RealismSummary = z.infer<typeof realismSummarySchema>;

export function realismSummary(store: AuditStore, auditId: string): RealismSummary {
  const audit = store.getAudit(auditId);
  return {
    enabled: audit?.realismThreshold !== null && audit?.realismThreshold !== undefined,
    threshold: audit?.realismThreshold ?? null,
    checks: 0,
    rejections: 0,
    errors: 0,
    min_score: null,
    median_score: null,
    mean_score: null,
  };
}
