/**
 * `petri-mcp demo`: a complete audit offline — in process, and through the built, bundled binary
 * with no API key and a PETRI_DB the demo must leave alone.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/commands/index.js";
import { tempDir } from "../helpers.js";
import { expectDemoTranscript } from "./demo-transcript.js";

const CLI = resolve(import.meta.dirname, "../../dist/cli.js");

describe("petri-mcp demo", () => {
  it("runs a scripted audit in process: tool calls, a rollback, realism checks and a judged, exported transcript", async () => {
    const out = join(tempDir("petri-demo-"), "out");
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await main(["demo", "--out", out], { stdout: (s) => stdout.push(s), stderr: (s) => stderr.push(s) });
    expect(stderr.join("\n")).toContain("no API key is used");
    expect(code).toBe(0);
    expectDemoTranscript(out, stdout.join("\n"));
  });

  it("--db puts the store where asked", async () => {
    const dir = tempDir("petri-demo-");
    const db = join(dir, "elsewhere.db");
    const code = await main(["demo", "--out", join(dir, "out"), "--db", db], { stdout: () => undefined, stderr: () => undefined });
    expect(code).toBe(0);
    expect(existsSync(db)).toBe(true);
    expect(existsSync(join(dir, "out", "demo.db"))).toBe(false);
  });

  it("the built, bundled binary completes the demo with no key and never opens PETRI_DB", () => {
    const dir = tempDir("petri-demo-bin-");
    const out = join(dir, "out");
    const userDb = join(dir, "user-store.db");
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, PETRI_DB: userDb };
    const run = spawnSync(process.execPath, [CLI, "demo", "--out", out], { cwd: dir, env, encoding: "utf8", timeout: 60_000 });
    expect(run.stderr).not.toMatch(/error|warn/i);
    expect(run.status).toBe(0);
    expectDemoTranscript(out, run.stdout);
    expect(existsSync(userDb)).toBe(false);
  });
});
