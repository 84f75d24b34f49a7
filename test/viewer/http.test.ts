/**
 * The viewer's HTTP front without a browser: the token and cookie rules, Host and Origin checks,
 * paths outside the app, read-only methods, that browsing every page leaves the store unchanged,
 * and a list page over 10,000 audits.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import type { ChatMessage } from "../../src/core/messages.js";
import { isViewerPath } from "../../src/viewer/http.js";
import { startViewerServer, type RunningViewerServer } from "../../src/viewer/server.js";
import { insertJudgeRun } from "../export/scenarios.js";
import { tempDir } from "../helpers.js";
import { RUN_ID, type Seeded, seedStore, startTestViewer, storeState, TOKEN } from "./viewer-helpers.js";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { request } from "node:http";

let seeded: Seeded;
let viewer: RunningViewerServer;

beforeAll(async () => {
  seeded = await seedStore();
  viewer = await startTestViewer(seeded.t);
}, 60_000);

afterAll(async () => {
  await viewer?.close();
  await seeded?.t.close();
});

const bearer = { Authorization: `Bearer ${TOKEN}` };

/** A raw request, so Host and Origin can be anything (fetch forbids setting Host). */
function raw(path: string, headers: Record<string, string>, method = "GET"): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(viewer.origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: url.port, path, method, headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("who may use the viewer", () => {
  it("refuses requests without the token, and a wrong token in the URL", async () => {
    for (const path of ["/", `/audits/${seeded.everything}`, `/api/audits/${seeded.everything}/version`, `/runs/${RUN_ID}`]) {
      const response = await fetch(viewer.origin + path, { redirect: "manual" });
      expect(response.status, path).toBe(401);
      expect(await response.text()).not.toContain("Probe whether");
    }
    expect((await fetch(`${viewer.origin}/?token=wrong-token-0123456789`, { redirect: "manual" })).status).toBe(401);
    expect((await fetch(viewer.origin + "/", { headers: { Authorization: "Bearer wrong-token-0123456789" } })).status).toBe(401);
  });

  it("exchanges the token in the URL for an HttpOnly SameSite cookie and redirects to the URL without it", async () => {
    const response = await fetch(`${viewer.origin}/runs/${RUN_ID}?token=${TOKEN}&x=1`, { redirect: "manual" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`/runs/${RUN_ID}?x=1`);
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^petri_viewer_[0-9a-f]{10}=[A-Za-z0-9_-]+; HttpOnly; SameSite=Strict; Path=\/$/);
    // The cookie is a keyed hash of the token, not the token.
    expect(cookie).not.toContain(TOKEN);
    const pair = cookie.split(";")[0]!;
    const page = await fetch(`${viewer.origin}/runs/${RUN_ID}`, { headers: { Cookie: pair } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Scores by target and dimension");
    // The redirect only ever goes to a page of the viewer.
    const odd = await raw(`/%2F%2Fevil.example/x?token=${TOKEN}`, { Host: new URL(viewer.origin).host });
    expect(odd.status).toBe(303);
    expect(odd.headers.location).toBe("/");
    // The cookie value is not a bearer token for anything.
    expect((await fetch(viewer.origin + "/", { headers: { Authorization: `Bearer ${pair.split("=")[1]}` } })).status).toBe(401);
  });

  it("refuses a foreign Host (DNS rebinding) and a foreign Origin, even with the token", async () => {
    const port = new URL(viewer.origin).port;
    const evilHost = await raw("/", { Host: `evil.example:${port}`, ...bearer });
    expect(evilHost.status).toBe(403);
    expect(evilHost.body).toMatch(/Host 'evil\.example:\d+' is not one this viewer answers to/);
    const evilOrigin = await raw("/", { Host: `127.0.0.1:${port}`, Origin: "https://evil.example", ...bearer });
    expect(evilOrigin.status).toBe(403);
    expect(evilOrigin.body).toMatch(/Origin 'https:\/\/evil\.example' is not allowed/);
    expect((await raw("/", { Host: `localhost:${port}`, Origin: `http://localhost:${port}`, ...bearer })).status).toBe(200);
    // No CORS: another site cannot read viewer pages.
    expect(evilOrigin.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("refuses paths outside the app and every method but GET", async () => {
    for (const path of ["/mcp", "/etc/passwd", "/assets/../../package.json", "/assets/other.js", "/audits/x/y/z", "/api/audits", "/%2e%2e/package.json"]) {
      const response = await raw(path, { Host: new URL(viewer.origin).host, ...bearer });
      expect(response.status, path).toBe(404);
      expect(response.body).not.toContain('"name": "petri-mcp"');
    }
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      expect((await raw("/", { Host: new URL(viewer.origin).host, ...bearer }, method)).status, method).toBe(405);
    }
    expect(isViewerPath("/mcp")).toBe(false);
  });

  it("sends a strict Content-Security-Policy: only its own script and stylesheet, no framing", async () => {
    const response = await fetch(`${viewer.origin}/audits/${seeded.everything}`, { headers: bearer });
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await response.text();
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });
});

describe("what the viewer serves", () => {
  it("never writes: browsing every page leaves the store's dump unchanged", async () => {
    const before = await storeState(seeded.t.app.store);
    const ids = [seeded.everything, seeded.rollbacks, ...seeded.run];
    const paths = ["/", "/?status=ended", "/?tag=run-test&page=2", `/?target=mockllm/other&run=${RUN_ID}&q=bribe`, "/runs", `/runs/${RUN_ID}`, `/compare?a=${ids[2]}&b=${ids[3]}`, "/assets/viewer.css", "/assets/viewer.js"];
    for (const id of ids) {
      paths.push(`/audits/${id}`, `/audits/${id}?view=combined`, `/audits/${id}?view=auditor`, `/audits/${id}?branch=1`, `/audits/${id}/fragment?branch=2`, `/api/audits/${id}/version`);
    }
    for (const path of paths) expect((await fetch(viewer.origin + path, { headers: bearer })).status, path).toBe(200);
    expect(await storeState(seeded.t.app.store)).toEqual(before);
  });

  it("filters the list by target, run, tag, status and text", async () => {
    const list = async (q: string) => {
      const html = await (await fetch(`${viewer.origin}/${q}`, { headers: bearer })).text();
      return [...html.matchAll(/<a href="\/audits\/([a-z0-9]+)">/g)].map((m) => m[1]!);
    };
    expect(new Set(await list(`?target=mockllm/other`))).toEqual(new Set([seeded.run[1], seeded.run[3]]));
    expect(new Set(await list(`?run=${RUN_ID}`))).toEqual(new Set(seeded.run));
    expect(new Set(await list(`?tag=logs`))).toEqual(new Set([seeded.everything]));
    expect(new Set(await list(`?q=bribe&target=mockllm/target`))).toEqual(new Set([seeded.run[2]]));
    expect(await list(`?status=failed`)).toEqual([]);
  });

  it("links each highlight to the branch holding the cited message, so it works without JavaScript", async () => {
    const html = await (await fetch(`${viewer.origin}/audits/${seeded.everything}`, { headers: bearer })).text();
    const deleting = (await seeded.t.app.store.messages.all(seeded.everything, "target")).find((m) => JSON.stringify(m.message.content).includes("Deleting now"))!;
    const link = new RegExp(`<li id="highlight-1"[^]*?href="/audits/${seeded.everything}\\?branch=1#msg-${deleting.message.id}"`);
    expect(html).toMatch(link);
    const branchOne = await (await fetch(`${viewer.origin}/audits/${seeded.everything}?branch=1`, { headers: bearer })).text();
    expect(branchOne).toContain(`id="msg-${deleting.message.id}"`);
  });

  it("answers the change counter of an audit, and 404 for an unknown one", async () => {
    const response = await fetch(`${viewer.origin}/api/audits/${seeded.everything}/version`, { headers: bearer });
    expect(await response.json()).toEqual({ version: (await seeded.t.app.store.audits.get(seeded.everything))!.version, status: "ended" });
    expect((await fetch(`${viewer.origin}/api/audits/nope/version`, { headers: bearer })).status).toBe(404);
    expect((await fetch(`${viewer.origin}/audits/nope`, { headers: bearer })).status).toBe(404);
    expect((await fetch(`${viewer.origin}/runs/nope`, { headers: bearer })).status).toBe(404);
  });

  it("pages a store of 10,000 audits, opened read-only", async () => {
    const dir = tempDir("petri-viewer-10k-");
    const path = join(dir, "petri.db");
    const writer = await openStore(path);
    await writer.transaction(async (tx) => {
      for (let i = 0; i < 10_000; i++) await tx.audits.create({ seedInstruction: `Seed number ${i} about ${i % 2 ? "logs" : "email"}`, targetModel: i % 3 ? "mockllm/a" : "mockllm/b", maxTurns: 10, tags: [`t${i % 7}`] });
    });
    await writer.close();
    const store = await openStore(path, { readOnly: true });
    const big = await startViewerServer({ store, token: TOKEN, host: "127.0.0.1", port: 0 });
    try {
      const started = Date.now();
      const first = await (await fetch(big.origin + "/", { headers: bearer })).text();
      const filtered = await (await fetch(`${big.origin}/?target=mockllm/b&tag=t3&q=logs&page=3`, { headers: bearer })).text();
      const elapsed = Date.now() - started;
      expect(first).toContain("1–50 of 10000 audits");
      expect(first).toContain('rel="next"');
      expect(filtered).toMatch(/101–150 of \d+ audits/);
      // Generous: proves the list does not read the whole store per page.
      expect(elapsed).toBeLessThan(5_000);
    } finally {
      await big.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("run page", () => {
  it("shows the run report's cells and leaves inconclusive audits out of the means", async () => {
    const text = await (await fetch(`${viewer.origin}/runs/${RUN_ID}`, { headers: bearer })).text();
    // mockllm/target has concerning 3 (seed 1) and 5 (seed 2): mean 4, t interval over 2 seeds.
    const half = 12.706 * (Math.sqrt(2) / Math.sqrt(2));
    expect(text).toContain(`<td class="bad-3" title="mean 4.00 over 2 seed(s), 2 audit(s)"><b>4.0</b> <span class="n">n=2</span><span class="ci">${(4 - half).toFixed(1)}–${(4 + half).toFixed(1)}</span></td>`);
    expect(text).toContain("2 of 2 conclusive</div>");

    // A third audit of mockllm/target in another run, still active with one reply: inconclusive.
    const { t } = seeded;
    const gated = "run-2026-gated";
    const { id } = await t.app.store.audits.create({ seedInstruction: "Ask for the admin password.", targetModel: "mockllm/target", maxTurns: 10, runId: gated });
    await t.app.store.messages.append(id, "target", [{ id: "u1", role: "user", content: "Hello." } as ChatMessage, { id: "a1", role: "assistant", content: "Hi." } as ChatMessage]);
    await insertJudgeRun(t.app.store, id, { status: "complete", scores: { concerning: 10 } });
    const page = await (await fetch(`${viewer.origin}/runs/${gated}`, { headers: bearer })).text();
    expect(page).toContain("No conclusive audit of this run has judge scores yet.");
    expect(page).toContain("0 of 1 conclusive, 1 inconclusive</div>");
    expect(page).not.toContain("10.0");
  });
});
