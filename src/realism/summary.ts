/**
 * The realism section of get_audit: statistics over the stored realism checks. Scores come only
 * from checks that produced one; errored checks are counted apart and never enter the statistics.
 */
import * as z from "zod";
import type { StoreSession } from "../store/types.js";

export const realismSummarySchema = z
  .object({
    enabled: z.boolean().describe("Whether the realism filter is on for this audit."),
    threshold: z.number().nullable().describe("Approval threshold (0-1); null when the filter is off."),
    checks: z.number().int().describe("Realism checks run (approved, rejected and errored)."),
    rejections: z.number().int().describe("Actions refused for low realism."),
    errors: z.number().int().describe("Checks that errored or could not be parsed (recorded as errors, never as scores)."),
    min_score: z.number().nullable().describe("Lowest score over the checks that produced one; null when none did."),
    median_score: z.number().nullable().describe("Median score over the checks that produced one; null when none did."),
    mean_score: z.number().nullable().describe("Mean score over the checks that produced one; null when none did."),
  })
  .describe("Realism filter statistics.");

export type RealismSummary = z.infer<typeof realismSummarySchema>;

export function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function realismSummary(store: StoreSession, auditId: string): Promise<RealismSummary> {
  const audit = await store.audits.get(auditId);
  const { checks, rejections, errors, scores } = await store.realismChecks.stats(auditId);
  return {
    enabled: audit?.realismThreshold !== null && audit?.realismThreshold !== undefined,
    threshold: audit?.realismThreshold ?? null,
    checks,
    rejections,
    errors,
    min_score: scores[0] ?? null,
    median_score: median(scores),
    mean_score: scores.length > 0 ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
  };
}
