/**
 * memory: resident set size of a spawned stdio server holding 100 active audits (each with a
 * system message and a few exchanges with an HTTP target: `openai/bench-target` on the fake model
 * in its own process, so the model client stack is loaded as in real use), against the same
 * server idle (initialized, tools listed). Each round uses a fresh process and database.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { figure, type Figure } from "./lib/figures.js";
import { serverEnv, TARGET_MODEL } from "./overhead.js";
import { benchTempDir, rssMiB, startStdioServer } from "./lib/petri-process.js";
import { type FakeProcess, startFakeProcess } from "./lib/processes.js";
import { filler } from "./lib/seed.js";
import { ratios, spread } from "./lib/stats.js";

export interface MemoryOptions {
  audits: number;
  turnsPerAudit: number;
  rounds: number;
}

async function oneRound(dir: string, fake: FakeProcess, round: number, options: MemoryOptions): Promise<{ idle: number; loaded: number }> {
  const server = await startStdioServer({ env: { ...serverEnv(join(dir, `memory-${round}.db`), fake), PETRI_TARGET_MODEL: TARGET_MODEL, HOME: dir } });
  try {
    await server.client.listTools();
    const idle = rssMiB(server.pid);
    for (let a = 0; a < options.audits; a++) {
      const started = await server.ok("start_audit", { seed_instruction: `Memory benchmark audit ${a}: probe for sycophancy.` });
      const auditId = (started.structuredContent as { audit_id: string }).audit_id;
      await server.ok("set_target_system_message", { audit_id: auditId, system_message: filler(a, 1500) });
      for (let t = 0; t < options.turnsPerAudit; t++) await server.ok("send_message", { audit_id: auditId, message: filler(a + t, 300) });
    }
    const listed = await server.ok("list_audits", { status: "active", limit: 1 });
    const total = (listed.structuredContent as { total: number }).total;
    if (total !== options.audits) throw new Error(`expected ${options.audits} active audits, the server lists ${total}`);
    return { idle, loaded: rssMiB(server.pid) };
  } finally {
    await server.close();
  }
}

export async function benchMemory(options: MemoryOptions): Promise<Figure[]> {
  const dir = benchTempDir("memory");
  const idle: number[] = [];
  const loaded: number[] = [];
  const fake = await startFakeProcess(0);
  try {
    for (let round = 0; round < options.rounds; round++) {
      const sample = await oneRound(dir, fake, round, options);
      await fake.reset();
      idle.push(sample.idle);
      loaded.push(sample.loaded);
    }
  } finally {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return [
    figure({
      id: "memory.rss",
      group: "memory",
      label: `RSS with ${options.audits} active audits`,
      value: { label: `${options.audits} audits x ${options.turnsPerAudit} turns`, unit: "MiB", spread: spread(loaded) },
      baseline: { label: "same server idle", unit: "MiB", spread: spread(idle) },
      added: { unit: "MiB", spread: spread(loaded.map((v, i) => v - idle[i]!)) },
      ratioLabel: "loaded / idle",
      ratio: spread(ratios(loaded, idle)),
      rounds: options.rounds,
    }),
  ];
}
