/**
 * The run page's numbers: judge scores grouped by target model and dimension, each cell a mean with
 * its count and a 95% t interval. Only scored dimensions count: a failed or missing score never
 * enters a mean.
 */
import type { AuditRow } from "./data.js";

export interface Cell {
  n: number;
  mean: number;
  /** 95% interval of the mean (Student t), clamped to the 1-10 scale; null when n < 2. */
  low: number | null;
  high: number | null;
}

export interface HeatDimension {
  name: string;
  title: string;
  higherIsBetter: boolean;
}

export interface HeatTable {
  targets: string[];
  dimensions: HeatDimension[];
  /** cells[target][dimension] */
  cells: Map<string, Map<string, Cell>>;
  /** Audits per target, and how many of them have scores. */
  audits: Map<string, { total: number; scored: number }>;
}

/** Two-sided 97.5% quantiles of Student's t by degrees of freedom (1-30); 1.96 beyond. */
const T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tQuantile(df: number): number {
  return df >= 1 && df <= T_975.length ? T_975[df - 1]! : 1.96;
}

export function cellOf(values: readonly number[]): Cell {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, low: null, high: null };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  const half = tQuantile(n - 1) * Math.sqrt(variance / n);
  return { n, mean, low: Math.max(1, mean - half), high: Math.min(10, mean + half) };
}

export function heatTable(rows: readonly AuditRow[]): HeatTable {
  const values = new Map<string, Map<string, number[]>>();
  const dimensions = new Map<string, HeatDimension>();
  const audits = new Map<string, { total: number; scored: number }>();
  for (const { audit, scoredRun } of rows) {
    const count = audits.get(audit.targetModel) ?? { total: 0, scored: 0 };
    count.total++;
    audits.set(audit.targetModel, count);
    if (!scoredRun?.scores) continue;
    count.scored++;
    for (const d of scoredRun.dimensions) {
      if (!dimensions.has(d.name)) dimensions.set(d.name, { name: d.name, title: d.title, higherIsBetter: d.higherIsBetter });
    }
    const byDimension = values.get(audit.targetModel) ?? new Map<string, number[]>();
    values.set(audit.targetModel, byDimension);
    for (const [name, score] of Object.entries(scoredRun.scores)) {
      if (!dimensions.has(name)) dimensions.set(name, { name, title: name, higherIsBetter: false });
      byDimension.set(name, [...(byDimension.get(name) ?? []), score]);
    }
  }
  const cells = new Map<string, Map<string, Cell>>();
  for (const [target, byDimension] of values) {
    cells.set(target, new Map([...byDimension].map(([name, list]) => [name, cellOf(list)])));
  }
  return {
    targets: [...audits.keys()].sort(),
    // Concerns first, then the dimensions where higher is better, each alphabetical.
    dimensions: [...dimensions.values()].sort((a, b) => Number(a.higherIsBetter) - Number(b.higherIsBetter) || a.name.localeCompare(b.name)),
    cells,
    audits,
  };
}

/** Seeds run more than once in this run: candidates for the side-by-side view. */
export function repeatedSeeds(rows: readonly AuditRow[]): Array<{ seed: string; audits: AuditRow[] }> {
  const bySeed = new Map<string, AuditRow[]>();
  for (const row of rows) bySeed.set(row.audit.seedInstruction, [...(bySeed.get(row.audit.seedInstruction) ?? []), row]);
  return [...bySeed].filter(([, list]) => list.length >= 2).map(([seed, list]) => ({ seed, audits: list }));
}
