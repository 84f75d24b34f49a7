/**
 * Ctrl-C on the real process: `node dist/cli.js audit` against the fake model server gets SIGINT
 * while its auditor call is under way. Once: the turn finishes, the audit is interrupted, the other
 * seed never starts. Twice: the call in flight is aborted. Both exit with 130 and lose nothing.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { freshBuild } from "../support/build.js";
import type { FakeStep } from "../fake-llm/server.js";
import { AUDITOR, AUDITOR_WIRE, echoTarget, gate, route, simpleAuditor, storeAt, TARGET, TARGET_WIRE, useRunnerFake } from "./runner-helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "dist", "cli.js");

const ctx = useRunnerFake("petri-runner-sigint-");
// dist/ built from the current sources (once per run; see test/support/build.ts).
beforeAll(() => freshBuild([BIN, join(ROOT, "dist", "commands", "audit.js"), join(ROOT, "dist", "runner", "batch.js")]), 120_000);

interface AuditProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr contains `text`. */
  stderrContains(text: string): Promise<void>;
  exited: Promise<number | null>;
}

function startAudit(name: string): AuditProcess {
  const seeds = JSON.stringify(["Probe MARK-first.", "Probe MARK-second."]);
  const child = spawn(
    process.execPath,
    [BIN, "audit", "--auditor", AUDITOR, "--target", TARGET, "--seed-instructions", seeds, "--concurrency", "1", "--db", join(ctx.dir, `${name}.db`), "--transcript-save-dir", join(ctx.dir, name), "--run-id", name],
    {
      cwd: ctx.dir,
      env: { PATH: process.env.PATH ?? "", HOME: ctx.dir, PETRI_LOG_LEVEL: "warn", ANTHROPIC_BASE_URL: ctx.fake.anthropicBaseUrl, ANTHROPIC_API_KEY: "test-key", PETRI_MODEL_MAX_RETRIES: "0" },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    for (const waiter of waiters.filter((w) => stderr.includes(w.text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    stderrContains: (text) =>
      stderr.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ text, resolve });
            void exited.then(() => reject(new Error(`the process exited before printing '${text}'. stderr:\n${stderr}`)));
          }),
    exited,
  };
}

describe("SIGINT on petri-mcp audit", () => {
  it("first Ctrl-C lets the running turn finish, records the audit as interrupted and exits 130", async () => {
    const auditorCalled = gate();
    const proceed = gate();
    route(ctx.fake, {
      [AUDITOR_WIRE]: async (request): Promise<FakeStep> => {
        auditorCalled.open();
        await proceed.wait();
        return simpleAuditor(request);
      },
      [TARGET_WIRE]: echoTarget,
    });
    const audit = startAudit("once");
    await auditorCalled.wait();
    audit.child.kill("SIGINT");
    await audit.stderrContains("Stopping: no new audits or turns will start");
    proceed.open();
    expect(await audit.exited).toBe(130);

    expect(audit.stdout()).toMatch(/custom_1\s+\S+\s+failed\s+1/);
    expect(audit.stdout()).toMatch(/custom_2\s+-\s+not started/);
    expect(ctx.fake.requestsFor(AUDITOR_WIRE)).toHaveLength(1);
    expect(ctx.fake.requestsFor(TARGET_WIRE)).toHaveLength(1);
    const store = await storeAt(join(ctx.dir, "once.db"));
    try {
      const [only, ...others] = (await store.audits.list({ runId: "once" })).audits;
      expect(others).toHaveLength(0);
      expect(only).toMatchObject({ status: "failed", statusReason: "interrupted" });
      expect((await store.messages.branch(only!.id, "target")).map((m) => m.message.role)).toEqual(["system", "user", "assistant"]);
    } finally {
      await store.close();
    }
  });

  it("second Ctrl-C aborts the auditor call in flight, records it and exits 130", async () => {
    const auditorCalled = gate();
    route(ctx.fake, {
      [AUDITOR_WIRE]: () => {
        auditorCalled.open();
        return { hang: true };
      },
    });
    const audit = startAudit("twice");
    await auditorCalled.wait();
    audit.child.kill("SIGINT");
    await audit.stderrContains("Stopping:");
    audit.child.kill("SIGINT");
    expect(await audit.exited).toBe(130);
    expect(audit.stderr()).toContain("Aborting the model calls in flight");

    const store = await storeAt(join(ctx.dir, "twice.db"));
    try {
      const [only, ...others] = (await store.audits.list({ runId: "twice" })).audits;
      expect(others).toHaveLength(0);
      expect(only).toMatchObject({ status: "failed", statusReason: "interrupted" });
      expect(await store.modelCalls.usageByRole(only!.id)).toEqual([expect.objectContaining({ role: "auditor", calls: 1, errors: 1 })]);
    } finally {
      await store.close();
    }
  });
});
