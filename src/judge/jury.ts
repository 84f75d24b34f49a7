/**
 * Which judge runs' scores count for an audit, in one place (get_audit, the exports, the runner's
 * summary, the run report and the CLI all read them from here).
 *
 * Each judge model is one juror. A juror's score on a dimension comes from its latest run that
 * validly scored that dimension (complete or partial), so re-judging on a subset of dimensions
 * never hides the earlier run's other scores; every score names the run it came from. The audit's
 * score on a dimension is the median across the jurors that scored it (the mean is reported too).
 * A juror with runs but no valid score is excluded and named, never counted.
 */
import { mean, median } from "../util/numbers.js";
import { parseModelName } from "../models/registry.js";
import type { JudgeRunRecord } from "./runs.js";

export interface SourcedScore {
  score: number;
  runId: string;
  judgeModel: string;
}

export interface Juror {
  judgeModel: string;
  /** Dimension → the score and the run it came from. */
  scores: Record<string, SourcedScore>;
}

export interface ExcludedJuror {
  judgeModel: string;
  /** The latest run's status (failed, interrupted or running) and error. */
  status: string;
  error: string | null;
  runId: string;
}

export interface JuryScore {
  median: number;
  mean: number;
  /** Jurors that scored the dimension. */
  judges: number;
}

export interface AuditJury {
  jurors: Juror[];
  excluded: ExcludedJuror[];
  /** Dimension → the jury's median and mean. */
  scores: Record<string, JuryScore>;
  /** Dimension → whether a high score is good (admirable, realism), from the runs' rubrics. */
  higherIsBetter: Record<string, boolean>;
}

const SCORED = new Set(["complete", "partial"]);

/** What the jury reads of a judge run (a JudgeRunRecord has it; the run report reads only this from the store). */
export type JuryRun = Pick<JudgeRunRecord, "id" | "status" | "judgeModel" | "scores" | "error" | "startedAt"> & {
  dimensions: ReadonlyArray<{ name: string; higherIsBetter: boolean }>;
};

function newestFirst<R extends JuryRun>(runs: readonly R[]): R[] {
  return [...runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/** One juror's scores: per dimension, its latest run that scored it. `runs` newest first, all of one model. */
function jurorScores(runs: readonly JuryRun[]): Record<string, SourcedScore> {
  const scores: Record<string, SourcedScore> = {};
  for (const run of runs) {
    if (!SCORED.has(run.status)) continue;
    for (const [name, score] of Object.entries(run.scores ?? {})) {
      scores[name] ??= { score, runId: run.id, judgeModel: run.judgeModel };
    }
  }
  return scores;
}

/** The jury of an audit from its judge runs (any order). */
export function auditJury(runs: readonly JuryRun[]): AuditJury {
  const byModel = new Map<string, JuryRun[]>();
  for (const run of newestFirst(runs)) {
    const list = byModel.get(run.judgeModel) ?? [];
    list.push(run);
    byModel.set(run.judgeModel, list);
  }
  const jurors: Juror[] = [];
  const excluded: ExcludedJuror[] = [];
  const higherIsBetter: Record<string, boolean> = {};
  for (const [judgeModel, list] of byModel) {
    for (const run of list) for (const d of run.dimensions) higherIsBetter[d.name] ??= d.higherIsBetter;
    const scores = jurorScores(list);
    if (Object.keys(scores).length > 0) jurors.push({ judgeModel, scores });
    else excluded.push({ judgeModel, status: list[0]!.status, error: list[0]!.error, runId: list[0]!.id });
  }
  jurors.sort((a, b) => a.judgeModel.localeCompare(b.judgeModel));
  excluded.sort((a, b) => a.judgeModel.localeCompare(b.judgeModel));
  const names = new Set(jurors.flatMap((j) => Object.keys(j.scores)));
  const scores: Record<string, JuryScore> = {};
  for (const name of [...names].sort()) {
    const values = jurors.map((j) => j.scores[name]?.score).filter((v): v is number => v !== undefined);
    scores[name] = { median: median(values)!, mean: mean(values)!, judges: values.length };
  }
  return { jurors, excluded, scores, higherIsBetter };
}

/**
 * The scores of one judge model merged across its runs (latest valid score per dimension, with its
 * run): what a single-judge view (get_audit, exports) shows for the model of `run`.
 */
export function mergedScoresOf(runs: readonly JuryRun[], judgeModel: string): Record<string, SourcedScore> {
  return jurorScores(newestFirst(runs).filter((r) => r.judgeModel === judgeModel));
}

/** The `count` highest jury medians of dimensions where a high score is bad, highest first (ties by name). */
export function topJuryScores(jury: AuditJury, count = 3): Array<[string, number]> {
  return Object.entries(jury.scores)
    .filter(([name]) => !jury.higherIsBetter[name])
    .map(([name, s]): [string, number] => [name, s.median])
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .slice(0, count);
}

const FAMILIES: Array<[RegExp, string]> = [
  [/claude|anthropic/, "anthropic"],
  [/gpt|(^|\/)o\d|openai|chatgpt|davinci/, "openai"],
  [/gemini|gemma|palm|google/, "google"],
  [/llama|meta/, "meta"],
  [/mistral|mixtral|codestral|magistral/, "mistral"],
  [/qwen|qwq/, "qwen"],
  [/deepseek/, "deepseek"],
  [/grok|xai/, "xai"],
  [/command|cohere/, "cohere"],
  [/kimi|moonshot/, "moonshot"],
];

/**
 * The provider family of a model name, for the self-preference flag: known model lines by name
 * (so `openai-api/openrouter/anthropic/claude-x` is anthropic), else the provider (or the
 * openai-api service); a `mockllm/...` model is a family of its own.
 */
export function modelFamily(name: string): string {
  let provider = name.split("/")[0] ?? name;
  let model = name;
  try {
    const parsed = parseModelName(name);
    provider = parsed.provider === "openai-api" ? (parsed.service ?? parsed.provider) : parsed.provider;
    model = parsed.model;
  } catch {
    // An unparseable name still gets a family from its text.
  }
  // Each offline mock is its own family: no provider stands behind it.
  if (provider === "mockllm") return name.trim();
  const text = model.toLowerCase();
  for (const [pattern, family] of FAMILIES) if (pattern.test(text)) return family;
  return provider.toLowerCase();
}

/** Whether a judge may favour the target: same provider family. */
export function selfPreference(judgeModel: string, targetModel: string): boolean {
  return modelFamily(judgeModel) === modelFamily(targetModel);
}
