/**
 * The transport every model SDK client uses: a `fetch` on `node:http`/`node:https` with keep-alive
 * agents, passed to the official SDKs through their `fetch` option. The SDKs keep their types,
 * retries, timeouts and error mapping; what goes is the cost of Node's built-in fetch (undici's
 * WHATWG-stream request pipeline), which profiling showed to be the largest single cost of a turn.
 *
 * - A plain response is read into one buffer and handed over as a Response built from it; an SSE
 *   response (`text/event-stream`) is streamed, so streaming calls see events as they arrive.
 * - gzip, deflate and br bodies are decoded, as fetch does.
 * - Anything this transport does not handle (a non-HTTP URL, a streamed or multipart request
 *   body) goes to the built-in fetch unchanged.
 * - Errors look like fetch's: an abort rejects with an AbortError, a connection failure with
 *   `TypeError("fetch failed", { cause })`, which the SDKs map to their timeout and connection errors.
 */
import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";
import zlib from "node:zlib";

/**
 * An idle kept-alive socket is closed after this long, under the 5 s idle timeout most HTTP
 * servers (Node's included) apply, so a request rarely meets a socket the server is closing
 * (undici's fetch has the same race; a call that meets it fails as a connection error, which the
 * SDK retries within its maxRetries).
 */
const IDLE_SOCKET_MS = 4_000;

/** Keep-alive agents whose idle sockets time out (Node destroys a free socket on its timeout). */
function keepAlive<A extends http.Agent>(agent: A): A {
  const idle = agent as unknown as { keepSocketAlive(socket: import("node:net").Socket): boolean; reuseSocket(socket: import("node:net").Socket, req: http.ClientRequest): void };
  const keep = idle.keepSocketAlive.bind(agent);
  const reuse = idle.reuseSocket.bind(agent);
  idle.keepSocketAlive = (socket) => {
    const kept = keep(socket);
    if (kept) socket.setTimeout(IDLE_SOCKET_MS);
    return kept;
  };
  idle.reuseSocket = (socket, req) => {
    socket.setTimeout(0);
    reuse(socket, req);
  };
  return agent;
}

const agents = {
  "http:": keepAlive(new http.Agent({ keepAlive: true })),
  "https:": keepAlive(new https.Agent({ keepAlive: true })),
};

type FetchInput = string | URL | Request;

function abortError(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name === "AbortError" ? reason : new DOMException("This operation was aborted", "AbortError");
}

/** Node says "socket hang up" when the server closes the connection without answering; say that plainly. */
function closedEarly(error: NodeJS.ErrnoException): NodeJS.ErrnoException {
  if (error.code !== "ECONNRESET" || error.message !== "socket hang up") return error;
  return Object.assign(new Error("other side closed before answering"), { code: error.code });
}

function requestHeaders(init: RequestInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (init?.headers) new Headers(init.headers).forEach((value, name) => (out[name] = value));
  return out;
}

function responseHeaders(raw: string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

/** The decoded body stream of a response, and whether it was encoded. */
function decoded(res: http.IncomingMessage): { body: Readable; encoded: boolean } {
  const encoding = String(res.headers["content-encoding"] ?? "").trim().toLowerCase();
  if (encoding === "gzip" || encoding === "x-gzip") return { body: res.pipe(zlib.createGunzip()), encoded: true };
  if (encoding === "deflate") return { body: res.pipe(zlib.createInflate()), encoded: true };
  if (encoding === "br") return { body: res.pipe(zlib.createBrotliDecompress()), encoded: true };
  return { body: res, encoded: false };
}

function readAll(body: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    body.on("data", (chunk: Buffer) => chunks.push(chunk));
    body.once("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    body.once("error", reject);
  });
}

