/**
 * petri-mcp as the benchmarks run it: the built bin (`node dist/cli.js`) spawned over stdio and
 * driven by the SDK Client, exactly as an MCP host does.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const PETRI_BIN = join(ROOT, "dist", "cli.js");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** True when dist/cli.js exists and is newer than every file under src/. */
export function builtIsCurrent(): boolean {
  return existsSync(PETRI_BIN) && statSync(PETRI_BIN).mtimeMs >= newestMtime(join(ROOT, "src"));
}

/**
 * Builds dist/ exactly as `npm run build` does (tsc, then the esbuild bundle that ships as
 * dist/cli.js) when it is missing or older than src/, so the bench measures the shipped CLI.
 * A failed build stops the run: measuring a stale or unbundled CLI would be worse than nothing.
 */
export function ensureBuilt(log: (line: string) => void): void {
  if (builtIsCurrent()) return;
  log("dist/ is missing or older than src/: running npm run build ...");
  execFileSync(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", process.stderr, process.stderr] });
  if (!builtIsCurrent()) throw new Error("npm run build did not leave a dist/cli.js newer than src/");
}

export function benchTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `petri-bench-${prefix}-`));
}

export interface StdioServer {
  client: Client;
  pid: number;
  /** What the server wrote to stderr so far. */
  stderr(): string;
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  /** Calls a tool and throws with the server's text when it returns isError. */
  ok(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}

export interface StartOptions {
  env: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  args?: string[];
}

export async function startStdioServer(options: StartOptions): Promise<StdioServer> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...(options.nodeArgs ?? []), PETRI_BIN, ...(options.args ?? [])],
    env: { ...getDefaultEnvironment(), PETRI_LOG_LEVEL: "warn", ...options.env },
    stderr: "pipe",
    cwd: ROOT,
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const client = new Client({ name: "petri-bench", version: "1.0.0" });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
  return {
    client,
    pid: transport.pid!,
    stderr: () => stderr,
    call,
    async ok(name, args) {
      const result = await call(name, args);
      if (result.isError) throw new Error(`${name} failed: ${textOf(result)}\nserver stderr:\n${stderr}`);
      return result;
    },
    close: () => client.close(),
  };
}

/** Resident set size of a process, in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

/** CPU time a process's threads have spent on a CPU so far, in ns (Linux /proc/<pid>/task/<tid>/schedstat). */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // a thread that exited between the listing and the read
    }
  }
  return total;
}

/**
 * Time a process's main thread (the JS thread) has run on a CPU and has waited in the run queue
 * for one, in ms (Linux /proc/<pid>/task/<pid>/schedstat). Wall time minus both is time it slept
 * (idle, or blocked on I/O or a lock).
 */
export function mainThreadSchedMs(pid: number): { runMs: number; waitMs: number } {
  const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ").map(Number);
  return { runMs: run! / 1e6, waitMs: wait! / 1e6 };
}

/** USER_HZ: 100 on every Linux architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; 10 ms resolution). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesized command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}
