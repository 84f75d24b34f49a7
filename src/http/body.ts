/**
 * Reads a JSON request body under a byte limit. The MCP transport could read it itself, but the
 * session router must see the body first (is it an `initialize`?), so the body is parsed here and
 * handed over.
 */
import type { IncomingMessage } from "node:http";
import { nestsDeeperThan, TOO_DEEP_MESSAGE } from "../transport/json-depth.js";

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: 400 | 413; message: string };

/**
 * The body's bytes, or null when it is larger than `maxBytes` (the rest is drained unread, so a 413
 * can still be answered); rejects when the connection fails. A declared Content-Length over the
 * limit is not read at all: the 413 closes the connection.
 */
export function readBodyBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) {
      resolve(null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBytes) {
        over = true;
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!over) resolve(Buffer.concat(chunks, size));
    });
    req.on("error", reject);
  });
}

export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  let body: Buffer | null;
  try {
    body = await readBodyBytes(req, maxBytes);
  } catch {
    return { ok: false, status: 400, message: "The request body could not be read (the connection failed)." };
  }
  if (body === null) {
    return {
      ok: false,
      status: 413,
      message: `Request body too large: the limit is ${maxBytes} bytes (--max-message-bytes / PETRI_MAX_MESSAGE_BYTES on the server). Send smaller arguments.`,
    };
  }
  if (nestsDeeperThan(body)) return { ok: false, status: 400, message: `Invalid request: ${TOO_DEEP_MESSAGE}` };
  try {
    return { ok: true, value: JSON.parse(body.toString("utf8")) };
  } catch {
    return { ok: false, status: 400, message: "Parse error: the request body is not valid JSON." };
  }
}
