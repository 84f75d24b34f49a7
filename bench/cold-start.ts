/**
 * cold start: from spawn to the answer of the first `tools/list` over stdio (initialize, then
 * notifications/initialized and tools/list, as a host does), petri-mcp (a fresh database each
 * run, so its migrations run too) versus the official @modelcontextprotocol/server-memory.
 * Runs of the two alternate; each pair gives one ratio.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { figure, type Figure } from "./lib/figures.js";
import { benchTempDir, PETRI_BIN, ROOT } from "./lib/petri-process.js";
import { ratios, since, spread } from "./lib/stats.js";

/** The server-memory bin, found through its package.json as npm would. */
export function memoryServerBin(): string {
  const require = createRequire(join(ROOT, "package.json"));
  const pkgPath = require.resolve("@modelcontextprotocol/server-memory/package.json");
  const pkg = require(pkgPath) as { bin: string | Record<string, string> };
  const bin = typeof pkg.bin === "string" ? pkg.bin : Object.values(pkg.bin)[0]!;
  return join(dirname(pkgPath), bin);
}

const STARTUP_TIMEOUT_MS = 30_000;

/** Milliseconds from spawn to the tools/list answer; the process is stopped and awaited after. */
export function timeToFirstToolsList(script: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["pipe", "pipe", "ignore"] });
    const send = (message: object) => child.stdin.write(JSON.stringify({ jsonrpc: "2.0", ...message }) + "\n");
    let buffer = "";
    let elapsed: number | undefined;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} gave no tools/list answer within ${STARTUP_TIMEOUT_MS} ms`));
    }, STARTUP_TIMEOUT_MS);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) !== -1) {
        const message = JSON.parse(buffer.slice(0, newline)) as { id?: number; result?: { tools?: unknown[] } };
        buffer = buffer.slice(newline + 1);
        if (message.id === 1) {
          send({ method: "notifications/initialized" });
          send({ id: 2, method: "tools/list", params: {} });
        } else if (message.id === 2 && message.result?.tools) {
          elapsed = since(start);
          clearTimeout(timer);
          child.stdin.end();
          child.kill("SIGTERM");
        }
      }
    });
    child.on("exit", () => (elapsed === undefined ? reject(new Error(`${script} exited before answering tools/list`)) : resolve(elapsed)));
    send({ id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "petri-bench", version: "1.0.0" } } });
  });
}

export interface PairedStarts {
  petri: number[];
  memory: number[];
}

/** Alternating cold starts of a petri-mcp entry script and server-memory, after one warm-up run each. */
export async function pairedColdStarts(petriScript: string, pairs: number): Promise<PairedStarts> {
  const dir = benchTempDir("cold");
  const memoryBin = memoryServerBin();
  const result: PairedStarts = { petri: [], memory: [] };
  const runPetri = async (i: number) => result.petri.push(await timeToFirstToolsList(petriScript, { PETRI_DB: join(dir, `petri-${i}.db`), PETRI_LOG_LEVEL: "warn", HOME: dir }));
  const runMemory = async (i: number) => result.memory.push(await timeToFirstToolsList(memoryBin, { MEMORY_FILE_PATH: join(dir, `memory-${i}.jsonl`), HOME: dir }));
  try {
    // One unmeasured run each warms the OS file cache.
    await timeToFirstToolsList(petriScript, { PETRI_DB: join(dir, "warm.db"), HOME: dir });
    await timeToFirstToolsList(memoryBin, { MEMORY_FILE_PATH: join(dir, "warm.jsonl"), HOME: dir });
    for (let i = 0; i < pairs; i++) {
      if (i % 2 === 0) {
        await runPetri(i);
        await runMemory(i);
      } else {
        await runMemory(i);
        await runPetri(i);
      }
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchColdStart(pairs: number): Promise<Figure[]> {
  const { petri, memory } = await pairedColdStarts(PETRI_BIN, pairs);
  return [
    figure({
      id: "cold_start",
      group: "cold start",
      label: "cold start to first tools/list",
      value: { label: "petri-mcp stdio, fresh database", unit: "ms", spread: spread(petri) },
      baseline: { label: "server-memory", unit: "ms", spread: spread(memory) },
      ratioLabel: "petri-mcp / server-memory",
      ratio: spread(ratios(petri, memory)),
      rounds: pairs,
      target: { on: "ratio", op: "<=", limit: 1.0 },
    }),
  ];
}
