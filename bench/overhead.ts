/**
 * overhead: one send_message through MCP over stdio (a spawned petri-mcp whose target is
 * `openai/bench-target`, pointed at a zero-latency fake model) versus the very same HTTP request
 * made directly with the OpenAI SDK to the same fake. Measured with the conversation at 10 and at
 * 2,000 messages: before every timed send, a rollback and one untimed send (both not timed) bring
 * the conversation back to its size, so each timed call sends exactly that many messages and runs
 * in the steady state of a growing audit (a rollback re-reads the branch; its cost and garbage are
 * left to the untimed send).
 */
import OpenAI from "openai";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { startFakeLlm, type FakeLlm } from "../test/fake-llm/server.js";
import { figure, type Figure } from "./lib/figures.js";
import { benchTempDir, startStdioServer, type StdioServer } from "./lib/petri-process.js";
import { addTurns, openSeedApp, startSeededAudit } from "./lib/seed.js";
import { percentile, ratios, since, spread } from "./lib/stats.js";

export const TARGET_MODEL = "openai/bench-target";

export interface OverheadOptions {
  /** Messages sent to the model per call (system message included); even numbers. */
  sizes: number[];
  rounds: number;
  callsPerRound: number;
  warmup: number;
}

export interface SeededAudit {
  size: number;
  auditId: string;
  /** Index of the last seeded message: the rollback point before each measured call. */
  lastIndex: number;
}

/**
 * Seeds one audit per size: a system message and (size - 4) / 2 exchanges, so that after the
 * untimed send the timed send carries exactly `size` messages.
 */
export async function seedOverheadAudits(dbPath: string, sizes: number[]): Promise<SeededAudit[]> {
  for (const size of sizes) if (size < 4 || size % 2 !== 0) throw new Error(`overhead sizes are even numbers >= 4, got ${size}`);
  const app = openSeedApp(dbPath, TARGET_MODEL);
  try {
    const audits: SeededAudit[] = [];
    for (const size of sizes) {
      const auditId = await startSeededAudit(app, TARGET_MODEL, `overhead at ${size} messages`);
      await addTurns(app, auditId, (size - 4) / 2);
      audits.push({ size, auditId, lastIndex: size - 4 });
    }
    return audits;
  } finally {
    app.close();
  }
}

export function serverEnv(dbPath: string, fake: FakeLlm): Record<string, string> {
  return { PETRI_DB: dbPath, OPENAI_BASE_URL: fake.openaiBaseUrl, OPENAI_API_KEY: "test-key", PETRI_MODEL_MAX_RETRIES: "0" };
}

interface Sides {
  mcp(): Promise<number>;
  direct(): Promise<number>;
  /** Wall time of the untimed rollbacks that reset the conversation. */
  rollbackMs: number[];
}

function sides(server: StdioServer, fake: FakeLlm, direct: OpenAI, audit: SeededAudit): Sides {
  let body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming | undefined;
  let n = 0;
  const rollbackMs: number[] = [];
  return {
    rollbackMs,
    async mcp() {
      const send = () => server.ok("send_message", { audit_id: audit.auditId, message: `Benchmark question number ${++n}: what changed in the report?` });
      const rollbackStart = performance.now();
      await server.ok("rollback_conversation", { audit_id: audit.auditId, index: audit.lastIndex });
      rollbackMs.push(since(rollbackStart));
      await send();
      const start = performance.now();
      const result = await send();
      const elapsed = since(start);
      const sent = fake.requests.at(-1)?.body as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
      if (sent.messages.length !== audit.size) throw new Error(`send_message sent ${sent.messages.length} messages to the model, expected ${audit.size}`);
      if ((result.structuredContent as { target_called?: boolean } | undefined)?.target_called !== true) throw new Error("send_message did not call the target");
      body = sent;
      fake.requests.length = 0;
      return elapsed;
    },
    async direct() {
      if (!body) throw new Error("no captured request yet");
      const start = performance.now();
      await direct.chat.completions.create(body);
      const elapsed = since(start);
      fake.requests.length = 0;
      return elapsed;
    },
  };
}

async function timeCalls(run: () => Promise<number>, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await run());
  return times;
}

export interface SizeSamples {
  size: number;
  /** Median wall time of a rollback_conversation at this size (not part of the figures). */
  rollbackMs: number;
  mcp: { p50: number[]; p95: number[] };
  direct: { p50: number[]; p95: number[] };
}

/** Interleaved rounds of both sides on one seeded audit; per round the p50 and p95 of each side. */
export async function measureSize(server: StdioServer, fake: FakeLlm, direct: OpenAI, audit: SeededAudit, options: OverheadOptions): Promise<SizeSamples> {
  const side = sides(server, fake, direct, audit);
  await timeCalls(side.mcp, options.warmup);
  await timeCalls(side.direct, options.warmup);
  side.rollbackMs.length = 0;
  const samples: SizeSamples = { size: audit.size, rollbackMs: 0, mcp: { p50: [], p95: [] }, direct: { p50: [], p95: [] } };
  for (let round = 0; round < options.rounds; round++) {
    const record = async (which: "mcp" | "direct") => {
      const times = await timeCalls(side[which], options.callsPerRound);
      samples[which].p50.push(percentile(times, 50));
      samples[which].p95.push(percentile(times, 95));
    };
    if (round % 2 === 0) {
      await record("mcp");
      await record("direct");
    } else {
      await record("direct");
      await record("mcp");
    }
  }
  samples.rollbackMs = percentile(side.rollbackMs, 50);
  return samples;
}

export function overheadFigures(samples: SizeSamples, notes: string[] = []): Figure[] {
  return (["p50", "p95"] as const).map((p) =>
    figure({
      id: `overhead.${p}.${samples.size}`,
      group: "overhead",
      label: `overhead ${p}, ${samples.size} messages`,
      value: { label: "send_message via MCP stdio", unit: "ms", spread: spread(samples.mcp[p]) },
      baseline: { label: "direct SDK call", unit: "ms", spread: spread(samples.direct[p]) },
      ratioLabel: "MCP / direct",
      ratio: spread(ratios(samples.mcp[p], samples.direct[p])),
      rounds: samples.mcp[p].length,
      target: { on: "ratio", op: "<=", limit: 1.3 },
      notes: p === "p50" ? notes : [],
    }),
  );
}

/** Seeds the audits, starts the fake and the server, and measures every size in turn. */
export async function runOverhead(options: OverheadOptions): Promise<SizeSamples[]> {
  const dir = benchTempDir("overhead");
  const dbPath = join(dir, "petri.db");
  try {
    const audits = await seedOverheadAudits(dbPath, options.sizes);
    const fake = await startFakeLlm();
    const server = await startStdioServer({ env: serverEnv(dbPath, fake) });
    const direct = new OpenAI({ baseURL: fake.openaiBaseUrl, apiKey: "test-key", maxRetries: 0 });
    try {
      const samples: SizeSamples[] = [];
      for (const audit of audits) samples.push(await measureSize(server, fake, direct, audit, options));
      return samples;
    } finally {
      await server.close();
      await fake.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