function toResponse(res: http.IncomingMessage, url: string, method: string): Promise<Response> {
  const status = res.statusCode ?? 0;
  const headers = responseHeaders(res.rawHeaders);
  const { body, encoded } = decoded(res);
  if (encoded) {
    headers.delete("content-encoding");
    headers.delete("content-length");
  }
  const init = { status, statusText: res.statusMessage ?? "", headers };
  const finish = (response: Response) => {
    Object.defineProperty(response, "url", { value: url });
    return response;
  };
  const noBody = method === "HEAD" || status === 204 || status === 205 || status === 304;
  if (noBody) {
    res.resume();
    return Promise.resolve(finish(new Response(null, init)));
  }
  if ((headers.get("content-type") ?? "").includes("text/event-stream")) {
    return Promise.resolve(finish(new Response(Readable.toWeb(body) as ReadableStream<Uint8Array>, init)));
  }
  return readAll(body).then((buffer) => finish(bufferedResponse(buffer, init)));
}

/**
 * A Response over a body already in memory. `text()`, `json()` and `arrayBuffer()` (all the SDKs
 * read from a plain reply) decode the buffer directly; a Response built on the buffer, with its
 * ReadableStream (undici's body machinery, ~5% of a turn's CPU in profiles), is made only if the
 * caller asks for anything else (`body`, `blob()`, `clone()`...), and then serves every read.
 */
function bufferedResponse(buffer: Buffer, init: ResponseInit): Response {
  const response = new Response(null, init);
  let full: Response | undefined;
  let used = false;
  const real = (): Response => (full ??= new Response(used ? null : buffer, init));
  const take = <T>(read: () => T, fallback: (r: Response) => Promise<T>): Promise<T> => {
    if (used) return Promise.reject(new TypeError("Body is unusable: Body has already been read"));
    if (full) return fallback(full);
    used = true;
    try {
      return Promise.resolve(read());
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const text = () => new TextDecoder().decode(buffer);
  Object.defineProperties(response, {
    body: { get: () => real().body },
    bodyUsed: { get: () => used || (full?.bodyUsed ?? false) },
    text: { value: () => take(text, (r) => r.text()) },
    json: { value: () => take(() => JSON.parse(text()) as unknown, (r) => r.json()) },
    arrayBuffer: { value: () => take(() => buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength), (r) => r.arrayBuffer()) },
    bytes: { value: () => (real() as Response & { bytes(): Promise<Uint8Array> }).bytes() },
    blob: { value: () => real().blob() },
    formData: { value: () => real().formData() },
    clone: { value: () => real().clone() },
  });
  return response;
}

/** A `fetch` for the model SDKs: keep-alive node:http for plain HTTP(S) requests, the built-in fetch otherwise. */
export function modelFetch(input: FetchInput, init?: RequestInit): Promise<Response> {
  const href = typeof input === "string" ? input : input instanceof URL ? input.href : undefined;
  const url = href === undefined ? undefined : new URL(href);
  const body = init?.body;
  const simpleBody = body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array;
  if (!url || !(url.protocol in agents) || !simpleBody) return fetch(input, init);

  const signal = init?.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const method = (init?.method ?? "GET").toUpperCase();
  const headers = requestHeaders(init);
  const payload = typeof body === "string" ? Buffer.from(body) : (body ?? undefined);
  if (payload !== undefined) headers["content-length"] = String(payload.byteLength);
  const transport = url.protocol === "https:" ? https : http;

  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    let request: http.ClientRequest | undefined;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      reject(error);
    };
    const onAbort = () => {
      const error = abortError(signal!);
      request?.destroy(error instanceof Error ? error : undefined);
      fail(error);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    // No retry here, not even on a reused socket: the server may have received the request, and
    // retrying is the SDK's decision (its maxRetries).
    request = transport.request(url, { method, headers, agent: agents[url.protocol as keyof typeof agents] });
    let answered = false;
    request.once("error", (error: NodeJS.ErrnoException) => {
      fail(signal?.aborted ? abortError(signal) : new TypeError("fetch failed", { cause: answered ? error : closedEarly(error) }));
    });
    request.once("response", (res) => {
      answered = true;
      // An abort after the headers ends the body too (fetch behaves the same).
      res.once("error", () => undefined);
      toResponse(res, url.href, method).then(
        (response) => {
          if (settled) return;
          settled = true;
          if (!(response.headers.get("content-type") ?? "").includes("text/event-stream")) signal?.removeEventListener("abort", onAbort);
          resolve(response);
        },
        (error: unknown) => fail(signal?.aborted ? abortError(signal) : new TypeError("fetch failed", { cause: error })),
      );
    });
    request.end(payload);
  });
}
