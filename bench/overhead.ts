/**
 * overhead: one send_message through MCP over stdio (a spawned petri-mcp whose target is
 * `openai/bench-target`, pointed at a zero-latency fake model running in its own process) versus
 * the very same HTTP request made directly, from the bench process, with the same client the
 * server uses (the OpenAI SDK over petri's keep-alive transport, src/models/http-client.ts).
 *
 * Before every timed send, a rollback and one untimed send bring the conversation back to its
 * size, so each timed call sends exactly that many messages. Per call it records the wall time of
 * both sides, the server's CPU (all threads, /proc schedstat, ns) for the timed send, and the
 * bench process's CPU for the direct call. Fixed costs are reported as ms added per call; p95 is
 * taken over every call of the run (>= 200 per side in a full run), not per round.
 */
import OpenAI from "openai";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { modelFetch } from "../src/models/http-client.js";
import { figure, type Figure } from "./lib/figures.js";
import { benchTempDir, cpuNs, startStdioServer, type StdioServer } from "./lib/petri-process.js";
import { type FakeProcess, startFakeProcess } from "./lib/processes.js";
import { addTurns, growByCopies, openSeedApp, startSeededAudit } from "./lib/seed.js";
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
      // Real turns up to 2,000 messages; larger conversations repeat the last exchange (fast).
      await addTurns(app, auditId, Math.min(size - 4, 2000) / 2);
      if (size - 4 > 2000) await growByCopies(app, auditId, size - 3);
      audits.push({ size, auditId, lastIndex: size - 4 });
    }
    return audits;
  } finally {
    await app.close();
  }
}

export function serverEnv(dbPath: string, fake: { openaiBaseUrl: string }): Record<string, string> {
  return { PETRI_DB: dbPath, OPENAI_BASE_URL: fake.openaiBaseUrl, OPENAI_API_KEY: "test-key", PETRI_MODEL_MAX_RETRIES: "0" };
}

/** The direct side: the OpenAI SDK configured as the server configures it, transport included. */
export function directClient(baseURL: string, maxRetries = 0): OpenAI {
  return new OpenAI({ baseURL, apiKey: "test-key", maxRetries, fetch: modelFetch });
}

interface Call {
  wallMs: number;
  cpuMs: number;
}

interface Sides {
  mcp(): Promise<Call>;
  direct(): Promise<Call>;
}

function sides(server: StdioServer, fake: FakeProcess, direct: OpenAI, audit: SeededAudit): Sides {
  let body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming | undefined;
  let n = 0;
  return {
    async mcp() {
      const send = () => server.ok("send_message", { audit_id: audit.auditId, message: `Benchmark question number ${++n}: what changed in the report?` });
      await server.ok("rollback_conversation", { audit_id: audit.auditId, index: audit.lastIndex });
      await send();
      const cpuBefore = cpuNs(server.pid);
      const start = performance.now();
      const result = await send();
      const wallMs = since(start);
      const cpu = (cpuNs(server.pid) - cpuBefore) / 1e6;
      const sent = (await fake.requests()).at(-1)?.body as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
      if (sent.messages.length !== audit.size) throw new Error(`send_message sent ${sent.messages.length} messages to the model, expected ${audit.size}`);
      if ((result.structuredContent as { target_called?: boolean } | undefined)?.target_called !== true) throw new Error("send_message did not call the target");
      body = sent;
      await fake.reset();
      return { wallMs, cpuMs: cpu };
    },
    async direct() {
      if (!body) throw new Error("no captured request yet");
      const cpuBefore = process.cpuUsage();
      const start = performance.now();
      await direct.chat.completions.create(body);
      const wallMs = since(start);
      const cpu = process.cpuUsage(cpuBefore);
      return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
    },
  };
}

interface Series {
  /** Per round: the p50 of wall time and the mean CPU per call. */
  p50: number[];
  cpu: number[];
  /** Every call's wall time, for the pooled p95. */
  all: number[];
}

export interface SizeSamples {
  size: number;
  mcp: Series;
  direct: Series;
}

async function block(run: () => Promise<Call>, count: number, into: Series): Promise<void> {
  const calls: Call[] = [];
  for (let i = 0; i < count; i++) calls.push(await run());
  into.p50.push(percentile(calls.map((c) => c.wallMs), 50));
  into.cpu.push(calls.reduce((sum, c) => sum + c.cpuMs, 0) / calls.length);
  into.all.push(...calls.map((c) => c.wallMs));
}

