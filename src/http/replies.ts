/**
 * Error replies of the HTTP layer, always as a JSON-RPC error object (never an HTML page), so MCP
 * clients can show the message.
 */
import type { ServerResponse } from "node:http";

/** JSON-RPC codes used before a request reaches the MCP transport. */
export const RpcCode = {
  parseError: -32700,
  invalidRequest: -32600,
  /** Generic server error, as the SDK's transport uses for HTTP-level failures. */
  serverError: -32000,
  /** "Session not found", as in the SDK and the spec. */
  sessionNotFound: -32001,
} as const;

export function sendRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null });
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/**
 * A refusal (401, 403, 404, 405, 413): the reply says `Connection: close` and the socket is closed
 * once it is sent, so the rest of the request body is never read and the connection is not kept.
 */
export function refuse(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  const socket = res.socket;
  res.once("finish", () => socket?.destroy());
  sendRpcError(res, status, code, message, { ...headers, Connection: "close" });
}
