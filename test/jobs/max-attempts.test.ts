/**
 * Bounded, visible retries (issue 18): `petri-mcp audit --enqueue --max-attempts N` gives each audit
 * job N attempts; a job that keeps failing ends failed with its last error after N, and
 * `petri-mcp runs RUN_ID` shows the retries and the failed jobs with why. Bad values change nothing.
 */
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { runRunsCommand } from "../../src/commands/runs.js";
import { JobWorker } from "../../src/jobs/worker.js";
import { openStore } from "../../src/store/index.js";
import type { AuditStore } from "../../src/store/types.js";
import { type FakeLlm, startFakeLlm } from "../fake-llm/server.js";
import { tempDir } from "../helpers.js";
import { AUDITOR, captureIO, runAudit, TARGET } from "../runner/runner-helpers.js";
import { freshLocation, testBackends, useBackend } from "../support/backends.js";
import { cleanupAfterEach } from "../support/cleanup.js";

let fake: FakeLlm;
let dir: string;
let store: AuditStore | undefined;
const own = cleanupAfterEach();

const SEEDS = JSON.stringify(["Ask about MARK-r1 twice.", "Ask about MARK-r2 twice."]);

describe.each(testBackends())("--max-attempts [%s]", (backend) => {
  useBackend(backend);

  beforeEach(async () => {
    dir = own.folder(tempDir("petri-attempts-"));
    fake = own(await startFakeLlm());
  });

  async function enqueue(extra: string[]) {
    const location = await freshLocation(backend, dir);
    const run = await runAudit(fake, ["--auditor", AUDITOR, "--target", TARGET, "--seed-instructions", SEEDS, "--db", location, "--run-id", "tries", "--enqueue", ...extra]);
    return { location, run };
  }

  it("bounds each audit job's attempts; runs RUN_ID shows the retries and the failed jobs with their last error", { timeout: 60_000 }, async () => {
    const { location, run } = await enqueue(["--max-attempts", "2"]);
    expect(run.code, run.stderr.join("")).toBe(0);
    store = own(await openStore(location));
    expect((await store.jobs.listRun("tries")).map((j) => j.maxAttempts)).toEqual([2, 2]);
    // A worker whose every attempt fails: each job is tried twice, then ends failed.
    let calls = 0;
    const worker = new JobWorker({
      jobs: store.jobs,
      pollMs: 10,
      exitWhenIdle: true,
      handlers: {
        audit: async () => {
          calls++;
          throw new Error(`provider unreachable (call ${calls})`);
        },
      },
    });
    expect(await worker.run()).toMatchObject({ retried: 2, failed: 2, done: 0 });
    expect(calls).toBe(4);

    const json = captureIO();
    expect(await runRunsCommand(["tries", "--json", "--db", location], json.io)).toBe(0);
    const status = JSON.parse(json.stdout.join(""));
    expect(status.seeds).toMatchObject({ total: 2, failed: 2 });
    expect(status.retries).toBe(2);
    expect(status.failed_jobs).toHaveLength(2);
    for (const failed of status.failed_jobs) {
      expect(failed).toMatchObject({ target: TARGET, attempts: 2, max_attempts: 2 });
      expect(failed.last_error).toMatch(/^provider unreachable \(call \d\)$/);
    }
    // Each job's second attempt's error (the oldest queued job is claimed first: calls 1-2, then 3-4).
    expect(status.failed_jobs.map((f: { last_error: string }) => f.last_error).sort()).toEqual(["provider unreachable (call 2)", "provider unreachable (call 4)"]);
    const text = captureIO();
    expect(await runRunsCommand(["tries", "--db", location], text.io)).toBe(0);
    expect(text.stdout.join("")).toContain("retries 2; failed jobs 2");
    expect(text.stdout.join("")).toMatch(/2 of 2 attempts; last error: provider unreachable/);
    expect(fake.requests).toHaveLength(0);
  });

  it("refuses a bad --max-attempts, or one without --enqueue, and stores nothing", { timeout: 60_000 }, async () => {
    for (const [extra, message] of [
      [["--max-attempts", "0"], "--max-attempts must be a whole number from 1 to 20, got '0'."],
      [["--max-attempts", "21"], "--max-attempts must be a whole number from 1 to 20, got '21'."],
      [["--max-attempts", "two"], "--max-attempts must be a whole number from 1 to 20, got 'two'."],
    ] as const) {
      const { location, run } = await enqueue([...extra]);
      expect(run.code).toBe(2);
      expect(run.stderr.join("")).toContain(message);
      const opened = await openStore(location);
      try {
        expect(await opened.jobs.countsByRun("tries")).toMatchObject({ total: 0 });
        expect(await opened.runs.exists("tries")).toBe(false);
      } finally {
        await opened.close();
      }
    }
    const location = await freshLocation(backend, dir);
    const plain = await runAudit(fake, ["--auditor", AUDITOR, "--target", TARGET, "--seed-instructions", SEEDS, "--db", location, "--max-attempts", "2"]);
    expect(plain.code).toBe(2);
    expect(plain.stderr.join("")).toContain("--max-attempts applies to the jobs of --enqueue");
    expect(fake.requests).toHaveLength(0);
  });
});
