/**
 * Finding out why a figure misses its target: a CPU profile of the server doing the measured work,
 * and the import cost of the heavy dependencies for the cold start. Each returns notes for the
 * figure, in plain sentences.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pairedColdStarts } from "./cold-start.js";
import { benchTempDir, PETRI_BIN, ROOT, startStdioServer } from "./lib/petri-process.js";
import { startFakeProcess } from "./lib/processes.js";
import { describeProfile, profileClockMicros, type ProfileSummary, type ProfileWindow, summarizeProfileDir } from "./lib/profile.js";
import { median, ratios, since } from "./lib/stats.js";
import { seedOverheadAudits, serverEnv } from "./overhead.js";

function topFunctions(summary: ProfileSummary, count: number): string {
  return summary.byFunction
    .filter((f) => !f.name.startsWith("(garbage collector)"))
    .slice(0, count)
    .map((f) => `${f.name} ${f.share}%`)
    .join("; ");
}

/** Profiles a stdio server making `calls` consecutive send_message calls on a conversation of `size` messages. */
export async function profileOverhead(size: number, calls: number): Promise<string[]> {
  const dir = benchTempDir("profile");
  const profileDir = join(dir, "profile");
  const dbPath = join(dir, "petri.db");
  const [audit] = await seedOverheadAudits(dbPath, [size]);
  const fake = await startFakeProcess(0);
  const server = await startStdioServer({ env: serverEnv(dbPath, fake), nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] });
  const window: ProfileWindow = { fromMicros: 0, toMicros: 0 };
  try {
    await server.ok("send_message", { audit_id: audit!.auditId, message: "warm-up" });
    window.fromMicros = profileClockMicros();
    for (let i = 0; i < calls; i++) {
      await server.ok("send_message", { audit_id: audit!.auditId, message: `Profiled question ${i}?` });
      if (i % 50 === 49) await fake.reset();
    }
    window.toMicros = profileClockMicros();
  } finally {
    await server.close();
    await fake.stop();
  }
  const summary = await waitForProfile(profileDir, window).finally(() => rmSync(dir, { recursive: true, force: true }));
  return [
    `server CPU profile of ${calls} consecutive sends at ~${size} messages (start-up excluded), by area: ${describeProfile(summary, 5)}; hottest functions: ${topFunctions(summary, 5)}. (V8 samples wall time, so time the thread waits to be scheduled shows up on native I/O frames such as writev; the bundled dependencies count as dist/cli.js.)`,
  ];
}

/** The profile is written when the child exits, which may be just after close() resolves. */
async function waitForProfile(dir: string, window: ProfileWindow): Promise<ProfileSummary> {
  for (let attempt = 0; ; attempt++) {
    try {
      return summarizeProfileDir(dir, 10, window);
    } catch (error) {
      if (attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function importMs(specifier: string | null, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    execFileSync(process.execPath, ["--input-type=module", "-e", specifier ? `await import(${JSON.stringify(specifier)})` : ""], { cwd: ROOT, stdio: "ignore" });
    times.push(since(start));
  }
  return median(times);
}

/** Start-up cost of the heavy modules petri-mcp loads before answering, above a bare `node`. */
export function importCosts(runs = 5): string[] {
  const bare = importMs(null, runs);
  const modules: Array<[string, string]> = [
    ["@modelcontextprotocol/sdk/server/mcp.js", "MCP SDK server (with zod, ajv)"],
    ["@anthropic-ai/sdk", "@anthropic-ai/sdk"],
    ["openai", "openai"],
    ["@pydantic/genai-prices", "@pydantic/genai-prices"],
    ["better-sqlite3", "better-sqlite3"],
    ["./dist/server.js", "petri-mcp server.js (all tools)"],
    ["./dist/context.js", "petri-mcp context.js (store, models, providers)"],
  ];
  const costs = modules.map(([specifier, label]) => `${label} +${Math.round(importMs(specifier, runs) - bare)} ms`);
  return [
    `bare node starts in ${Math.round(bare)} ms; import cost of each module alone (overlapping, not additive): ${costs.join(", ")}. server-memory loads only the MCP SDK; petri-mcp loads the model SDKs and the price table at the first model call.`,
  ];
}

/** Profiles the HTTP server through one concurrency round (`run` says when the measured part starts). */
export async function profileConcurrency(run: (serverNodeArgs: string[]) => Promise<{ measured: ProfileWindow }>): Promise<string[]> {
  const dir = benchTempDir("profile-http");
  try {
    const { measured } = await run(["--cpu-prof", `--cpu-prof-dir=${dir}`]);
    const summary = await waitForProfile(dir, measured);
    return [`profile of the HTTP server through one round: CPU by area: ${describeProfile(summary, 5)}; hottest functions: ${topFunctions(summary, 4)}.`];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same cold start with dist/ bundled into one file by esbuild (better-sqlite3 left external):
 * how much of the start-up is module loading that a bundle would save.
 */
export async function bundledColdStart(pairs: number): Promise<string[]> {
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch {
    return ["(esbuild is not installed, so the bundled start-up was not measured.)"];
  }
  // Inside the project, so the bundle resolves better-sqlite3 from node_modules and prompts/ from ../../.
  const dir = mkdtempSync(join(ROOT, "bench", ".bundle-"));
  try {
    const outfile = join(dir, "cli.mjs");
    await esbuild.build({
      entryPoints: [PETRI_BIN],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      external: ["better-sqlite3"],
      banner: { js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);" },
      logLevel: "error",
    });
    let pairsMeasured;
    try {
      pairsMeasured = await pairedColdStarts(outfile, pairs);
    } catch (error) {
      return [`(the bundled start-up could not be measured: ${error instanceof Error ? error.message : String(error)})`];
    }
    const { petri, memory } = pairsMeasured;
    return [
      `experiment: dist/ bundled into one file with esbuild starts in ${Math.round(median(petri))} ms, ${median(ratios(petri, memory)).toFixed(2)}x server-memory (median of ${pairs} pairs): most of the gap is loading modules.`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
