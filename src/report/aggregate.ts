/**
 * The run report's numbers from the collected audits (pure: no store). See docs/comparing-models.md.
 *
 * - Engagement gate: an audit that did not finish (failed, interrupted, budget-stopped, still
 *   active) or whose target replied fewer than `minTargetReplies` times is inconclusive: listed,
 *   counted apart, never averaged.
 * - An audit's score on a dimension is the median across its judges (src/judge/jury.ts).
 * - Per target × dimension: each seed's mean over its epochs, then the mean over seeds, its
 *   standard error (sd of the seed means / √seeds) and the t-based 95% interval (seeds − 1 df).
 * - The difference between two targets is paired by seed (the seeds both have), same method.
 * - Agreement between judges per dimension over the conclusive audits: mean absolute difference
 *   and Krippendorff's alpha (interval metric). A dimension is rankable when the spread between
 *   the target means is larger than that mean absolute difference.
 */
import { modelFamily, selfPreference, topJuryScores } from "../judge/jury.js";
import { DEFAULT_MIN_TARGET_REPLIES, type RunDesign } from "../store/run-records.js";
import type { CollectedRun, ReportAudit } from "./collect.js";
import { type Estimate, krippendorffAlpha, mean, meanAbsoluteDifference, tEstimate } from "./stats.js";

export const METHOD =
  "Each audit's score is the median across the judges that scored it. Per target and dimension: the mean over seeds of each seed's mean over its epochs; " +
  "standard error = standard deviation of the seed means / √seeds; 95% interval = mean ± t(0.975, seeds − 1) × standard error (t-based over seeds). " +
  "Differences between targets are paired by seed. Inconclusive audits and missing scores are left out, never counted as 1 or 0.";

export interface AuditOutcome extends ReportAudit {
  conclusive: boolean;
  /** Why the audit is inconclusive, or null. */
  inconclusiveReason: string | null;
}

export interface TargetSummary {
  model: string;
  family: string;
  audits: number;
  conclusive: number;
  inconclusive: number;
}

export interface Cell extends Estimate {
  target: string;
  dimension: string;
  /** Seeds with at least one scored conclusive audit (the n of the interval). */
  seeds: number;
  /** Audits of this target not in the mean: inconclusive, or with no score on this dimension. */
  excluded: number;
}

export interface Difference extends Estimate {
  /** mean(a) − mean(b), paired by seed; `n` is the number of seeds both have. */
  a: string;
  b: string;
  dimension: string;
}

export interface Agreement {
  dimension: string;
  /** Conclusive audits with at least two judges' scores on this dimension. */
  units: number;
  meanAbsoluteDifference: number | null;
  krippendorffAlpha: number | null;
  /** Largest minus smallest target mean. */
  spread: number | null;
  /** spread > meanAbsoluteDifference; null without two targets or two judges. */
  rankable: boolean | null;
}

export interface JudgeSummary {
  model: string;
  family: string;
  /** Targets of the same family: this judge may favour them. */
  selfPreferenceTargets: string[];
  /** Conclusive audits this judge scored. */
  scored: number;
  /** Conclusive audits where it gave no valid score: excluded from those audits, never counted. */
  excluded: Array<{ auditId: string; status: string; error: string | null }>;
}

export interface Concerning {
  auditId: string;
  seed: string;
  epoch: number;
  /** The highest jury medians among dimensions where a high score is bad. */
  topScores: Array<[string, number]>;
}

export interface RunReportData {
  runId: string;
  design: RunDesign | null;
  minTargetReplies: number;
  method: string;
  targets: TargetSummary[];
  dimensions: string[];
  higherIsBetter: Record<string, boolean>;
  cells: Cell[];
  differences: Difference[];
  agreement: Agreement[];
  judges: JudgeSummary[];
  concerning: Record<string, Concerning[]>;
  audits: AuditOutcome[];
}

function gate(audit: ReportAudit, minReplies: number): string | null {
  if (audit.status !== "ended" && audit.status !== "max_turns") return `${audit.status}${audit.statusReason ? `: ${audit.statusReason}` : ""}`;
  if (audit.targetReplies < minReplies) return `the target replied ${audit.targetReplies} time(s), fewer than ${minReplies}`;
  return null;
}

function ordered<T>(first: readonly T[], rest: Iterable<T>): T[] {
  const out = [...first];
  for (const x of rest) if (!out.includes(x)) out.push(x);
  return out;
}

/** Seed → the mean over its epochs of the audit scores, for one target and dimension. */
function seedMeans(audits: readonly AuditOutcome[], target: string, dimension: string): Map<string, number> {
  const bySeed = new Map<string, number[]>();
  for (const a of audits) {
    const score = a.target === target && a.conclusive ? a.jury.scores[dimension]?.median : undefined;
    if (score === undefined) continue;
    bySeed.set(a.seedKey, [...(bySeed.get(a.seedKey) ?? []), score]);
  }
  return new Map([...bySeed].map(([seed, scores]) => [seed, mean(scores)!]));
}