/** Interleaved rounds of both sides on one seeded audit. */
export async function measureSize(server: StdioServer, fake: FakeProcess, direct: OpenAI, audit: SeededAudit, options: OverheadOptions): Promise<SizeSamples> {
  const side = sides(server, fake, direct, audit);
  const scratch: Series = { p50: [], cpu: [], all: [] };
  await block(side.mcp, options.warmup, scratch);
  await block(side.direct, options.warmup, scratch);
  const samples: SizeSamples = { size: audit.size, mcp: { p50: [], cpu: [], all: [] }, direct: { p50: [], cpu: [], all: [] } };
  for (let round = 0; round < options.rounds; round++) {
    const order: Array<"mcp" | "direct"> = round % 2 === 0 ? ["mcp", "direct"] : ["direct", "mcp"];
    for (const which of order) await block(side[which], options.callsPerRound, samples[which]);
  }
  return samples;
}

const one = (v: number) => ({ median: v, min: v, max: v });
const minus = (a: number[], b: number[]) => a.map((v, i) => v - b[i]!);

export function overheadFigures(samples: SizeSamples, notes: string[] = []): Figure[] {
  const { size, mcp, direct } = samples;
  const rounds = mcp.p50.length;
  const p95 = { mcp: percentile(mcp.all, 95), direct: percentile(direct.all, 95) };
  return [
    figure({
      id: `overhead.p50.${size}`,
      group: "overhead",
      label: `wall p50 per turn, ${size} messages`,
      value: { label: "send_message via MCP stdio", unit: "ms", spread: spread(mcp.p50) },
      baseline: { label: "same request direct, same client", unit: "ms", spread: spread(direct.p50) },
      added: { unit: "ms", spread: spread(minus(mcp.p50, direct.p50)) },
      ratioLabel: "MCP / direct",
      ratio: spread(ratios(mcp.p50, direct.p50)),
      rounds,
      samples: mcp.all.length,
      target: { on: "ratio", op: "<=", limit: 1.3 },
      notes,
    }),
    figure({
      id: `overhead.p95.${size}`,
      group: "overhead",
      label: `wall p95 per turn, ${size} messages (${mcp.all.length} calls per side)`,
      value: { label: "send_message via MCP stdio", unit: "ms", spread: one(p95.mcp) },
      baseline: { label: "same request direct, same client", unit: "ms", spread: one(p95.direct) },
      added: { unit: "ms", spread: one(p95.mcp - p95.direct) },
      ratioLabel: "MCP / direct",
      ratio: one(p95.mcp / p95.direct),
      rounds: 1,
      samples: mcp.all.length,
    }),
    figure({
      id: `overhead.cpu.${size}`,
      group: "overhead",
      label: `CPU per turn, ${size} messages`,
      value: { label: "server CPU per send_message", unit: "ms", spread: spread(mcp.cpu) },
      baseline: { label: "CPU of the same call direct, same client", unit: "ms", spread: spread(direct.cpu) },
      added: { unit: "ms", spread: spread(minus(mcp.cpu, direct.cpu)) },
      ratioLabel: "server / direct",
      ratio: spread(ratios(mcp.cpu, direct.cpu)),
      rounds,
      samples: mcp.all.length,
      target: { on: "ratio", op: "<=", limit: 1.3 },
    }),
  ];
}

/** Seeds the audits, starts the fake and the server (each its own process), and measures every size in turn. */
export async function runOverhead(options: OverheadOptions): Promise<SizeSamples[]> {
  const dir = benchTempDir("overhead");
  const dbPath = join(dir, "petri.db");
  try {
    const audits = await seedOverheadAudits(dbPath, options.sizes);
    const fake = await startFakeProcess(0);
    try {
      const server = await startStdioServer({ env: serverEnv(dbPath, fake) });
      try {
        const direct = directClient(fake.openaiBaseUrl);
        const samples: SizeSamples[] = [];
        for (const audit of audits) samples.push(await measureSize(server, fake, direct, audit, options));
        return samples;
      } finally {
        await server.close();
      }
    } finally {
      await fake.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
