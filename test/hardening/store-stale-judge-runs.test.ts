/**
 * A judge run whose process died is never followed by a new `judge` call.
 *
 * Regression test: `judge` called again within 90 s of a crash (same audit, model and dimensions)
 * returned the dead run's id with "an identical judge run was already under way", and nothing ran.
 * Now a run is followed only while its heartbeat is fresh (3 heartbeat intervals) and, when its
 * owner is a process of this host, that process still exists; a stale run is marked interrupted
 * with the reason when the new run starts.
 */
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { defaultDimensions, toStoredDimensions } from "../../src/judge/dimensions.js";
import { HEARTBEAT_MS, STALE_AFTER_MS } from "../../src/judge/runs.js";
import { ModelRegistry } from "../../src/models/registry.js";
import { createTestApp, type TestApp } from "../helpers.js";
import { allScores, buildBranchedAudit, judgeAnswer } from "../judge/judge-helpers.js";

let t: TestApp;
afterEach(async () => {
  if (t === undefined) return; // the first test opens no app
  await t.app.judges.idle();
  await t.close();
});

async function setup(): Promise<string> {
  const models = new ModelRegistry();
  t = await createTestApp({ models, config: { judgeModel: "mockllm/judge" } });
  models.mock("mockllm/judge").script({ text: judgeAnswer(allScores()) });
  return buildBranchedAudit(t.app.service, models.mock("mockllm/target"));
}

/** A `running` run (without a job, as stored before jobs) as another process leaves it, for the default judge request on the audit. */
async function leaveRunningRun(auditId: string, id: string, owner: string, heartbeatAt: number): Promise<void> {
  await t.app.store.judgeRuns.insert({ id, auditId, judgeModel: "mockllm/judge", dimensions: toStoredDimensions(defaultDimensions()), retries: 3, owner, now: heartbeatAt });
}

const stored = async (id: string) => (await t.app.store.judgeRuns.get(id))!;

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid!;
}

describe("a judge run left running by another process", () => {
  it("counts as stale after three silent heartbeats", () => {
    expect(STALE_AFTER_MS).toBe(3 * HEARTBEAT_MS);
  });

  const cases = [
    ["with an old heartbeat (another host)", () => ({ owner: "other-host:4242:abcd1234", heartbeatAt: Date.now() - 10 * 60_000, reason: /no heartbeat for more than 30 s/ })],
    ["silent for 45 s, which used to be followed for 90 s", () => ({ owner: "other-host:4242:abcd1234", heartbeatAt: Date.now() - 45_000, reason: /no heartbeat/ })],
    ["with a fresh heartbeat but whose process on this host is gone (killed and restarted)", () => {
      const pid = deadPid();
      return { owner: `${hostname()}:${pid}:abcd1234`, heartbeatAt: Date.now() - 1_000, reason: new RegExp(`pid ${pid} on this host\\) stopped before it finished`) };
    }],
  ] as const;

  it.each(cases)("%s: is not followed; a new run starts and the old one reads interrupted, with the reason", async (_name, make) => {
    const auditId = await setup();
    const { owner, heartbeatAt, reason } = make();
    await leaveRunningRun(auditId, "judge_dead", owner, heartbeatAt);
    expect((await t.ok("get_judge_result", { run_id: "judge_dead" })).data.status).toBe("interrupted");

    const { text, data } = await t.ok("judge", { audit_id: auditId, wait_seconds: 30 });
    expect(data.reused_running_run).toBe(false);
    expect(data.run_id).not.toBe("judge_dead");
    expect(data.status).toBe("complete");
    expect(text).not.toMatch(/already under way/);

    const old = await stored("judge_dead");
    expect(old.status).toBe("interrupted");
    expect(old.error).toMatch(reason);
    expect(old.finishedAt).not.toBeNull();
    const result = await t.ok("get_judge_result", { run_id: "judge_dead" });
    expect(result.data).toMatchObject({ status: "interrupted", scores: null });
    expect(result.data.error).toMatch(reason);
  });

  it("with a fresh heartbeat from a live process: is followed, and stays running", async () => {
    const auditId = await setup();
    // This test's own parent process stands in for another live petri-mcp on this host.
    await leaveRunningRun(auditId, "judge_live", `${hostname()}:${process.ppid}:abcd1234`, Date.now() - 1_000);
    const { data } = await t.ok("judge", { audit_id: auditId, wait_seconds: 0 });
    expect(data).toMatchObject({ run_id: "judge_live", status: "running", reused_running_run: true });
    expect((await stored("judge_live")).status).toBe("running");
  });
});
