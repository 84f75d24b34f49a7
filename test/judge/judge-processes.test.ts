/**
 * Issue 18, on SQLite and on PostgreSQL: a stdio server starts `judge` with wait_seconds 0 and
 * exits; a `petri-mcp worker` (another process) finishes the run; a later server's
 * get_judge_result returns its scores. Real CLI processes; the judge is the fake model server.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { ModelRegistry } from "../../src/models/registry.js";
import { openStore } from "../../src/store/index.js";
import type { AuditStore, JobRecord } from "../../src/store/types.js";
import { startFakeLlm, type FakeLlm } from "../fake-llm/server.js";
import { createTestApp, type TestApp } from "../helpers.js";
import { waitFor } from "../http/http-helpers.js";
import { childEnv, CLI, REPO_ROOT, spawnStdioServer, type StdioProcess } from "../sharing/processes.js";
import { testBackends, useBackend } from "../support/backends.js";
import { allScores, buildBranchedAudit, judgeAnswer } from "./judge-helpers.js";

const JUDGE = "openai-api/fake/judge-model";
let t: TestApp | undefined;
let fake: FakeLlm | undefined;
let reader: AuditStore | undefined;
const processes: StdioProcess[] = [];
afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.close().catch(() => undefined)));
  await fake?.close();
  fake = undefined;
  await reader?.close();
  reader = undefined;
  await t?.close();
  t = undefined;
});

for (const backend of testBackends()) {
  describe(`judge runs finished by another process (${backend})`, () => {
    useBackend(backend);

    it("a stdio server starts judge with wait_seconds 0 and exits; a worker finishes the run; get_judge_result returns its scores", { timeout: 120_000 }, async () => {
      const models = new ModelRegistry();
      t = await createTestApp({ models, backend });
      const db = t.app.config.dbPath;
      const auditId = await buildBranchedAudit(t.app.service, models.mock("mockllm/target"));
      fake = await startFakeLlm();
      const env = { FAKE_BASE_URL: fake.openaiBaseUrl, FAKE_API_KEY: "test-key" };
      reader = await openStore(db);
      const job = async (id: string): Promise<JobRecord> => (await reader!.jobs.get(id))!;
      fake.scriptFor("judge-model", { hang: true }, { text: judgeAnswer(allScores({ concerning: 7 })) });

      const first = await spawnStdioServer(["--db", db, "--model-max-retries", "0"], { env, name: "first" });
      processes.push(first);
      const { data } = await first.ok("judge", { audit_id: auditId, judge_model: JUDGE, wait_seconds: 0 });
      expect(data.status).toBe("running");
      const runId: string = data.run_id;
      await waitFor(() => fake!.requestsFor("judge-model").length === 1, "the first judge call", 30_000);
      await first.close(); // stdin closes: the server gives the run back and exits
      await waitFor(async () => (await job(runId)).status === "queued", "the run given back", 20_000);
      expect(await job(runId)).toMatchObject({ attempts: 0, leaseOwner: null });
      expect(await reader.judgeRuns.get(runId)).toMatchObject({ status: "running", scores: null });

      const worker = await promisify(execFile)(process.execPath, ["--import", "tsx", CLI, "worker", "--db", db, "--model-max-retries", "0", "--exit-when-idle"], {
        cwd: REPO_ROOT,
        env: childEnv(env),
        timeout: 60_000,
      });
      expect(worker.stderr).toMatch(/jobs done 1, failed 0/);
      expect(await job(runId)).toMatchObject({ status: "done", attempts: 1 });

      const later = await spawnStdioServer(["--db", db, "--work", "none"], { name: "later" });
      processes.push(later);
      const result = await later.ok("get_judge_result", { run_id: runId });
      expect(result.data).toMatchObject({ status: "complete", audit_id: auditId });
      expect(result.data.scores.concerning).toBe(7);
      expect(result.data.usage.calls).toBe(2); // the abandoned call and the worker's
    });
  });
}
