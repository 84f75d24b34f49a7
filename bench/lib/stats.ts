/**
 * Small statistics for benchmark figures: percentiles of one sample, and the spread (median, min,
 * max) of a figure over repeated rounds.
 */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The p-th percentile (0-100) of `values`, nearest-rank on a sorted copy. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("percentile of an empty sample");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of an empty sample");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Element-wise ratio of two equally long series (one value per round). */
export function ratios(values: readonly number[], baselines: readonly number[]): number[] {
  if (values.length !== baselines.length) throw new Error("ratio of series of different lengths");
  return values.map((v, i) => v / baselines[i]!);
}

/** Milliseconds since `start` (a performance.now() reading). */
export function since(start: number): number {
  return performance.now() - start;
}
