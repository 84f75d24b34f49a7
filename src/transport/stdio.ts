/**
 * The stdio transport: newline-delimited JSON-RPC on stdin/stdout, with our own line reader in
 * place of the SDK's (whose 10 MiB ReadBuffer throws, closes the transport and lets the process
 * exit 0 without a word). Lines share the HTTP body limit (`--max-message-bytes`):
 *  - a longer line is skipped without being kept in memory (only its first and last bytes are)
 *    and answered with a JSON-RPC error carrying its id when the id can be read;
 *  - a line that is not UTF-8 / JSON gets -32700, a batch or a non-JSON-RPC object gets -32600;
 * so a client never waits forever for an answer that will not come.
 */
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type JSONRPCMessage, JSONRPCMessageSchema, type RequestId } from "@modelcontextprotocol/sdk/types.js";
import { isUtf8 } from "node:buffer";
import type { Readable, Writable } from "node:stream";
import { log } from "../log.js";
import { errorResponse, RpcErrorCode } from "./guard.js";
import { nestsDeeperThan, TOO_DEEP_MESSAGE } from "./json-depth.js";

/** Bytes kept from each end of an oversized line, to find its id. */
const EDGE_BYTES = 4096;
const NEWLINE = 0x0a;

export interface StdioTransportOptions {
  /** Longest accepted line in bytes (without the newline). */
  maxMessageBytes: number;
  /** Called when the transport cannot go on (an unexpected failure): the process must exit non-zero. */
  onFatal?: (error: Error) => void;
  /** Called once when stdout fails (the client closed its end, EPIPE): nothing more can be answered. */
  onOutputClosed?: (error: Error) => void;
}

