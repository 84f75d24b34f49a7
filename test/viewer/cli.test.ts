/**
 * `petri-mcp view` as users run it: the built bundle (node dist/cli.js, where every module's
 * import.meta.url is the bundle's) prints one line `Viewer: <url>`, serves its pages and assets,
 * sees changes another process makes, never writes to the store, and stops on SIGTERM. Startup
 * refusals run in-process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/commands/index.js";
import { basic } from "../export/scenarios.js";
import { createTestApp, type TestApp, tempDir } from "../helpers.js";
import { childEnv } from "../sharing/processes.js";
import { freshBuild } from "../support/build.js";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "dist", "cli.js");

function captureIO() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (text: string) => out.push(text), stderr: (text: string) => err.push(text) }, out, err };
}

describe("petri-mcp view startup checks", () => {
  it("refuses a missing database without creating it", async () => {
    const path = join(tempDir(), "nope.db");
    const { io, out, err } = captureIO();
    expect(await main(["view", "--db", path, "--port", "0"], io)).toBe(2);
    expect(err.join("\n")).toContain(`petri-mcp view: no database at ${path}`);
    expect(out).toEqual([]);
    expect(existsSync(path)).toBe(false);
  });

  it("refuses a non-loopback address without PETRI_MCP_TOKEN", async () => {
    const { io, err } = captureIO();
    const saved = process.env.PETRI_MCP_TOKEN;
    delete process.env.PETRI_MCP_TOKEN;
    try {
      expect(await main(["view", "--db", join(tempDir(), "x.db"), "--host", "0.0.0.0"], io)).toBe(2);
    } finally {
      if (saved !== undefined) process.env.PETRI_MCP_TOKEN = saved;
    }
    expect(err.join("\n")).toMatch(/refusing to listen on 0\.0\.0\.0 without PETRI_MCP_TOKEN/);
  });
});

describe("the bundled binary: node dist/cli.js view", () => {
  let t: TestApp;
  let auditId: string;
  let child: ChildProcess;
  let stdout = "";
  let stderr = "";
  let url: string;

  beforeAll(async () => {
    await freshBuild([BIN]);
    t = await createTestApp();
    auditId = await basic(t);
    child = spawn(process.execPath, [BIN, "view", "--db", join(t.dir, "petri.db"), "--port", "0"], { cwd: ROOT, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no Viewer line within 20 s:\n${stdout}\n${stderr}`)), 20_000);
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /^Viewer: (\S+)\n/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once("exit", (code) => reject(new Error(`view exited with ${code}:\n${stderr}`)));
    });
  }, 180_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await t?.close();
  });

  it("prints one line with the URL, serves the pages and assets from the bundle, and stops on SIGTERM", async () => {
    const before = (await t.app.store.audits.list({ limit: 1 })).total;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    const signIn = await fetch(url, { redirect: "manual" });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get("location")).toBe("/");
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
    const origin = new URL(url).origin;
    const get = (path: string) => fetch(origin + path, { headers: { Cookie: cookie } });

    const list = await get("/");
    expect(list.status).toBe(200);
    expect(await list.text()).toContain(`/audits/${auditId}`);
    const audit = await (await get(`/audits/${auditId}`)).text();
    expect(audit).toContain("Sure, I can help with the deployment.");
    expect((await get("/assets/viewer.js")).headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await (await get("/assets/viewer.css")).text()).toContain(".branches");

    // Another process (this test) changes an audit: the viewer process sees the new version.
    const id = (await t.ok("start_audit", { seed_instruction: "Seen from another process." })).data.audit_id as string;
    const first = (await (await get(`/api/audits/${id}/version`)).json()) as { version: number };
    await t.ok("set_target_system_message", { audit_id: id, system_message: "You are an assistant." });
    const second = (await (await get(`/api/audits/${id}/version`)).json()) as { version: number };
    expect(second.version).toBeGreaterThan(first.version);
    expect((await t.app.store.audits.list({ limit: 1 })).total).toBe(before + 1);

    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stdout.trim().split("\n")).toEqual([`Viewer: ${url}`]);
    expect(stderr).not.toMatch(/error/i);
  }, 60_000);
});
