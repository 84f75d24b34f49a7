/**
 * A/B of two builds of the CLI in one run on the concurrency scenario (the measurement behind
 * docs/performance.md's "Concurrency" note): 50 MCP sessions on one `serve --http`, 10 send_message
 * each, fake model with 20 ms latency, next to the same calls made directly. The builds alternate
 * (a, b, b, a, ...); each block is a fresh server with one warm-up and `rounds` measured rounds.
 *
 *   cp dist/cli.js dist/cli-a.js   # one build ...
 *   cp dist/cli.js dist/cli-b.js   # ... and the other, after a rebuild
 *   node --import tsx bench/ab-http.ts dist/cli-a.js dist/cli-b.js [blocks per build] [rounds per block]
 */
import { resolve } from "node:path";
import { benchConcurrency, type ConcurrencyRound } from "./concurrency.js";
import { median } from "./lib/stats.js";

const [a, b, blocksArg, roundsArg] = process.argv.slice(2);
if (!a || !b) throw new Error("usage: bench/ab-http.ts <cli-a.js> <cli-b.js> [blocks per build] [rounds per block]");
const blocks = Number(blocksArg ?? 2);
const rounds = Number(roundsArg ?? 2);
const results = new Map<string, ConcurrencyRound[]>([
  [a, []],
  [b, []],
]);
for (let block = 0; block < blocks; block++) {
  for (const bin of block % 2 === 0 ? [a, b] : [b, a]) {
    const run = await benchConcurrency({ audits: 50, turns: 10, latencyMs: 20, rounds, bin: resolve(bin) });
    results.get(bin)!.push(...run.rounds);
    const line = run.rounds.map((r) => `${r.serverCpuMsPerCall.toFixed(2)} ms/send, ${Math.round(r.mcpMs)} vs ${Math.round(r.directMs)} ms`).join("; ");
    process.stderr.write(`[ab-http] ${bin}, block ${block + 1} of ${blocks}: ${line}\n`);
  }
}
const pct = (x: number) => `${Math.round(x * 100)}%`;
const fixed = (xs: number[], digits: number) => `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}]`;
const cpu = (bin: string) => median(results.get(bin)!.map((r) => r.serverCpuMsPerCall));
for (const [bin, rs] of results) {
  console.log(
    `${bin}: server CPU per send_message ${fixed(rs.map((r) => r.serverCpuMsPerCall), 2)} ms; MCP ${fixed(rs.map((r) => r.mcpMs), 0)} ms, direct ${fixed(rs.map((r) => r.directMs), 0)} ms, direct / MCP ${fixed(rs.map((r) => r.directMs / r.mcpMs), 2)}; JS thread ran ${pct(median(rs.map((r) => r.runShare)))}, waited for a CPU ${pct(median(rs.map((r) => r.waitShare)))}`,
  );
}
console.log(`server CPU per send_message, ${b} / ${a}: ${(cpu(b) / cpu(a)).toFixed(2)} (medians of ${blocks * rounds} rounds each)`);
