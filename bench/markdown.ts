/**
 * Prints the latest figures (bench/results.json) as the Markdown table and machine line that
 * docs/performance.md shows:  node --import tsx bench/markdown.ts
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./lib/petri-process.js";
import { formatMarkdown, type Results } from "./lib/report.js";

const results = JSON.parse(readFileSync(join(ROOT, "bench", "results.json"), "utf8")) as Results;
const { machine } = results;
console.log(
  `Measured ${results.date.slice(0, 10)} on ${machine.cpuModel}, ${machine.cpus} CPUs, ${machine.memoryGiB} GiB RAM, Node ${machine.node} (${machine.platform}, kernel ${machine.kernel}); the whole run took ${results.durationSeconds} s.\n`,
);
console.log(formatMarkdown(results.figures));
