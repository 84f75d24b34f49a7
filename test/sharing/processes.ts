/**
 * Spawning real petri-mcp processes for the multi-process tests: stdio servers (through the SDK's
 * StdioClientTransport) and `serve --http` servers, from the TypeScript sources via tsx, or (HTTP,
 * `built: true`) the built CLI in dist/ as users run it (`npm run build` first; `npm test` does).
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { textOf } from "../helpers.js";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = fileURLToPath(new URL("../../src/cli.ts", import.meta.url));
export const BUILT_CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

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

/** Spawns `node --import tsx <script> <args>` as an MCP stdio server and connects a client. */
export async function spawnStdioServer(args: string[], options: { script?: string; env?: Record<string, string>; name?: string } = {}): Promise<StdioProcess> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ["--import", "tsx", options.script ?? CLI, ...args],
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

/** Spawns `petri-mcp serve --http --port 0 <args>` (`built`: from dist/) and waits for its startup banner. */
export function spawnHttpServer(args: string[], env: Record<string, string> = {}, options: { built?: boolean } = {}): Promise<HttpProcess> {
  if (options.built && !existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run npm run build first (npm test does).`);
  const cli = options.built ? [BUILT_CLI] : ["--import", "tsx", CLI];
  const child = spawn(process.execPath, [...cli, "serve", "--http", "--port", "0", ...args], { cwd: REPO_ROOT, env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
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
