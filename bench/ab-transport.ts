/**
 * A/B of two builds of the CLI in one run (the measurement behind docs/performance.md's "lean model
 * client" section): server CPU per send_message at 10 messages for each build, in rotating blocks,
 * next to the same call made directly with the SDK on the built-in fetch and on modelFetch.
 *
 *   cp dist/cli.js dist/cli-a.js   # one build ...
 *   cp dist/cli.js dist/cli-b.js   # ... and the other, after a rebuild
 *   node --import tsx bench/ab-transport.ts dist/cli-a.js dist/cli-b.js [rounds]
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import OpenAI from "openai";
import { copyFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { modelFetch } from "../src/models/http-client.js";
import { benchTempDir, cpuNs, ROOT } from "./lib/petri-process.js";
import { startFakeProcess } from "./lib/processes.js";
import { median } from "./lib/stats.js";
import { seedOverheadAudits, serverEnv } from "./overhead.js";

const [a, b, roundsArg] = process.argv.slice(2);
if (!a || !b) throw new Error("usage: bench/ab-transport.ts <cli-a.js> <cli-b.js> [rounds]");
const rounds = Number(roundsArg ?? 8);
const perBlock = 25;
const dir = benchTempDir("ab");
const fake = await startFakeProcess(0);
try {
  const seeded = join(dir, "seed.db");
  const [audit] = await seedOverheadAudits(seeded, [10]);
  const servers = await Promise.all(
    [a, b].map(async (bin, i) => {
      const db = join(dir, `s${i}.db`);
      copyFileSync(seeded, db);
      const transport = new StdioClientTransport({ command: process.execPath, args: [resolve(bin)], env: { ...getDefaultEnvironment(), PETRI_LOG_LEVEL: "warn", ...serverEnv(db, fake) }, cwd: ROOT, stderr: "ignore" });
      const client = new Client({ name: "ab", version: "1" });
      await client.connect(transport);
      return { name: bin, client, pid: transport.pid!, cpu: [] as number[] };
    }),
  );
  const directs = [
    { name: "direct, built-in fetch", sdk: new OpenAI({ baseURL: fake.openaiBaseUrl, apiKey: "test-key", maxRetries: 0 }), cpu: [] as number[] },
    { name: "direct, modelFetch", sdk: new OpenAI({ baseURL: fake.openaiBaseUrl, apiKey: "test-key", maxRetries: 0, fetch: modelFetch }), cpu: [] as number[] },
  ];
  const body = { model: "bench-target", messages: [{ role: "system" as const, content: "You are a helpful assistant." }, { role: "user" as const, content: "What changed in the report?" }], max_completion_tokens: 8192 };
  const sendBlock = async (s: (typeof servers)[number], record: boolean) => {
    let total = 0;
    for (let i = 0; i < perBlock; i++) {
      await s.client.callTool({ name: "rollback_conversation", arguments: { audit_id: audit!.auditId, index: audit!.lastIndex } });
      const before = cpuNs(s.pid);
      await s.client.callTool({ name: "send_message", arguments: { audit_id: audit!.auditId, message: `Question ${i}?` } });
      total += cpuNs(s.pid) - before;
    }
    if (record) s.cpu.push(total / perBlock / 1e6);
    await fake.reset();
  };
  const directBlock = async (d: (typeof directs)[number], record: boolean) => {
    const before = process.cpuUsage();
    for (let i = 0; i < perBlock; i++) await d.sdk.chat.completions.create(body);
    const used = process.cpuUsage(before);
    if (record) d.cpu.push((used.user + used.system) / 1000 / perBlock);
    await fake.reset();
  };
  const blocks = [...servers.map((s) => (r: boolean) => sendBlock(s, r)), ...directs.map((d) => (r: boolean) => directBlock(d, r))];
  for (const run of blocks) await run(false);
  for (let round = 0; round < rounds; round++) for (let k = 0; k < blocks.length; k++) await blocks[(k + round) % blocks.length]!(true);
  const base = median(servers[0]!.cpu);
  for (const x of [...servers, ...directs]) console.log(`${x.name.padEnd(28)} CPU/call median ${median(x.cpu).toFixed(3)} ms  [${Math.min(...x.cpu).toFixed(3)}-${Math.max(...x.cpu).toFixed(3)}]  vs A ${(median(x.cpu) / base).toFixed(2)}x`);
  const ratios = servers[1]!.cpu.map((v, i) => v / servers[0]!.cpu[i]!);
  console.log(`B/A per round: median ${median(ratios).toFixed(3)} [${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)}]`);
  for (const s of servers) await s.client.close();
} finally {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
}
