/**
 * A benchmark figure: what petri-mcp measured, the baseline measured in the same run, their ratio
 * per round (median, min, max) and the target it is held to.
 */
import type { Spread } from "./stats.js";

export interface Measure {
  label: string;
  unit: string;
  spread: Spread;
}

export interface Target {
  /** Which number the target constrains: the ratio, or petri-mcp's own value. */
  on: "ratio" | "value";
  op: "<=" | ">=" | "<";
  limit: number;
}

export type Status = "pass" | "miss" | "info";

export interface Figure {
  id: string;
  group: string;
  label: string;
  value: Measure;
  baseline: Measure;
  /** What the ratio means, e.g. "petri-mcp / direct SDK". */
  ratioLabel: string;
  ratio: Spread;
  /** For fixed costs: what petri-mcp adds to the baseline per call (value - baseline), e.g. ms per turn. */
  added?: { unit: string; spread: Spread };
  rounds: number;
  /** How many individual samples the figure's value is taken from (a p95 needs >= 200). */
  samples?: number;
  target?: Target;
  status: Status;
  /** Why a figure misses its target (what a profile says dominates), or other facts worth knowing. */
  notes: string[];
}

export type FigureInput = Omit<Figure, "status" | "notes"> & { notes?: string[] };

function holds(value: number, target: Target): boolean {
  if (target.op === "<=") return value <= target.limit;
  if (target.op === ">=") return value >= target.limit;
  return value < target.limit;
}

/** The figure with its status: judged on the median of the constrained number. */
export function figure(input: FigureInput): Figure {
  const { target } = input;
  let status: Status = "info";
  if (target) status = holds(target.on === "ratio" ? input.ratio.median : input.value.spread.median, target) ? "pass" : "miss";
  return { ...input, status, notes: input.notes ?? [] };
}

export function describeTarget(target: Target | undefined, unit: string): string {
  if (!target) return "-";
  return target.on === "ratio" ? `ratio ${target.op} ${target.limit}` : `${target.op} ${target.limit} ${unit}`;
}
