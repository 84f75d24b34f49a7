/**
 * Raw clients for the transport-hardening tests: a stdio petri-mcp process spoken to line by
 * line (so malformed and oversized lines can be sent), and raw TCP sockets for HTTP.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { connect, type Socket } from "node:net";
import { CLI, childEnv, REPO_ROOT } from "../sharing/processes.js";
import { readChildLines } from "../support/child-lines.js";

export class StdioLineClient {
  readonly replies: any[] = [];
  stderr = "";
  readonly exited: Promise<number | null>;
  private waiters: Array<{ match: (msg: any) => boolean; resolve: (msg: any) => void }> = [];

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    this.exited = readChildLines(
      child,
      (line) => {
        const msg = JSON.parse(line);
        this.replies.push(msg);
        this.waiters = this.waiters.filter((w) => (w.match(msg) ? (w.resolve(msg), false) : true));
      },
      (chunk) => (this.stderr += chunk),
    );
  }

  /** Resolves with the next reply matching `match` (already received ones included). */
  next(match: (msg: any) => boolean, timeoutMs = 20_000): Promise<any> {
    const seen = this.replies.find(match);
    if (seen) {
      this.replies.splice(this.replies.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching reply within ${timeoutMs} ms; stderr:\n${this.stderr}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (msg) => {
          clearTimeout(timer);
          this.replies.splice(this.replies.indexOf(msg), 1);
          resolve(msg);
        },
      });
    });
  }

  /** Writes raw bytes (a line must end with "\n"); resolves when the pipe took them. */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.child.stdin.write(data, (error) => (error ? reject(error) : resolve())));
  }

  async request(id: number | string, method: string, params?: unknown): Promise<any> {
    await this.write(JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) }) + "\n");
    return this.next((msg) => msg.id === id);
  }

  async initialize(): Promise<void> {
    await this.request("init", "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "hardening", version: "1.0.0" } });
    await this.write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) + "\n");
  }

  async stop(): Promise<number | null> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 15_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** Spawns the built stdio server (call `freshBuild([CLI])` first), on its own database. */
export function spawnStdio(dbPath: string, env: Record<string, string> = {}): StdioLineClient {
  const child = spawn(process.execPath, [CLI], {
    cwd: REPO_ROOT,
    env: childEnv({ PETRI_DB: dbPath, PETRI_TARGET_MODEL: "mockllm/model", PETRI_LOG_LEVEL: "info", ...env }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  return new StdioLineClient(child);
}

export interface RawSocket {
  socket: Socket;
  /** Everything the server sent. */
  received(): string;
  /** Resolves with ms from the connection until the server closed it. */
  closed: Promise<number>;
}

export function openSocket(port: number): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect({ host: "127.0.0.1", port });
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (text += chunk));
    const closed = new Promise<number>((done) => socket.once("close", () => done(Date.now() - started)));
    socket.on("error", () => undefined);
    socket.once("connect", () => resolve({ socket, received: () => text, closed }));
    socket.once("error", reject);
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
