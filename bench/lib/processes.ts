/**
 * Child processes the HTTP benchmark needs: the fake model server (test/fake-llm/cli.ts) and
 * `petri-mcp serve --http`, each started on a free port and read for its address.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { PETRI_BIN, ROOT } from "./petri-process.js";

export interface Child {
  process: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

/** Spawns `args` and resolves with the first match of `pattern` in its stdout or stderr. */
function spawnUntil(args: string[], env: Record<string, string>, pattern: RegExp): Promise<{ child: Child; match: RegExpMatchArray }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    const exited = new Promise<void>((done) => proc.once("exit", () => done()));
    const child: Child = {
      process: proc,
      pid: proc.pid!,
      async stop() {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        proc.stdin?.end();
        proc.kill("SIGTERM");
        await exited;
      },
    };
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`${args.join(" ")} did not start within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited (${code}) before it was ready:\n${output}`));
    });
  });
}

export interface FakeProcess extends Child {
  url: string;
  openaiBaseUrl: string;
  /** The requests the fake recorded since the last reset (its GET /_fake/requests). */
  requests(): Promise<Array<{ body: unknown }>>;
  /** Forgets the recorded requests (POST /_fake/reset). */
  reset(): Promise<void>;
}

export async function startFakeProcess(latencyMs: number): Promise<FakeProcess> {
  const { child, match } = await spawnUntil(
    ["--import", "tsx", join(ROOT, "test", "fake-llm", "cli.ts"), "--port", "0", "--latency-ms", String(latencyMs)],
    {},
    /\{"port".*\}\n/,
  );
  const info = JSON.parse(match[0]) as { url: string; openaiBaseUrl: string };
  return {
    ...child,
    url: info.url,
    openaiBaseUrl: info.openaiBaseUrl,
    requests: async () => (await (await fetch(`${info.url}/_fake/requests`)).json()) as Array<{ body: unknown }>,
    reset: async () => void (await fetch(`${info.url}/_fake/reset`, { method: "POST" })).arrayBuffer(),
  };
}

export interface HttpServerProcess extends Child {
  url: string;
}

/** `bin`: the CLI to run (default dist/cli.js; an A/B passes a copy of another build). */
export async function startHttpServerProcess(env: Record<string, string>, nodeArgs: string[] = [], bin = PETRI_BIN): Promise<HttpServerProcess> {
  const { child, match } = await spawnUntil([...nodeArgs, bin, "serve", "--http", "--port", "0"], { PETRI_LOG_LEVEL: "warn", ...env }, /Streamable HTTP on (http:\/\/\S+\/mcp)/);
  return { ...child, url: match[1]! };
}
