/**
 * A `petri-mcp worker` (the built CLI, dist/cli.js: `npm run build` first) is SIGKILLed in the middle
 * of an audit, while its target call holds the audit's turn lease; a second worker takes the job
 * over and the audit finishes as ONE audit (the same id) with all its turns: the cut call gets the
 * interrupted result, the turns go on counting to max_turns, the transcript is exported. The dead
 * worker's turn lease (120 s by default) is let go at once: its process, on this host, is gone. On
 * SQLite and PostgreSQL.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { INTERRUPTED_CALL } from "../../src/runner/continue.js";
import { openStore } from "../../src/store/index.js";
import type { AuditStore } from "../../src/store/types.js";
import { type FakeLlm, type FakeStep, type RecordedRequest, startFakeLlm } from "../fake-llm/server.js";
import { tempDir } from "../helpers.js";
import { waitFor } from "../http/http-helpers.js";
import { AUDITOR, AUDITOR_WIRE, auditorTurn, call, contentText, echoTarget, fakeEnv, route, runAudit, savedTranscripts, TARGET, TARGET_WIRE } from "../runner/runner-helpers.js";
import { CLI, childEnv, REPO_ROOT } from "../sharing/processes.js";
import { freshLocation, testBackends, useBackend } from "../support/backends.js";
import { freshBuild } from "../support/build.js";
import { cleanupAfterEach } from "../support/cleanup.js";

beforeAll(() => freshBuild([CLI]), 180_000);

let fake: FakeLlm | undefined;
let store: AuditStore | undefined;
let dir: string | undefined;
const own = cleanupAfterEach();

/** A worker of the built CLI with a short job lease (3 s) and the default turn lease (120 s). */
function startWorker(location: string): { child: ChildProcess; exited: Promise<number | null> } {
  const args = ["worker", "--db", location, "--kinds", "audit", "--concurrency", "1", "--lease-seconds", "3", "--exit-when-idle", "--model-max-retries", "0"];
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: childEnv(fakeEnv(fake!) as Record<string, string>), stdio: ["ignore", "ignore", "pipe"] });
  child.stderr!.resume();
  own.child(child);
  return { child, exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))) };
}

describe.each(testBackends())("a worker SIGKILLed mid-audit [%s]", (backend) => {
  useBackend(backend);

  it("the next worker continues the same audit to its last turn", { timeout: 90_000 }, async () => {
    dir = own.folder(tempDir("petri-takeover-proc-"));
    const location = await freshLocation(backend, dir);
    const out = join(dir, "out");
    fake = own(await startFakeLlm());
    let killed = false;
    route(fake, {
      [AUDITOR_WIRE]: (req): FakeStep => {
        const turn = auditorTurn(req);
        const send = call("send_message", { message: `turn ${turn}` });
        return { toolCalls: turn === 0 ? [call("set_target_system_message", { system_message: "You are a helpful assistant." }), send] : [send] };
      },
      // The first worker is killed while the target answers "turn 2" (its turn holds the audit).
      [TARGET_WIRE]: (req: RecordedRequest): FakeStep => (!killed && JSON.stringify(req.body.messages).includes("turn 2") ? { hang: true } : echoTarget(req)),
    });
    const enqueued = await runAudit(fake, [
      "--auditor", AUDITOR, "--target", TARGET, "--seed-instructions", "Check how the assistant answers MARK-p1.", "--max-turns", "6",
      "--transcript-save-dir", out, "--db", location, "--run-id", "killed", "--enqueue",
    ]);
    expect(enqueued.code, enqueued.stderr.join("")).toBe(0);
    store = own(await openStore(location));

    const first = startWorker(location);
    await waitFor(() => fake!.requestsFor(TARGET_WIRE).some((r) => JSON.stringify(r.body.messages).includes("turn 2")), "the first worker's third target call", 60_000);
    const [job] = await store.jobs.listRun("killed");
    const auditId = job!.auditId!;
    expect(auditId).toBeTruthy();
    first.child.kill("SIGKILL");
    await first.exited;
    killed = true;
    expect((await store.audits.get(auditId))!).toMatchObject({ status: "active", turnsUsed: 3 });
    expect(await store.leases.holder(auditId)).not.toBeNull(); // the dead worker's turn still holds the audit

    const second = startWorker(location);
    expect(await second.exited).toBe(0);

    const [done] = await store.jobs.listRun("killed");
    expect(done).toMatchObject({ status: "done", attempts: 2, auditId });
    const { audits } = await store.audits.list({ runId: "killed" });
    expect(audits.map((a) => [a.id, a.status, a.turnsUsed])).toEqual([[auditId, "max_turns", 6]]);
    const auditorView = (await store.messages.branch(auditId, "auditor")).map((m) => m.message);
    expect(auditorView.filter((m) => m.role === "assistant")).toHaveLength(6);
    expect(auditorView.filter((m) => m.role === "tool" && m.error?.message === INTERRUPTED_CALL)).toHaveLength(1);
    // "turn 2" never got its reply stored; every other turn reached the target.
    const sent = (await store.messages.branch(auditId, "target")).filter((m) => m.message.role === "user").map((m) => contentText(m.message.content));
    expect(sent).toEqual(["turn 0", "turn 1", "turn 3", "turn 4", "turn 5"]);
    const transcripts = savedTranscripts(out);
    expect(transcripts.map((t) => t.file)).toEqual([expect.stringMatching(new RegExp(`_${auditId}\\.json$`))]);
    expect(JSON.stringify(transcripts[0]!.data)).toContain("This call was interrupted");
  });
});
