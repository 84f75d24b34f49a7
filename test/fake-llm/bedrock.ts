/**
 * Amazon Bedrock's InvokeModel wire format for Claude, for the fake server: `POST
 * /model/{modelId}/invoke` answers the Anthropic message JSON; `invoke-with-response-stream` sends
 * the Anthropic stream events inside AWS EventStream frames (`chunk` events whose payload is
 * `{"bytes": base64(event JSON)}`), as Bedrock does. Errors are Bedrock's (`{"message"}` with an
 * `x-amzn-errortype` header). Strict mode also checks what Bedrock requires of the SDK: the model
 * in the path and not in the body, `anthropic_version` in the body, and a SigV4 `Authorization`
 * header (present and well-formed; the signature itself is not verified) or a Bedrock API key.
 */
import type { ServerResponse } from "node:http";
import { crc32 } from "node:zlib";

/** `/model/<modelId>/invoke` or `/model/<modelId>/invoke-with-response-stream` (the id URL-encoded). */
export const BEDROCK_PATH = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream)$/;

const SIGV4 = /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/;

const EXCEPTIONS: Record<number, string> = {
  400: "ValidationException", 403: "AccessDeniedException", 404: "ResourceNotFoundException", 408: "ModelTimeoutException",
  424: "ModelErrorException", 429: "ThrottlingException", 500: "InternalServerException", 503: "ServiceUnavailableException",
};

/** Bedrock's error body and the header naming the exception. */
export function bedrockError(status: number, message: string, type?: string): { body: unknown; headers: Record<string, string> } {
  return { body: { message }, headers: { "x-amzn-errortype": `${type ?? EXCEPTIONS[status] ?? "InternalServerException"}:http://internal.amazon.com/coral/com.amazon.bedrock/` } };
}

/** A strict-mode problem with the Bedrock envelope (the Messages body itself is checked like Anthropic's). */
export function validateBedrockEnvelope(body: any, headers: Record<string, string>): string | null {
  if ("model" in body) return "Malformed input request: extraneous key [model] is not permitted, please reformat your input and try again.";
  if ("stream" in body) return "Malformed input request: extraneous key [stream] is not permitted, please reformat your input and try again.";
  if (typeof body.anthropic_version !== "string") return "Malformed input request: #: required key [anthropic_version] not found, please reformat your input and try again.";
  const auth = headers.authorization ?? "";
  if (!SIGV4.test(auth) && !/^Bearer \S+$/.test(auth)) return "Missing Authentication Token";
  if (SIGV4.test(auth) && !headers["x-amz-date"]) return "Missing Authentication Token";
  return null;
}

/** One AWS EventStream message: prelude (lengths + CRC), string headers, payload, message CRC. */
export function eventStreamFrame(headers: Record<string, string>, payload: Buffer): Buffer {
  const headerBytes = Buffer.concat(
    Object.entries(headers).map(([name, value]) => {
      const n = Buffer.from(name, "utf8");
      const v = Buffer.from(value, "utf8");
      const out = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
      out.writeUInt8(n.length, 0);
      n.copy(out, 1);
      out.writeUInt8(7, 1 + n.length); // 7: string
      out.writeUInt16BE(v.length, 2 + n.length);
      v.copy(out, 4 + n.length);
      return out;
    }),
  );
  const total = 12 + headerBytes.length + payload.length + 4;
  const frame = Buffer.alloc(total);
  frame.writeUInt32BE(total, 0);
  frame.writeUInt32BE(headerBytes.length, 4);
  frame.writeUInt32BE(crc32(frame.subarray(0, 8)), 8);
  headerBytes.copy(frame, 12);
  payload.copy(frame, 12 + headerBytes.length);
  frame.writeUInt32BE(crc32(frame.subarray(0, total - 4)), total - 4);
  return frame;
}

function chunkFrame(event: string): Buffer {
  const payload = Buffer.from(JSON.stringify({ bytes: Buffer.from(event, "utf8").toString("base64") }), "utf8");
  return eventStreamFrame({ ":event-type": "chunk", ":content-type": "application/json", ":message-type": "event" }, payload);
}

/**
 * A stand-in for the response that the Anthropic SSE renderer writes to: each SSE event's data
 * becomes one EventStream `chunk` frame on the real response.
 */
export function eventStreamResponse(res: ServerResponse): ServerResponse {
  const writer = {
    get destroyed() { return res.destroyed; },
    get writableEnded() { return res.writableEnded; },
    get socket() { return res.socket; },
    writeHead(status: number, headers: Record<string, string>) {
      res.writeHead(status, { ...headers, "content-type": "application/vnd.amazon.eventstream" });
      return writer;
    },
    write(text: string, then?: () => void) {
      const data = /^data: (.*)$/m.exec(text)?.[1];
      return data === undefined ? true : res.write(chunkFrame(data), then);
    },
    end(text?: string) {
      if (text) writer.write(text);
      res.end();
      return writer;
    },
  };
  return writer as unknown as ServerResponse;
}
