/**
 * A judge run's status is decided from two reads, the run and then its job. Regression: when
 * another process stored the run's result and ended its job between those two reads, the reader
 * saw a running run whose job was "done" and reported it interrupted ("ended without storing a
 * result") although it was complete. Seen as a flaky `interrupted` in judge-jobs.test.ts under load;
 * here the interleaving is forced, on SQLite and on PostgreSQL.
 */
import { afterEach, describe, expect, it } from "vitest";
import { defaultDimensions } from "../../src/judge/dimensions.js";
import { JudgeRunStore } from "../../src/judge/runs.js";
import { ModelRegistry } from "../../src/models/registry.js";
import type { StoreSession } from "../../src/store/types.js";
import { testBackends, useBackend } from "../support/backends.js";
import { createTestApp, type TestApp } from "../helpers.js";
import { buildBranchedAudit } from "./judge-helpers.js";

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

for (const backend of testBackends()) describe(`judge run status read while another process finishes it (${backend})`, () => {
  useBackend(backend);

  it("a run finished between the read of the run and the read of its job reads complete, never interrupted", async () => {
    const models = new ModelRegistry();
    t = await createTestApp({ models, backend });
    const store = t.app.store;
    const auditId = await buildBranchedAudit(t.app.service, models.mock("mockllm/target"));
    const runs = new JudgeRunStore(store);
    const id = "judge_race";
    const owner = "elsewhere:1:abcd1234";
    await runs.create({ id, auditId, judgeModel: "mockllm/judge", dimensions: defaultDimensions(), retries: 0, owner: "storing:1:abcd1234" });
    expect(await store.jobs.claim(["judge"], owner, 60_000, { jobId: id })).toBeTruthy();
    expect(await runs.takeOver(id, owner)).toBe(true);

    // The other process finishes the run and ends its job just after this reader read the run row.
    const finishInBetween = async () => {
      const outcome = { status: "complete" as const, scores: { concerning: 2 }, missing: [], summary: "s", justification: "j", highlights: [], response: "r", messages: [], attempts: 1, error: null, warnings: [] };
      expect(await runs.finish(id, auditId, owner, outcome)).toBe(true);
      expect(await store.jobs.complete(id, owner)).toBe(true);
    };
    let raced = false;
    const racing = {
      judgeRuns: store.judgeRuns,
      jobs: {
        ...store.jobs,
        get: async (jobId: string) => {
          if (!raced) {
            raced = true;
            await finishInBetween();
          }
          return store.jobs.get(jobId);
        },
      },
    } as unknown as StoreSession;

    const run = await runs.get(id, racing);
    expect(raced).toBe(true);
    expect(run).toMatchObject({ status: "complete", error: null, scores: { concerning: 2 } });
    // Once settled, every read agrees.
    expect(await runs.get(id)).toMatchObject({ status: "complete" });
    expect((await runs.list(auditId)).map((r) => r.status)).toEqual(["complete"]);
  });

  it("a run whose job ended without a result still reads interrupted (the second read confirms it)", async () => {
    const models = new ModelRegistry();
    t = await createTestApp({ models, backend });
    const store = t.app.store;
    const auditId = await buildBranchedAudit(t.app.service, models.mock("mockllm/target"));
    const runs = new JudgeRunStore(store);
    const id = "judge_lost";
    await runs.create({ id, auditId, judgeModel: "mockllm/judge", dimensions: defaultDimensions(), retries: 0, owner: "storing:1:abcd1234" });
    await store.jobs.claim(["judge"], "elsewhere:1:abcd1234", 60_000, { jobId: id });
    expect(await store.jobs.complete(id, "elsewhere:1:abcd1234")).toBe(true);
    expect(await runs.get(id)).toMatchObject({ status: "interrupted", error: "The judge run's job ended without storing a result. Start a new run with judge." });
  });
});