/** The id of a JSON-RPC request too large to parse: the first key(s) of the line, or its last ones (SDK clients put `id` last). */
export function findRequestId(head: string, tail: string): RequestId | null {
  const value = String.raw`(-?\d{1,16}|"(?:[^"\\]|\\.){0,256}")`;
  const atStart = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${value}\s*[,}]`).exec(head);
  const atEnd = new RegExp(String.raw`"id"\s*:\s*${value}\s*(?:,\s*"jsonrpc"\s*:\s*"2\.0"\s*)?\}\s*$`).exec(tail);
  const raw = atStart?.[1] ?? atEnd?.[1];
  if (raw === undefined) return null;
  try {
    const id = JSON.parse(raw) as unknown;
    return typeof id === "string" || (typeof id === "number" && Number.isSafeInteger(id)) ? id : null;
  } catch {
    return null;
  }
}

function validId(value: unknown): RequestId | null {
  return typeof value === "string" || (typeof value === "number" && Number.isInteger(value)) ? value : null;
}

export class LineStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private chunks: Buffer[] = [];
  private size = 0;
  /** Set while skipping an oversized line: its first and last bytes. */
  private oversized: { head: Buffer; tail: Buffer } | null = null;
  private started = false;
  /** Set once stdout failed: later messages are dropped instead of written to a dead pipe. */
  private outputClosed = false;

  constructor(
    private readonly options: StdioTransportOptions,
    private readonly stdin: Readable = process.stdin,
    private readonly stdout: Writable = process.stdout,
  ) {}

  async start(): Promise<void> {
    if (this.started) throw new Error("LineStdioTransport already started");
    this.started = true;
    this.stdin.on("data", this.onData);
    this.stdin.on("error", this.onStdinError);
    this.stdout.on("error", this.onStdoutError);
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.outputClosed) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.stdout.write(JSON.stringify(message) + "\n")) resolve();
      else this.stdout.once("drain", resolve);
    });
  }

  async close(): Promise<void> {
    this.stdin.off("data", this.onData);
    this.stdin.off("error", this.onStdinError);
    if (this.stdin.listenerCount("data") === 0) this.stdin.pause();
    this.chunks = [];
    this.size = 0;
    this.oversized = null;
    this.onclose?.();
  }

  private readonly onStdoutError = (error: Error): void => {
    if (this.outputClosed) return;
    this.outputClosed = true;
    // A write waiting for room will never get it: let it go.
    this.stdout.emit("drain");
    this.options.onOutputClosed?.(error);
  };

  private readonly onStdinError = (error: Error): void => {
    this.onerror?.(error);
  };

  private readonly onData = (chunk: Buffer | string): void => {
    try {
      const data = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      let start = 0;
      while (start < data.length) {
        const newline = data.indexOf(NEWLINE, start);
        this.append(data.subarray(start, newline === -1 ? data.length : newline));
        if (newline === -1) break;
        this.endLine();
        start = newline + 1;
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      log.error("the stdio transport failed; exiting", failure);
      this.onerror?.(failure);
      this.options.onFatal?.(failure);
    }
  };

  private append(piece: Buffer): void {
    if (piece.length === 0) return;
    this.size += piece.length;
    if (this.oversized) {
      const { head, tail } = this.oversized;
      const grownHead = head.length < EDGE_BYTES ? Buffer.concat([head, piece.subarray(0, EDGE_BYTES - head.length)]) : head;
      this.oversized = { head: grownHead, tail: Buffer.from(Buffer.concat([tail, piece]).subarray(-EDGE_BYTES)) };
      return;
    }
    this.chunks.push(piece);
    if (this.size > this.options.maxMessageBytes) {
      const all = Buffer.concat(this.chunks);
      this.oversized = { head: Buffer.from(all.subarray(0, EDGE_BYTES)), tail: Buffer.from(all.subarray(-EDGE_BYTES)) };
      this.chunks = [];
    }
  }

  private endLine(): void {
    const size = this.size;
    const oversized = this.oversized;
    const line = oversized ? null : Buffer.concat(this.chunks, size);
    this.chunks = [];
    this.size = 0;
    this.oversized = null;
    if (oversized) this.refuseOversized(size, oversized.head, oversized.tail);
    else this.handleLine(line!);
  }

  private refuseOversized(size: number, head: Buffer, tail: Buffer): void {
    const id = findRequestId(head.toString("utf8"), tail.toString("utf8"));
    const limit = this.options.maxMessageBytes;
    log.warn(`refused a ${size}-byte stdio message (limit ${limit} bytes, --max-message-bytes)${id === null ? "" : ` with id ${JSON.stringify(id)}`}`);
    this.reply(id, RpcErrorCode.invalidRequest, `Request too large: the message is ${size} bytes; the limit is ${limit} bytes (--max-message-bytes / PETRI_MAX_MESSAGE_BYTES on the server). Send smaller arguments.`);
  }

  private handleLine(buffer: Buffer): void {
    if (!isUtf8(buffer)) return this.reply(null, RpcErrorCode.parseError, "Parse error: the line is not valid UTF-8.");
    const text = buffer.toString("utf8").replace(/\r$/, "");
    if (text.trim() === "") return;
    if (nestsDeeperThan(buffer)) return this.reply(null, RpcErrorCode.invalidRequest, `Invalid Request: ${TOO_DEEP_MESSAGE}`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return this.reply(null, RpcErrorCode.parseError, "Parse error: the line is not valid JSON. Send one JSON-RPC message per line.");
    }
    if (Array.isArray(value)) {
      return this.reply(null, RpcErrorCode.invalidRequest, "Invalid Request: JSON-RPC batches are not supported (MCP removed them in 2025-06-18); send one message per line.");
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const id = typeof value === "object" && value !== null ? validId((value as { id?: unknown }).id) : null;
      return this.reply(id, RpcErrorCode.invalidRequest, 'Invalid Request: not a JSON-RPC 2.0 message (it needs "jsonrpc": "2.0", a "method" string, and for requests an "id" that is a string or an integer).');
    }
    try {
      this.onmessage?.(parsed.data);
    } catch (error) {
      // One message's failure must not stop the others (the SDK's reader does the same).
      log.error("handling a stdio message failed", error);
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private reply(id: RequestId | null, code: number, message: string): void {
    this.send(errorResponse(id, code, message)).catch((error: unknown) => this.onerror?.(error as Error));
  }
}
