/**
 * The realism section of get_audit: statistics over the stored realism checks. Scores come only
 * from checks that produced one; errored checks are counted apart and never enter the statistics.
 */
import type { StoreSession } from "../store/types.js";

/** The realism section of get_audit (its MCP output schema is realismSummarySchema in src/tools/audits/schemas.ts). */
export interface RealismSummary {
  enabled: boolean;
  threshold: number | null;
  checks: number;
  rejections: number;
  errors: number;
  min_score: number | null;
  median_score: number | null;
  mean_score: number | null;
}

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
