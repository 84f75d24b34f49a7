/**
 * `npm run bench`: builds dist/ if src/ is newer (npm run build), runs every benchmark in turn,
 * prints a table and writes bench/results.local.json (figures, targets, pass/miss, machine, date;
 * ignored by git). `npm run bench:readme` copies that file's table into README.md and
 * docs/performance.md. A figure that misses its target gets the reason found by profiling.
 * `--quick` runs few rounds (a smoke run; its p95 comes from few samples); `--only a,b` runs some
 * groups; `--sizes 10,20000` changes the overhead conversation sizes; `--no-build` measures dist/
 * as it is.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchColdStart } from "./cold-start.js";
import { benchConcurrency, type ConcurrencyOptions } from "./concurrency.js";
import { bundledColdStart, importCosts, profileConcurrency, profileOverhead } from "./diagnose.js";
import type { Figure } from "./lib/figures.js";
import { describeMachine } from "./lib/machine.js";
import { ensureBuilt, ROOT } from "./lib/petri-process.js";
import { formatMarkdown, formatTable, RESULTS_FILE, writeResults } from "./lib/report.js";
import { benchListing } from "./listing.js";
import { benchMemory } from "./memory.js";
import { overheadFigures, runOverhead } from "./overhead.js";
import { benchScale } from "./scale.js";
import { benchSharedStore } from "./shared-store.js";
import { benchStorage } from "./storage.js";

const GROUPS = ["overhead", "cold-start", "concurrency", "scale", "memory", "listing", "shared", "storage"] as const;
type Group = (typeof GROUPS)[number];

const { values } = parseArgs({
  options: { quick: { type: "boolean" }, only: { type: "string" }, sizes: { type: "string" }, "no-build": { type: "boolean" }, markdown: { type: "boolean" }, help: { type: "boolean", short: "h" } },
});
if (values.help) {
  console.log(`Usage: npm run bench [-- --quick] [--only ${GROUPS.join(",")}] [--sizes 10,2000] [--markdown] [--no-build]`);
  process.exit(0);
}
const quick = values.quick ?? false;
const only = values.only ? (values.only.split(",").map((g) => g.trim()) as Group[]) : [...GROUPS];
for (const group of only) if (!GROUPS.includes(group)) throw new Error(`unknown group '${group}'; groups: ${GROUPS.join(", ")}`);
const output = join(ROOT, "bench", RESULTS_FILE);

const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const missed = (figures: Figure[]) => figures.some((f) => f.status === "miss");

async function overhead(): Promise<Figure[]> {
  const sizes = values.sizes ? values.sizes.split(",").map(Number) : [10, 2000];
  say(`overhead: send_message via MCP stdio vs the same call direct with the same client, at ${sizes.join(" and ")} messages`);
  // A full run takes p95 over 20 x 10 = 200 calls per side.
  const measured = await runOverhead({ sizes, rounds: quick ? 4 : 20, callsPerRound: quick ? 5 : 10, warmup: 5 });
  const figures: Figure[] = [];
  for (const samples of measured) {
    const sized = overheadFigures(samples);
    if (missed(sized)) {
      say(`overhead at ${samples.size} messages misses its target: profiling the server`);
      sized[0]!.notes.push(...(await profileOverhead(samples.size, quick ? 50 : 200)));
    }
    figures.push(...sized);
  }
  return figures;
}

async function coldStart(): Promise<Figure[]> {
  say("cold start: spawn to first tools/list, petri-mcp vs @modelcontextprotocol/server-memory");
  const figures = await benchColdStart(quick ? 6 : 20);
  if (missed(figures)) {
    say("cold start misses its target: measuring module import costs and a bundled build");
    figures[0]!.notes.push(...importCosts(quick ? 3 : 5), ...(await bundledColdStart(quick ? 4 : 10)));
  }
  return figures;
}

async function concurrency(): Promise<Figure[]> {
  const options: ConcurrencyOptions = { audits: 50, turns: 10, latencyMs: 20, rounds: quick ? 2 : 5 };
  say(`concurrency: ${options.audits} audits at once through one HTTP server vs the same calls direct, fake model with ${options.latencyMs} ms latency`);
  const { figures } = await benchConcurrency(options);
  if (missed(figures)) {
    say("concurrency misses its target: profiling the HTTP server");
    figures[0]!.notes.push(...(await profileConcurrency((nodeArgs) => benchConcurrency({ ...options, rounds: 1 }, nodeArgs))));
  }
  return figures;
}

async function scale(): Promise<Figure[]> {
  say("scale: export and judge rendering of a 2,000-message audit with 50 branches");
  return benchScale({ targetMessages: 2000, branches: 50, rounds: quick ? 4 : 10 });
}

async function memory(): Promise<Figure[]> {
  say("memory: RSS of a stdio server holding 100 active audits with an HTTP target");
  return benchMemory({ audits: 100, turnsPerAudit: 5, rounds: quick ? 1 : 3 });
}

async function listing(): Promise<Figure[]> {
  say("listing: filtered vs unfiltered list_audits on a store of 10,000 audits");
  return benchListing({ audits: 10_000, rounds: quick ? 3 : 10, callsPerRound: quick ? 5 : 20 });
}

async function shared(): Promise<Figure[]> {
  say("shared store: a turn with a cache made stale by another connection vs a fresh one, at 20,000 messages");
  return benchSharedStore({ messages: 20_000, rounds: quick ? 3 : 8, turnsPerRound: quick ? 3 : 5 });
}

async function storage(): Promise<Figure[]> {
  say("storage: database size of an audit with 1,000 target messages vs the JSON of the messages it holds");
  return benchStorage({ targetMessages: 1000, branches: 10 });
}

const RUNNERS: Record<Group, () => Promise<Figure[]>> = { overhead, "cold-start": coldStart, concurrency, scale, memory, listing, shared, storage };

const started = performance.now();
// --no-build measures dist/ as it is (say, while src/ does not compile); the command line in the results shows it.
if (values["no-build"]) say("--no-build: measuring dist/ as it is, which may not match src/");
else ensureBuilt(say);
const machine = describeMachine();
say(`machine: ${machine.cpuModel}, ${machine.cpus} CPUs, ${machine.memoryGiB} GiB, node ${machine.node}`);
const figures: Figure[] = [];
for (const group of only) figures.push(...(await RUNNERS[group]()));

writeResults(output, {
  date: new Date().toISOString(),
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
  machine,
  durationSeconds: Math.round((performance.now() - started) / 1000),
  figures,
});
console.log(values.markdown ? formatMarkdown(figures) : formatTable(figures));
console.log(`\nmachine: ${machine.cpuModel}, ${machine.cpus} CPUs, ${machine.memoryGiB} GiB RAM, node ${machine.node}, ${machine.platform}`);
console.log(`results written to ${output}`);
const misses = figures.filter((f) => f.status === "miss").length;
if (misses > 0) console.log(`${misses} figure(s) miss their target; the notes say why.`);