export function aggregateRun(run: CollectedRun, options: { minTargetReplies?: number; concerningPerTarget?: number } = {}): RunReportData {
  const minTargetReplies = options.minTargetReplies ?? run.design?.minTargetReplies ?? DEFAULT_MIN_TARGET_REPLIES;
  const audits: AuditOutcome[] = run.audits.map((a) => {
    const reason = gate(a, minTargetReplies);
    return { ...a, conclusive: reason === null, inconclusiveReason: reason };
  });
  const conclusive = audits.filter((a) => a.conclusive);
  const targets = ordered(run.design?.targets ?? [], audits.map((a) => a.target));
  const higherIsBetter: Record<string, boolean> = {};
  for (const a of audits) Object.assign(higherIsBetter, a.jury.higherIsBetter);
  const dimensions = [...new Set(conclusive.flatMap((a) => Object.keys(a.jury.scores)))].sort();

  const means = new Map<string, Map<string, number>>();
  const cells: Cell[] = [];
  for (const target of targets) {
    const ofTarget = audits.filter((a) => a.target === target);
    for (const dimension of dimensions) {
      const perSeed = seedMeans(audits, target, dimension);
      means.set(`${target}\u0000${dimension}`, perSeed);
      const scored = ofTarget.filter((a) => a.conclusive && a.jury.scores[dimension] !== undefined).length;
      cells.push({ target, dimension, ...tEstimate([...perSeed.values()]), n: scored, seeds: perSeed.size, excluded: ofTarget.length - scored });
    }
  }

  const differences: Difference[] = [];
  for (let i = 0; i < targets.length; i++) {
    for (let j = i + 1; j < targets.length; j++) {
      for (const dimension of dimensions) {
        const a = means.get(`${targets[i]}\u0000${dimension}`)!;
        const b = means.get(`${targets[j]}\u0000${dimension}`)!;
        const paired = [...a.keys()].filter((seed) => b.has(seed)).map((seed) => a.get(seed)! - b.get(seed)!);
        differences.push({ a: targets[i]!, b: targets[j]!, dimension, ...tEstimate(paired) });
      }
    }
  }

  const agreement: Agreement[] = dimensions.map((dimension) => {
    const units = conclusive.map((a) => a.jury.jurors.map((j) => j.scores[dimension]?.score).filter((v): v is number => v !== undefined));
    const mad = meanAbsoluteDifference(units);
    const targetMeans = cells.filter((c) => c.dimension === dimension && c.mean !== null).map((c) => c.mean!);
    const spread = targetMeans.length >= 2 ? Math.max(...targetMeans) - Math.min(...targetMeans) : null;
    return {
      dimension,
      units: units.filter((u) => u.length >= 2).length,
      meanAbsoluteDifference: mad,
      krippendorffAlpha: krippendorffAlpha(units),
      spread,
      rankable: spread === null || mad === null ? null : spread > mad,
    };
  });

  const judgeModels = ordered(run.design?.judges ?? [], audits.flatMap((a) => [...a.jury.jurors.map((j) => j.judgeModel), ...a.jury.excluded.map((j) => j.judgeModel)]));
  const judges: JudgeSummary[] = judgeModels.map((model) => ({
    model,
    family: modelFamily(model),
    selfPreferenceTargets: targets.filter((t) => selfPreference(model, t)),
    scored: conclusive.filter((a) => a.jury.jurors.some((j) => j.judgeModel === model)).length,
    excluded: conclusive.flatMap((a) => a.jury.excluded.filter((j) => j.judgeModel === model).map((j) => ({ auditId: a.auditId, status: j.status, error: j.error }))),
  }));

  const concerning: Record<string, Concerning[]> = {};
  for (const target of targets) {
    concerning[target] = conclusive
      .filter((a) => a.target === target)
      .map((a) => ({ auditId: a.auditId, seed: a.seedLabel, epoch: a.epoch, topScores: topJuryScores(a.jury) }))
      .filter((c) => c.topScores.length > 0)
      .sort((x, y) => y.topScores[0]![1] - x.topScores[0]![1] || (y.topScores[1]?.[1] ?? 0) - (x.topScores[1]?.[1] ?? 0) || x.auditId.localeCompare(y.auditId))
      .slice(0, options.concerningPerTarget ?? 3);
  }

  return {
    runId: run.runId,
    design: run.design,
    minTargetReplies,
    method: METHOD,
    targets: targets.map((model) => {
      const ofTarget = audits.filter((a) => a.target === model);
      const ok = ofTarget.filter((a) => a.conclusive).length;
      return { model, family: modelFamily(model), audits: ofTarget.length, conclusive: ok, inconclusive: ofTarget.length - ok };
    }),
    dimensions,
    higherIsBetter,
    cells,
    differences,
    agreement,
    judges,
    concerning,
    audits,
  };
}
