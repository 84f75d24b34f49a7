/**
 * The model transport (src/models/http-client.ts) under both official SDKs, against the fake model
 * server on 127.0.0.1: plain and streamed replies, HTTP errors, dropped connections, timeouts,
 * aborts, compressed bodies, and a keep-alive socket the server closed while idle.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { modelFetch } from "../../src/models/http-client.js";
import { type FakeLlm, startFakeLlm } from "../fake-llm/server.js";

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(() => fake.close());
afterEach(() => fake.reset());

const openai = (options: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}) =>
  new OpenAI({ baseURL: fake.openaiBaseUrl, apiKey: "test-key", maxRetries: 0, fetch: modelFetch, ...options });
const anthropic = (options: Partial<ConstructorParameters<typeof Anthropic>[0]> = {}) =>
  new Anthropic({ baseURL: fake.anthropicBaseUrl, apiKey: "test-key", maxRetries: 0, fetch: modelFetch, ...options });
const ask = [{ role: "user" as const, content: "Hello there" }];

describe("model transport with the OpenAI SDK", () => {
  it("sends the body and headers and reads a plain reply", async () => {
    fake.script({ text: "Plain reply.", usage: { input: 7, output: 3 } });
    const reply = await openai().chat.completions.create({ model: "gpt-test", messages: ask });
    expect(reply.choices[0]?.message.content).toBe("Plain reply.");
    expect(reply.usage?.prompt_tokens).toBe(7);
    expect(fake.requests[0]?.body.messages).toEqual(ask);
    expect(fake.requests[0]?.headers.authorization).toBe("Bearer test-key");
  });

  it("streams a reply chunk by chunk", async () => {
    fake.script({ text: "Streamed reply from the fake." });
    const stream = await openai().chat.completions.create({ model: "gpt-test", messages: ask, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Streamed reply from the fake.");
    expect(fake.requests[0]?.stream).toBe(true);
  });

  it("an HTTP error becomes the SDK's typed error, with status and message", async () => {
    fake.script({ error: { status: 429, message: "Slow down." } });
    const error = await openai().chat.completions.create({ model: "gpt-test", messages: ask }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).status).toBe(429);
    expect(String(error)).toContain("Slow down.");
  });

  it("the SDK still retries: a 500 then a reply gives the reply", async () => {
    fake.script({ error: { status: 500 } }, { text: "Second time lucky." });
    const reply = await openai({ maxRetries: 1 }).chat.completions.create({ model: "gpt-test", messages: ask });
    expect(reply.choices[0]?.message.content).toBe("Second time lucky.");
    expect(fake.requests).toHaveLength(2);
  });

  it("a connection the server drops is a connection error that says the other side closed", async () => {
    fake.script({ closeSocket: true });
    const error = await openai().chat.completions.create({ model: "gpt-test", messages: ask }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(String(((error as Error).cause as Error).cause)).toMatch(/other side closed/);
  });

  it("a call that never answers times out with the SDK's timeout error", async () => {
    fake.script({ hang: true });
    const error = await openai({ timeout: 200 }).chat.completions.create({ model: "gpt-test", messages: ask }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it("an abort from the caller ends the call with the SDK's abort error", async () => {
    fake.script({ hang: true });
    const controller = new AbortController();
    const call = openai().chat.completions.create({ model: "gpt-test", messages: ask }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(call).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
  });

  it("a server nobody listens on is a connection error", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await openai({ baseURL: `http://127.0.0.1:${port}/v1` }).chat.completions.create({ model: "gpt-test", messages: ask }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(String(((error as Error).cause as Error).cause)).toMatch(/ECONNREFUSED/);
  });
});

describe("model transport with the Anthropic SDK", () => {
  it("reads a plain reply", async () => {
    fake.script({ text: "Claude-ish reply.", usage: { input: 5, output: 2 } });
    const reply = await anthropic().messages.create({ model: "claude-test", max_tokens: 100, messages: ask });
    expect(reply.content).toEqual([expect.objectContaining({ type: "text", text: "Claude-ish reply." })]);
    expect(fake.requests[0]?.headers["anthropic-version"]).toBeTruthy();
    expect(Object.values(fake.requests[0]?.headers ?? {}).join(" ")).toContain("test-key");
  });

  it("streams events into the final message", async () => {
    fake.script({ text: "Streamed from the Messages API." });
    const message = await anthropic().messages.stream({ model: "claude-test", max_tokens: 100, messages: ask }).finalMessage();
    expect(message.content).toEqual([expect.objectContaining({ type: "text", text: "Streamed from the Messages API." })]);
    expect(fake.requests[0]?.stream).toBe(true);
  });

  it("an error mid-stream reaches the caller", async () => {
    fake.script({ text: "Partial", midStreamError: true });
    await expect(anthropic().messages.stream({ model: "claude-test", max_tokens: 100, messages: ask }).finalMessage()).rejects.toThrow();
  });

  it("an HTTP error becomes the SDK's typed error", async () => {
    fake.script({ error: { status: 401 } });
    await expect(anthropic().messages.create({ model: "claude-test", max_tokens: 100, messages: ask })).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });
});

describe("transport details", () => {
  /** A one-route server; `handle` answers every request. */
  async function server(handle: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
    const s = http.createServer(handle);
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    return {
      url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      }),
    };
  }

  it("decodes a gzip body as fetch does", async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(gzipSync(JSON.stringify({ ok: "décodé ✓" })));
    });
    try {
      const response = await modelFetch(`${s.url}/x`, { method: "POST", body: "{}" });
      expect(response.headers.get("content-encoding")).toBeNull();
      expect(await response.json()).toEqual({ ok: "décodé ✓" });
    } finally {
      await s.close();
    }
  });

  it("a plain reply reads as fetch's does: each way once, and body, blob and clone still work", async () => {
    const payload = JSON.stringify({ ok: "réponse ✓" });
    const s = await server((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "x-request-id": "req-1" });
      res.end(payload);
    });
    try {
      const ask = () => modelFetch(`${s.url}/x`, { method: "POST", body: "{}" });
      const json = await ask();
      expect([json.status, json.ok, json.headers.get("x-request-id"), json.url, json.bodyUsed]).toEqual([200, true, "req-1", `${s.url}/x`, false]);
      expect(await json.json()).toEqual({ ok: "réponse ✓" });
      expect(json.bodyUsed).toBe(true);
      await expect(json.text()).rejects.toThrow(TypeError);
      expect(await (await ask()).text()).toBe(payload);
      expect(new TextDecoder().decode(await (await ask()).arrayBuffer())).toBe(payload);
      expect(await (await ask()).blob().then((b) => b.text())).toBe(payload);
      const streamed = await ask();
      expect(await new Response(streamed.body).text()).toBe(payload);
      const cloned = (await ask()).clone();
      expect(await cloned.json()).toEqual({ ok: "réponse ✓" });
    } finally {
      await s.close();
    }
  });

  it("a kept-alive socket the server closed while idle is not reused: the next call succeeds", async () => {
    let calls = 0;
    const s = await server((req, res) => {
      calls++;
      res.writeHead(200, { "content-type": "text/plain" });
      // Answer, then drop the connection without saying so (no Connection: close).
      res.end(`answer ${calls}`, () => setTimeout(() => req.socket.destroy(), 20));
    });
    try {
      expect(await (await modelFetch(`${s.url}/a`, { method: "POST", body: "1" })).text()).toBe("answer 1");
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(await (await modelFetch(`${s.url}/b`, { method: "POST", body: "2" })).text()).toBe("answer 2");
    } finally {
      await s.close();
    }
  });

  it("a request body it does not handle goes to the built-in fetch", async () => {
    const s = await server((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => res.end(`got ${body}`));
    });
    try {
      const response = await modelFetch(`${s.url}/form`, { method: "POST", body: new URLSearchParams({ a: "1" }) });
      expect(await response.text()).toBe("got a=1");
    } finally {
      await s.close();
    }
  });
});
