/**
 * concurrency: 50 audits at once through one `petri-mcp serve --http` (one MCP session each),
 * against a fake model with 20 ms latency. Each audit makes `turns` send_message calls in a row;
 * all audits run in parallel. The baseline is measured, not computed: the same 500 calls (same
 * conversations, same bodies) made directly with the same client by 50 callers in parallel, to
 * the same fake (its own process). Rounds alternate. The latency-bound ideal (turns x 20 ms) is
 * shown for scale only: even the direct calls do not reach it on a small machine.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type OpenAI from "openai";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { figure, type Figure } from "./lib/figures.js";
import { benchTempDir, cpuMs, mainThreadSchedMs, textOf } from "./lib/petri-process.js";
import { profileClockMicros, type ProfileWindow } from "./lib/profile.js";
import { startFakeProcess, startHttpServerProcess } from "./lib/processes.js";
import { filler } from "./lib/seed.js";
import { directClient } from "./overhead.js";
import { ratios, since, spread } from "./lib/stats.js";

export interface ConcurrencyOptions {
  audits: number;
  turns: number;
  latencyMs: number;
  rounds: number;
  /** The CLI the server runs (default dist/cli.js; bench/ab-http.ts passes copies of two builds). */
  bin?: string;
}

/** One measured round: wall times of both sides, and the server's CPU and scheduling. */
export interface ConcurrencyRound {
  mcpMs: number;
  directMs: number;
  serverCpuMsPerCall: number;
  /** Shares of the MCP round the server's JS thread ran, and waited in the run queue for a CPU. */
  runShare: number;
  waitShare: number;
}

const TOKEN = "bench-token-not-a-secret";
const TARGET_MODEL = "openai/bench-target";

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: "petri-bench", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
  return client;
}

async function ok(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const result = (await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 })) as CallToolResult;
  if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
  return result;
}

export interface ConcurrencyRun {
  figures: Figure[];
  /** When the measured rounds ran, on the profile clock (see lib/profile.ts). */
  measured: ProfileWindow;
  rounds: ConcurrencyRound[];
}

