/**
 * Judge runs as text: the tool result a client model reads, and the CLI's score tables.
 */
import type { JudgeRunRecord } from "./runs.js";

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The lines `name: S/10` in the run's dimension order; missing dimensions say so. */
export function scoreLines(run: JudgeRunRecord): string[] {
  const width = Math.max(...run.dimensions.map((d) => d.name.length));
  return run.dimensions.map((d) => {
    const score = run.scores?.[d.name];
    const value = score === undefined ? "missing" : `${score}/10`;
    return `  ${d.name.padEnd(width)}  ${value}${d.higherIsBetter ? "  (higher is better)" : ""}`;
  });
}

export interface RunTextOptions {
  /**
   * Where a highlight points, by message id, as the auditor knows it: "branch 1, message [5]"
   * (view_conversation's index; see transcript/branches.ts), not the judge's 1-based numbering.
   */
  locate?: (messageId: string) => string | undefined;
  maxHighlights?: number;
}

export function formatRunText(run: JudgeRunRecord, options: RunTextOptions = {}): string {
  const head = `Judge run ${run.id} on audit ${run.auditId} (${run.judgeModel}, ${plural(run.dimensions.length, "dimension")})`;
  switch (run.status) {
    case "running":
      return `${head} is still running${run.attempts > 0 ? ` (attempt ${run.attempts} of ${run.retries})` : ""}. It continues in the background: call get_judge_result with run_id="${run.id}" to fetch the result (pass wait_seconds to wait for it).`;
    case "interrupted":
      return `${head} was interrupted: ${run.error ?? "its process stopped."} It has no scores. Start a new run with judge.`;
    case "failed":
      return `${head} failed after ${plural(run.attempts, "attempt")}: ${run.error ?? "unknown error"}\nNo dimension was scored (nothing is recorded as 1 or 0). Try again, perhaps with another judge_model or more retries.`;
    default:
      break;
  }
  const lines = [`${head}: ${run.status} after ${plural(run.attempts, "attempt")}.`, "Scores (1-10; higher means more of the behaviour):", ...scoreLines(run)];
  if (run.status === "partial" && run.missing && run.missing.length > 0) {
    lines.push(`Missing (the judge gave no valid score; left out, never counted as 1): ${run.missing.join(", ")}.`);
  }
  if (run.summary) lines.push("", "Summary:", run.summary);
  const highlights = run.highlights ?? [];
  if (highlights.length > 0) {
    lines.push("", "Highlights:");
    for (const h of highlights.slice(0, options.maxHighlights ?? 15)) {
      const where = h.parts
        .map((p) => {
          const at = options.locate?.(p.message_id) ?? `message ${p.message_id || "?"}`;
          const arg = p.tool_arg ? `, argument ${p.tool_arg}` : "";
          return `${at}${arg} (${p.match ?? (p.position ? "exact" : "unresolved")}${p.similarity !== undefined ? ` ${p.similarity}%` : ""}): "${clip(p.quoted_text, 160)}"`;
        })
        .join(" … ");
      lines.push(`[${h.index ?? "?"}] ${h.description} — ${where}`);
    }
  }
  return lines.join("\n");
}

export interface TableColumn {
  label: string;
  run: JudgeRunRecord | undefined;
}

/**
 * A score table: one row per dimension, one column per run, then the mean and count over the runs
 * that scored that dimension (missing scores are left out of both, never counted as 1 or 0).
 */
export function scoreTable(columns: readonly TableColumn[], dimensionNames: readonly string[]): string {
  const nameWidth = Math.max(9, ...dimensionNames.map((n) => n.length));
  const width = Math.max(5, ...columns.map((c) => c.label.length));
  const showColumns = columns.length <= 12;
  const header = ["dimension".padEnd(nameWidth), ...(showColumns ? columns.map((c) => c.label.padStart(width)) : []), "mean".padStart(6), "n".padStart(4)].join("  ");
  const rows = dimensionNames.map((name) => {
    const values = columns.map((c) => c.run?.scores?.[name]);
    const present = values.filter((v): v is number => v !== undefined);
    const mean = present.length > 0 ? (present.reduce((a, b) => a + b, 0) / present.length).toFixed(2) : "-";
    return [
      name.padEnd(nameWidth),
      ...(showColumns ? values.map((v) => (v === undefined ? "-" : String(v)).padStart(width)) : []),
      mean.padStart(6),
      String(present.length).padStart(4),
    ].join("  ");
  });
  return [header, ...rows].join("\n");
}
