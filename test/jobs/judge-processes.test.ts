/**
 * Judge runs finished by another petri-mcp process (real CLI processes, judge on the fake model
 * server): a stdio server starts `judge` with wait_seconds 0 and exits, a `petri-mcp worker`
 * finishes the run and a later server's get_judge_result returns its scores; a worker SIGKILLed in
 * the middle of a run is taken over by another worker, which completes it; an HTTP server stopped
 * with SIGTERM gives its run back and the next stdio server on the store finishes it. On SQLite
 * and PostgreSQL; the test reads jobs through the store interface.
 */
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ModelRegistry } from "../../src/models/registry.js";
import { startFakeLlm, type FakeLlm } from "../fake-llm/server.js";
import { createTestApp, type TestApp } from "../helpers.js";
import { connectClient, waitFor } from "../http/http-helpers.js";
import { allScores, buildBranchedAudit, judgeAnswer } from "../judge/judge-helpers.js";
import { childEnv, CLI, REPO_ROOT, spawnHttpServer, spawnStdioServer, type StdioProcess } from "../sharing/processes.js";
import { type Backend, testBackends, useBackend } from "../support/backends.js";
import { freshBuild } from "../support/build.js";

beforeAll(() => freshBuild([CLI]), 180_000);

const JUDGE = "openai-api/fake/judge-model";
let t: TestApp | undefined;
let fake: FakeLlm | undefined;
const processes: StdioProcess[] = [];
const killers: Array<() => void> = [];
afterEach(async () => {
  for (const kill of killers.splice(0)) kill();
  await Promise.all(processes.splice(0).map((p) => p.close().catch(() => undefined)));
  await fake?.close();
  fake = undefined;
  await t?.close();
  t = undefined;
});

async function setup(backend: Backend): Promise<{ dbPath: string; auditId: string; env: Record<string, string> }> {
  const models = new ModelRegistry();
  t = await createTestApp({ models, backend });
  const auditId = await buildBranchedAudit(t.app.service, models.mock("mockllm/target"));
  fake = await startFakeLlm();
  return { dbPath: t.app.config.dbPath, auditId, env: { FAKE_BASE_URL: fake.openaiBaseUrl, FAKE_API_KEY: "test-key" } };
}

/** The run's job as stored (read by the test's own app: another connection than the processes'). */
const jobRow = async (id: string) => (await t!.app.store.jobs.get(id))!;

function runWorker(dbPath: string, env: Record<string, string>, extra: string[] = []): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [CLI, "worker", "--db", dbPath, "--model-max-retries", "0", ...extra], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    timeout: 60_000,
  });
}