export async function benchConcurrency(options: ConcurrencyOptions, serverNodeArgs: string[] = []): Promise<ConcurrencyRun> {
  const dir = benchTempDir("concurrency");
  const fake = await startFakeProcess(options.latencyMs);
  // The SDK's default retries on both sides: under load, a keep-alive socket the fake closes as it
  // is reused fails a call once (both clients race the same way), and a retry is what real use does.
  const env = { PETRI_DB: join(dir, "petri.db"), PETRI_MCP_TOKEN: TOKEN, OPENAI_BASE_URL: fake.openaiBaseUrl, OPENAI_API_KEY: "test-key", HOME: dir };
  const server = await startHttpServerProcess(env, serverNodeArgs, options.bin);
  const clients: Client[] = [];
  const direct = directClient(fake.openaiBaseUrl, 2);
  try {
    for (let i = 0; i < options.audits; i++) clients.push(await connect(server.url));

    const mcpRound = async (round: number) => {
      const auditIds = await Promise.all(
        clients.map(async (client, i) => {
          const started = await ok(client, "start_audit", { seed_instruction: `Concurrency benchmark round ${round}, audit ${i}.`, target_model: TARGET_MODEL, max_turns: options.turns });
          const auditId = (started.structuredContent as { audit_id: string }).audit_id;
          await ok(client, "set_target_system_message", { audit_id: auditId, system_message: filler(i, 1500) });
          return auditId;
        }),
      );
      const cpuBefore = cpuMs(server.pid);
      const schedBefore = mainThreadSchedMs(server.pid);
      const start = performance.now();
      await Promise.all(
        clients.map(async (client, i) => {
          for (let t = 0; t < options.turns; t++) await ok(client, "send_message", { audit_id: auditIds[i]!, message: filler(i + t, 300) });
        }),
      );
      const ms = since(start);
      const sched = mainThreadSchedMs(server.pid);
      const result = { ms, serverCpuMs: cpuMs(server.pid) - cpuBefore, runShare: (sched.runMs - schedBefore.runMs) / ms, waitShare: (sched.waitMs - schedBefore.waitMs) / ms };
      // No lost or interleaved writes: every audit holds exactly its own turns.
      await Promise.all(
        clients.map(async (client, i) => {
          const audit = (await ok(client, "get_audit", { audit_id: auditIds[i]! })).structuredContent as { target_messages: number; turns_used: number };
          if (audit.target_messages !== 1 + 2 * options.turns || audit.turns_used !== options.turns) {
            throw new Error(`audit ${auditIds[i]} holds ${audit.target_messages} messages and ${audit.turns_used} turns after ${options.turns} turns`);
          }
        }),
      );
      return result;
    };

    const directRound = async () => {
      const start = performance.now();
      await Promise.all(
        clients.map(async (_client, i) => {
          const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "system", content: filler(i, 1500) }];
          for (let t = 0; t < options.turns; t++) {
            messages.push({ role: "user", content: filler(i + t, 300) });
            const reply = await direct.chat.completions.create({ model: "bench-target", messages, max_completion_tokens: 8192 });
            messages.push({ role: "assistant", content: reply.choices[0]?.message.content ?? "" });
          }
        }),
      );
      return since(start);
    };

    await mcpRound(-1);
    await directRound();
    const measured: ProfileWindow = { fromMicros: profileClockMicros(), toMicros: 0 };
    const mcp: number[] = [];
    const baseline: number[] = [];
    const cpuPerCall: number[] = [];
    const runShares: number[] = [];
    const waitShares: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const runMcp = async () => {
        const r = await mcpRound(round);
        mcp.push(r.ms);
        cpuPerCall.push(r.serverCpuMs / (options.audits * options.turns));
        runShares.push(r.runShare);
        waitShares.push(r.waitShare);
      };
      if (round % 2 === 0) {
        await runMcp();
        baseline.push(await directRound());
      } else {
        baseline.push(await directRound());
        await runMcp();
      }
    }
    measured.toMicros = profileClockMicros();
    const rounds = mcp.map((mcpMs, i) => ({ mcpMs, directMs: baseline[i]!, serverCpuMsPerCall: cpuPerCall[i]!, runShare: runShares[i]!, waitShare: waitShares[i]! }));
    const ideal = options.turns * options.latencyMs;
    const calls = options.audits * options.turns;
    const cpu = spread(cpuPerCall);
    const what = `${options.audits} audits x ${options.turns} send_message, ${options.latencyMs} ms model latency`;
    const cpuNote = `the server used ${cpu.median.toFixed(2)} ms of CPU per send_message [${cpu.min.toFixed(2)}-${cpu.max.toFixed(2)}]: ${calls} calls need ~${Math.round(cpu.median * calls)} ms of one core (Node runs our code on one thread), against a latency-bound ideal of ${ideal} ms.`;
    const run = spread(runShares);
    const wait = spread(waitShares);
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    const schedNote = `where the calls wait: the server's JS thread ran ${pct(run.median)} of the round [${pct(run.min)}-${pct(run.max)}] and waited for a CPU ${pct(wait.median)} [${pct(wait.min)}-${pct(wait.max)}] (Linux run-queue time); the rest, ${pct(Math.max(0, 1 - run.median - wait.median))}, it was idle or blocked (I/O, locks). A thread that is never idle is CPU-bound: its CPU per call, shared with the bench's own 50 clients and the fake, sets the pace.`;
    const figures = [
      figure({
        id: "concurrency.ideal",
        group: "concurrency",
        label: `concurrency vs ideal (${what})`,
        value: { label: "wall time via MCP over HTTP", unit: "ms", spread: spread(mcp) },
        baseline: { label: `ideal: ${options.turns} x ${options.latencyMs} ms, computed`, unit: "ms", spread: { median: ideal, min: ideal, max: ideal } },
        ratioLabel: "ideal / measured",
        ratio: spread(mcp.map((ms) => ideal / ms)),
        rounds: options.rounds,
        notes: [cpuNote, schedNote],
      }),
      figure({
        id: "concurrency.direct",
        group: "concurrency",
        label: `concurrency vs direct SDK (${what})`,
        value: { label: "wall time via MCP over HTTP", unit: "ms", spread: spread(mcp) },
        baseline: { label: "same calls direct, same client, 50 callers", unit: "ms", spread: spread(baseline) },
        added: { unit: "ms", spread: spread(mcp.map((ms, i) => ms - baseline[i]!)) },
        ratioLabel: "direct / MCP",
        ratio: spread(ratios(baseline, mcp)),
        rounds: options.rounds,
        target: { on: "ratio", op: ">=", limit: 0.9 },
      }),
    ];
    return { figures, measured, rounds };
  } finally {
    for (const client of clients) await client.close().catch(() => undefined);
    await server.stop();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
