/**
 * `serve --http --viewer`: the viewer answers every path but /mcp of the MCP HTTP server, with the
 * server's token and Host/Origin rules; /mcp keeps its own bearer-token rules.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpApp, type HttpApp } from "../../src/http/app.js";
import { createServer } from "../../src/server.js";
import { createViewer } from "../../src/viewer/server.js";
import { createTestApp, type TestApp } from "../helpers.js";
import { basic } from "../export/scenarios.js";
import { TOKEN } from "./viewer-helpers.js";

let t: TestApp;
let http: HttpApp;
let origin: string;
let viewerUrl: string;
let auditId: string;

beforeAll(async () => {
  t = await createTestApp();
  auditId = await basic(t);
  const viewer = createViewer({ store: t.app.store, token: TOKEN });
  http = createHttpApp(t.app, { token: TOKEN, otherPaths: viewer.handler, createServer });
  const { port } = await http.listen(0, "127.0.0.1");
  ({ origin, url: viewerUrl } = viewer.bound("127.0.0.1", port));
});

afterAll(async () => {
  await http?.close();
  await t?.close();
});

describe("serve --http --viewer", () => {
  it("serves the viewer next to /mcp with the same token", async () => {
    expect((await fetch(origin + "/")).status).toBe(401);
    const signIn = await fetch(viewerUrl, { redirect: "manual" });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
    const list = await fetch(origin + "/", { headers: { Cookie: cookie } });
    expect(list.status).toBe(200);
    expect(await list.text()).toContain(`/audits/${auditId}`);
    expect((await fetch(`${origin}/audits/${auditId}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it("leaves /mcp to the MCP server: the viewer cookie is no bearer token there", async () => {
    const cookie = (await fetch(viewerUrl, { redirect: "manual" })).headers.get("set-cookie")!.split(";")[0]!;
    const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } };
    const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
    const withCookie = await fetch(origin + "/mcp", { method: "POST", headers: { ...headers, Cookie: cookie }, body: JSON.stringify(init) });
    expect(withCookie.status).toBe(401);
    const withToken = await fetch(origin + "/mcp", { method: "POST", headers: { ...headers, Authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(init) });
    expect(withToken.status).toBe(200);
    await withToken.body?.cancel();
  });

  it("refuses a foreign Origin on the viewer paths too", async () => {
    const response = await fetch(origin + "/", { headers: { Authorization: `Bearer ${TOKEN}`, Origin: "https://evil.example" } });
    expect(response.status).toBe(403);
  });
});