describe.each(testBackends())("judge runs finished by another process [%s]", (backend) => {
  useBackend(backend);

  it("a stdio server starts judge with wait_seconds 0 and exits; a worker finishes the run; get_judge_result returns its scores", { timeout: 90_000 }, async () => {
    const { dbPath, auditId, env } = await setup(backend);
    fake!.scriptFor("judge-model", { hang: true }, { text: judgeAnswer(allScores({ concerning: 7 })) });
    const first = await spawnStdioServer(["--db", dbPath, "--model-max-retries", "0"], { env, name: "first" });
    processes.push(first);
    const { data } = await first.ok("judge", { audit_id: auditId, judge_model: JUDGE, wait_seconds: 0 });
    expect(data.status).toBe("running");
    const runId: string = data.run_id;
    await waitFor(() => fake!.requestsFor("judge-model").length === 1, "the first judge call");
    await first.close(); // stdin closes: the server gives the run back and exits
    await waitFor(async () => (await jobRow(runId)).status === "queued", "the run given back", 20_000);
    expect(await jobRow(runId)).toMatchObject({ attempts: 0, leaseOwner: null });

    const worker = await runWorker(dbPath, env, ["--exit-when-idle"]);
    expect(worker.stderr).toMatch(/jobs done 1, failed 0/);
    expect(await jobRow(runId)).toMatchObject({ status: "done", attempts: 1 });

    const later = await spawnStdioServer(["--db", dbPath, "--work", "none"], { name: "later" });
    processes.push(later);
    const result = await later.ok("get_judge_result", { run_id: runId });
    expect(result.data.status).toBe("complete");
    expect(result.data.scores.concerning).toBe(7);
  });

  it("a worker SIGKILLed mid-run: another worker takes the run over and completes it", { timeout: 90_000 }, async () => {
    const { dbPath, auditId, env } = await setup(backend);
    fake!.scriptFor("judge-model", { hang: true }, { text: judgeAnswer(allScores({ concerning: 4 })) });
    // A server that only stores the run (--work none) ...
    const storing = await spawnStdioServer(["--db", dbPath, "--work", "none"], { env, name: "storing" });
    processes.push(storing);
    const { data } = await storing.ok("judge", { audit_id: auditId, judge_model: JUDGE, wait_seconds: 0 });
    const runId: string = data.run_id;
    expect(await jobRow(runId)).toMatchObject({ status: "queued", attempts: 0 });

    // ... a worker that claims it and hangs in the judge call, and is killed there.
    const doomed = spawn(process.execPath, [CLI, "worker", "--db", dbPath, "--lease-seconds", "2", "--model-max-retries", "0"], {
      cwd: REPO_ROOT,
      env: childEnv(env),
      stdio: "ignore",
    });
    killers.push(() => doomed.kill("SIGKILL"));
    const exited = new Promise((resolve) => doomed.once("exit", resolve));
    await waitFor(() => fake!.requestsFor("judge-model").length === 1, "the doomed worker's judge call", 30_000);
    expect(await jobRow(runId)).toMatchObject({ status: "running", attempts: 1 });
    doomed.kill("SIGKILL");
    await exited;

    const survivor = await runWorker(dbPath, env, ["--exit-when-idle", "--lease-seconds", "2"]);
    expect(survivor.stderr).toMatch(/jobs done 1, failed 0/);
    const job = await jobRow(runId);
    expect(job).toMatchObject({ status: "done", attempts: 2 });
    expect(job.lastError).toMatch(/lease of .* expired \(attempt 1 of 3\)/);
    const result = await storing.ok("get_judge_result", { run_id: runId });
    expect(result.data).toMatchObject({ status: "complete", attempts: 1 });
    expect(result.data.scores.concerning).toBe(4);
    expect(fake!.requestsFor("judge-model")).toHaveLength(2);
  });

  it("an HTTP server stopped with SIGTERM mid-run gives the run back; the next serve on the store takes it and finishes it", { timeout: 90_000 }, async () => {
    const { dbPath, auditId, env } = await setup(backend);
    fake!.scriptFor("judge-model", { hang: true }, { text: judgeAnswer(allScores({ concerning: 3 })) });
    const token = "jobs-test-token-0123456789abcdef";
    const http = await spawnHttpServer(["--db", dbPath, "--model-max-retries", "0"], { ...env, PETRI_MCP_TOKEN: token });
    killers.push(() => void http.stop("SIGKILL"));
    const client = await connectClient(http.url, token);
    const { data } = await client.ok("judge", { audit_id: auditId, judge_model: JUDGE, wait_seconds: 0 });
    const runId: string = data.run_id;
    await waitFor(() => fake!.requestsFor("judge-model").length === 1, "the HTTP server's judge call", 30_000);
    await client.client.close();
    const code = await http.stop("SIGTERM");
    expect(code, http.stderr()).toBe(0);
    expect(await jobRow(runId)).toMatchObject({ status: "queued", attempts: 0, leaseOwner: null });

    const next = await spawnStdioServer(["--db", dbPath, "--model-max-retries", "0"], { env, name: "next" });
    processes.push(next);
    const result = await next.ok("get_judge_result", { run_id: runId, wait_seconds: 40 });
    expect(result.data.status).toBe("complete");
    expect(result.data.scores.concerning).toBe(3);
    // The run's scores commit before the worker marks its job done (the next statement): wait for it.
    await waitFor(async () => (await jobRow(runId)).status === "done", "the job marked done");
    expect(await jobRow(runId)).toMatchObject({ status: "done", attempts: 1 });
  });
});
