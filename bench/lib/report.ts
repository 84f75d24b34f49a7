/** Prints the figures as a table and writes them, with the machine and date, to results.json. */
import { writeFileSync } from "node:fs";
import { describeTarget, type Figure, type Measure } from "./figures.js";
import type { Machine } from "./machine.js";
import type { Spread } from "./stats.js";

export interface Results {
  date: string;
  command: string;
  machine: Machine;
  durationSeconds: number;
  figures: Figure[];
}

function round(n: number): string {
  if (n === 0) return "0";
  const abs = Math.abs(n);
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n.toPrecision(2);
}

function spreadText(s: Spread): string {
  return `${round(s.median)} [${round(s.min)}-${round(s.max)}]`;
}

function measureText(m: Measure): string {
  return `${round(m.spread.median)} ${m.unit}`;
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => cell.padEnd(widths[col]!)).join("  ").trimEnd()).join("\n");
}

export function formatTable(figures: readonly Figure[]): string {
  const header = ["figure", "petri-mcp", "baseline", "ratio median [min-max]", "target", "result"];
  const rows = figures.map((f) => [
    f.label,
    measureText(f.value),
    `${measureText(f.baseline)} (${f.baseline.label})`,
    `${spreadText(f.ratio)} ${f.ratioLabel}`,
    describeTarget(f.target, f.value.unit),
    f.status === "info" ? "-" : f.status.toUpperCase(),
  ]);
  const table = pad([header, ...rows]);
  const notes = figures.flatMap((f) => f.notes.map((n) => `- ${f.label}: ${n}`));
  return notes.length > 0 ? `${table}\n\nNotes:\n${notes.join("\n")}` : table;
}

/**
 * Where a run's results go: bench/results.local.json (ignored by git), unless a full run is asked
 * to `--record` the committed figures in bench/results.json.
 */
export function resultsFile(options: { quick?: boolean; only?: string; record?: boolean }): string {
  if (options.record && (options.quick || options.only)) throw new Error("--record needs a full run (no --quick or --only).");
  return options.record ? "results.json" : "results.local.json";
}

export function writeResults(path: string, results: Results): void {
  writeFileSync(path, JSON.stringify(results, null, 2) + "\n");
}

/** The same table in Markdown, for docs/performance.md. */
export function formatMarkdown(figures: readonly Figure[]): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  const lines = [
    "| Figure | petri-mcp | Baseline | Ratio, median [min-max] | Target | Result |",
    "|---|---|---|---|---|---|",
    ...figures.map(
      (f) =>
        `| ${cell(f.label)} | ${measureText(f.value)} | ${measureText(f.baseline)} (${cell(f.baseline.label)}) | ${spreadText(f.ratio)} ${cell(f.ratioLabel)} | ${cell(describeTarget(f.target, f.value.unit))} | ${f.status === "info" ? "-" : `**${f.status}**`} |`,
    ),
  ];
  const notes = figures.flatMap((f) => f.notes.map((n) => `- *${f.label}*: ${n}`));
  return notes.length > 0 ? `${lines.join("\n")}\n\n${notes.join("\n")}` : lines.join("\n");
}
