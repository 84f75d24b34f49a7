/** Prints the figures as a table and writes them, with the machine and date, to results.local.json. */
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

function addedText(f: Figure): string {
  return f.added ? `${f.added.spread.median >= 0 ? "+" : ""}${spreadText(f.added.spread)} ${f.added.unit}` : "-";
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => cell.padEnd(widths[col]!)).join("  ").trimEnd()).join("\n");
}

export function formatTable(figures: readonly Figure[]): string {
  const header = ["figure", "petri-mcp", "baseline", "added", "ratio median [min-max]", "target", "result"];
  const rows = figures.map((f) => [
    f.label,
    measureText(f.value),
    `${measureText(f.baseline)} (${f.baseline.label})`,
    addedText(f),
    `${spreadText(f.ratio)} ${f.ratioLabel}`,
    describeTarget(f.target, f.value.unit),
    f.status === "info" ? "-" : f.status.toUpperCase(),
  ]);
  const table = pad([header, ...rows]);
  const notes = figures.flatMap((f) => f.notes.map((n) => `- ${f.label}: ${n}`));
  return notes.length > 0 ? `${table}\n\nNotes:\n${notes.join("\n")}` : table;
}

/**
 * Where a run's results go: always bench/results.local.json, which git ignores. The committed
 * record is the table in README.md and docs/performance.md, which `npm run bench:readme` rewrites
 * from this file.
 */
export const RESULTS_FILE = "results.local.json";

export function writeResults(path: string, results: Results): void {
  writeFileSync(path, JSON.stringify(results, null, 2) + "\n");
}

/** The same table in Markdown, for docs/performance.md; notes as a list, or folded in a <details>. */
export function formatMarkdown(figures: readonly Figure[], options: { notesInDetails?: boolean } = {}): string {
  const lines = [
    "| Figure | petri-mcp | Baseline | Added per call, median [min-max] | Ratio, median [min-max] | Target | Result |",
    "|---|---|---|---|---|---|---|",
    ...figures.map(
      (f) =>
        `| ${cell(f.label)} | ${measureText(f.value)} | ${measureText(f.baseline)} (${cell(f.baseline.label)}) | ${addedText(f)} | ${spreadText(f.ratio)} ${cell(f.ratioLabel)} | ${cell(describeTarget(f.target, f.value.unit))} | ${resultText(f)} |`,
    ),
  ];
  const notes = figures.flatMap((f) => f.notes.map((n) => `- *${f.label}*: ${n}`));
  if (notes.length === 0) return lines.join("\n");
  if (options.notesInDetails) return `${lines.join("\n")}\n\n<details><summary>Notes of this run (profiles and experiments)</summary>\n\n${notes.join("\n")}\n\n</details>`;
  return `${lines.join("\n")}\n\n${notes.join("\n")}`;
}

/** The short table of README.md: one row per figure. */
export function formatReadmeTable(figures: readonly Figure[]): string {
  return [
    "| figure | petri-mcp vs baseline | added | ratio, median [min-max] | target | result |",
    "|---|---|---|---|---|---|",
    ...figures.map(
      (f) =>
        `| ${cell(f.label)} | ${measureText(f.value)} vs ${measureText(f.baseline)} (${cell(f.baseline.label)}) | ${addedText(f)} | ${spreadText(f.ratio)} ${cell(f.ratioLabel)} | ${cell(describeTarget(f.target, f.value.unit))} | ${resultText(f)} |`,
    ),
  ].join("\n");
}

const cell = (text: string) => text.replace(/\|/g, "\\|");
const resultText = (f: Figure) => (f.status === "info" ? "-" : `**${f.status}**`);
