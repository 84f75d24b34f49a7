/**
 * Reads a JSON request body under a byte limit. The MCP transport could read it itself, but the
 * session router must see the body first (is it an `initialize`?), so the body is parsed here and
 * handed over.
 */
import type { IncomingMessage } from "node:http";
import { nestsDeeperThan, TOO_DEEP_MESSAGE } from "../transport/json-depth.js";

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: 400 | 413; message: string };

export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const tooLarge: BodyResult = {
    ok: false,
    status: 413,
    message: `Request body too large: the limit is ${maxBytes} bytes (--max-message-bytes / PETRI_MAX_MESSAGE_BYTES on the server). Send smaller arguments.`,
  };
  return new Promise((resolve) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) {
      // Not read at all: the 413 closes the connection.
      resolve(tooLarge);
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
        resolve(tooLarge);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (over) return;
      const body = Buffer.concat(chunks, size);
      if (nestsDeeperThan(body)) {
        resolve({ ok: false, status: 400, message: `Invalid request: ${TOO_DEEP_MESSAGE}` });
        return;
      }
      try {
        resolve({ ok: true, value: JSON.parse(body.toString("utf8")) });
      } catch {
        resolve({ ok: false, status: 400, message: "Parse error: the request body is not valid JSON." });
      }
    });
    req.on("error", () => resolve({ ok: false, status: 400, message: "The request body could not be read (the connection failed)." }));
  });
}
