/**
 * Spawning real petri-mcp processes for the multi-process tests: stdio servers (through the SDK's
 * StdioClientTransport) and `serve --http` servers, from the built CLI in dist/ as users run it
 * (fresh from the sources: `freshBuild`, which `npm test` has already done). A file that spawns
 * `CLI` itself calls `freshBuild([CLI])` in a beforeAll first.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { textOf } from "../helpers.js";
import { freshBuild } from "../support/build.js";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The built CLI (a child started from it takes ~0.6 s, from the sources through tsx ~1.4 s). */
export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

/** A clean environment: nothing from the developer's shell (PETRI_*, API keys) leaks in. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PETRI_LOG_LEVEL: "warn", ...extra };
}

export interface StdioProcess {
  client: Client;
  pid: number;
  stderr(): string;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  ok(name: string, args?: Record<string, unknown>): Promise<{ text: string; data: any }>;
  close(): Promise<void>;
}

/**
 * Spawns `petri-mcp <args>` as an MCP stdio server and connects a client; `script`: a TypeScript
 * server of the test's own (a fixture) instead, run through tsx.
 */
export async function spawnStdioServer(args: string[], options: { script?: string; env?: Record<string, string>; name?: string } = {}): Promise<StdioProcess> {
  if (!options.script) await freshBuild([CLI]);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...(options.script ? ["--import", "tsx", options.script] : [CLI]), ...args],
    env: childEnv(options.env),
    cwd: REPO_ROOT,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: options.name ?? "process-test", version: "1.0.0" });
  // Any non-protocol byte on stdout would surface here.
  client.onerror = (error) => {
    stderr += `\n[client error] ${error.message}`;
  };
  await client.connect(transport);
  const call = async (name: string, toolArgs: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: toolArgs }, undefined, { timeout: 60_000 })) as CallToolResult;
  return {
    client,
    pid: transport.pid!,
    stderr: () => stderr,
    call,
    async ok(name, toolArgs) {
      const result = await call(name, toolArgs);
      if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
      return { text: textOf(result), data: result.structuredContent };
    },
    close: () => client.close(),
  };
}

export interface HttpProcess {
  child: ChildProcess;
  url: string;
  /** The token printed at startup (null when it came from PETRI_MCP_TOKEN). */
  printedToken: string | null;
  stderr(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns `petri-mcp serve --http --port 0 <args>` and waits for its startup banner. */
export async function spawnHttpServer(args: string[], env: Record<string, string> = {}): Promise<HttpProcess> {
  await freshBuild([CLI]);
  const child = spawn(process.execPath, [CLI, "serve", "--http", "--port", "0", ...args], { cwd: REPO_ROOT, env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /Streamable HTTP on (\S+)/.exec(stderr)?.[1];
      if (url && stderr.includes('"Authorization: Bearer <token>"')) {
        resolve({
          child,
          url,
          printedToken: /bearer token \([^)]*\): (\S+)/.exec(stderr)?.[1] ?? null,
          stderr: () => stderr,
          stop: async (signal = "SIGTERM") => {
            if (child.exitCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`serve --http exited with ${code} before listening:\n${stderr}`)));
  });
}
