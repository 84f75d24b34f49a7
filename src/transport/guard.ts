/**
 * A transport decorator that puts two JSON-RPC rules in front of the SDK's McpServer, for both
 * transports:
 *  - requests before `initialize` (other than `ping`) are refused with -32600, so nothing runs
 *    for a client that skipped the handshake;
 *  - a request whose params do not fit its method's schema (e.g. `tools/call` without `name`)
 *    gets -32602 with a short reason, instead of the SDK's -32603 and a zod dump.
 * The schemas are the SDK's own, so anything it would accept passes unchanged.
 */
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ClientRequestSchema, type JSONRPCMessage, type RequestId } from "@modelcontextprotocol/sdk/types.js";
import type { MessageExtraInfo } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";

export const RpcErrorCode = {
  parseError: -32700,
  invalidRequest: -32600,
  invalidParams: -32602,
} as const;

/** Methods a client may call before the handshake. */
const BEFORE_INITIALIZE = new Set(["initialize", "ping"]);

type RequestSchema = z.ZodType & { shape: { method: { value: string } } };

const REQUEST_SCHEMAS: ReadonlyMap<string, z.ZodType> = new Map(
  (ClientRequestSchema.options as unknown as RequestSchema[]).map((schema) => [schema.shape.method.value, schema]),
);

/** A short, single-line reason from a zod error: at most three issues, each clipped. */
export function describeIssues(error: z.ZodError): string {
  const parts = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join(".") : "(message)";
    return `${path}: ${issue.message.replace(/\s+/g, " ").slice(0, 160)}`;
  });
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : "";
  return parts.join("; ") + more;
}

export function errorResponse(id: RequestId | null, code: number, message: string): JSONRPCMessage {
  // JSON-RPC wants `id: null` when the id could not be read; the SDK's type only knows ids.
  return { jsonrpc: "2.0", id, error: { code, message } } as unknown as JSONRPCMessage;
}

export class GuardedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  private initialized = false;

  constructor(private readonly inner: Transport) {
    const previousClose = inner.onclose;
    const previousError = inner.onerror;
    inner.onclose = () => {
      previousClose?.();
      this.onclose?.();
    };
    inner.onerror = (error) => {
      previousError?.(error);
      this.onerror?.(error);
    };
    inner.onmessage = (message, extra) => this.receive(message, extra);
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private receive(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    if (!("method" in message) || !("id" in message)) {
      // Notifications and responses pass: they get no reply either way.
      this.onmessage?.(message, extra);
      return;
    }
    const refusal = this.check(message.method, message);
    if (refusal) {
      void this.inner.send(errorResponse(message.id, refusal.code, refusal.message), { relatedRequestId: message.id }).catch((error: unknown) => this.onerror?.(error as Error));
      return;
    }
    if (message.method === "initialize") this.initialized = true;
    this.onmessage?.(message, extra);
  }

  private check(method: string, request: unknown): { code: number; message: string } | null {
    if (!this.initialized && !BEFORE_INITIALIZE.has(method)) {
      return { code: RpcErrorCode.invalidRequest, message: `Server not initialized: send an initialize request (and then notifications/initialized) before ${method.slice(0, 64)}.` };
    }
    const schema = REQUEST_SCHEMAS.get(method);
    if (!schema) return null; // Unknown methods: the SDK answers "Method not found".
    const parsed = schema.safeParse(request);
    if (parsed.success) return null;
    return { code: RpcErrorCode.invalidParams, message: `Invalid params for ${method}: ${describeIssues(parsed.error)}` };
  }
}
