/**
 * `npm run bench:readme`: copies the figures of the last run (bench/results.local.json, or the file
 * given as the first argument) into README.md and docs/performance.md, between their
 * `<!-- bench:start -->` and `<!-- bench:end -->` markers. Nothing else in either file changes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./lib/petri-process.js";
import { formatMarkdown, formatReadmeTable, RESULTS_FILE, type Results } from "./lib/report.js";

const START = "<!-- bench:start -->";
const END = "<!-- bench:end -->";

/** `text` with what lies between the markers replaced by `body`; throws when the markers are missing. */
export function replaceBetweenMarkers(text: string, body: string, file: string): string {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${file} has no ${START} ... ${END} section`);
  return `${text.slice(0, start + START.length)}\n${body.trim()}\n${text.slice(end)}`;
}

function machineLine(results: Results): string {
  const { machine } = results;
  const load = machine.loadAverage === undefined ? "" : `, load average ${machine.loadAverage} at the start`;
  return `Measured ${results.date.slice(0, 10)} with \`${results.command}\` on ${machine.cpuModel}, ${machine.cpus} CPUs, ${machine.memoryGiB} GiB RAM, Node ${machine.node} (${machine.platform})${load}; the run took ${results.durationSeconds} s.`;
}

function main(): void {
  const source = process.argv[2] ?? join(ROOT, "bench", RESULTS_FILE);
  const results = JSON.parse(readFileSync(source, "utf8")) as Results;
  const updates: Array<[string, string]> = [
    ["README.md", `${machineLine(results)} Every figure is a ratio against a baseline measured in the same run.\n\n${formatReadmeTable(results.figures)}`],
    [join("docs", "performance.md"), `${machineLine(results)}\n\n${formatMarkdown(results.figures, { notesInDetails: true })}`],
  ];
  for (const [file, body] of updates) {
    const path = join(ROOT, file);
    writeFileSync(path, replaceBetweenMarkers(readFileSync(path, "utf8"), body, file));
    console.log(`updated ${file} from ${source}`);
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) main();
