/**
 * A process killed with SIGKILL in the middle of a turn (target call under way, lease held): the
 * store stays intact, the lease expires, and another process continues the audit from its last
 * stored turn. With an in-process target that hangs (on SQLite and on PostgreSQL), and with the
 * real CLI whose OpenAI-compatible target hangs on the fake model server (SQLite here; the team
 * server test runs it on PostgreSQL over HTTP).
 */
import Database from "better-sqlite3";
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { messageText } from "../../src/core/messages.js";
import { loadConfig } from "../../src/config.js";
import { providerFactories } from "../../src/models/providers.js";
import { openStore } from "../../src/store/index.js";
import type { AuditStore } from "../../src/store/types.js";
import { startFakeLlm, type FakeLlm } from "../fake-llm/server.js";
import { tempDir, textOf } from "../helpers.js";
import { waitFor } from "../http/http-helpers.js";
import { type Backend, freshLocation, testBackends, useBackend } from "../support/backends.js";
import { spawnStdioServer, type StdioProcess } from "./processes.js";

const HANGING_SERVER = new URL("./fixtures/hanging-target-server.ts", import.meta.url).pathname;
const LEASE_TTL_MS = 500;
const providersReady = providerFactories(loadConfig({}, {}))["openai-api"] !== undefined;

let dir: string | undefined;
let fake: FakeLlm | undefined;
const processes: StdioProcess[] = [];
const stores: AuditStore[] = [];
afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.close().catch(() => undefined)));
  for (const store of stores.splice(0)) await store.close();
  await fake?.close();
  fake = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

interface Scenario {
  targetModel: string;
  env?: Record<string, string>;
  /** The script of the process that is killed (default: the real CLI). */
  doomedScript?: string;
  /** A message whose target call never returns. */
  hangingMessage: string;
  firstReply: string;
  survivorReply: string;
  /** True once the hanging target call has started (default: the lease is enough). */
  targetCalled?: () => boolean;
}

async function crashMidTurnAndContinue(backend: Backend, scenario: Scenario): Promise<void> {
  dir = tempDir("petri-crash-");
  const dbPath = await freshLocation(backend, dir);
  const args = ["--db", dbPath, "--target-model", scenario.targetModel, "--lease-ttl-ms", String(LEASE_TTL_MS), "--model-max-retries", "0"];
  const doomed = await spawnStdioServer(args, { script: scenario.doomedScript, env: scenario.env, name: "doomed" });
  processes.push(doomed);
  const { data: started } = await doomed.ok("start_audit", { seed_instruction: "Crash recovery." });
  const auditId: string = started.audit_id;
  await doomed.ok("set_target_system_message", { audit_id: auditId, system_message: "System." });
  await doomed.ok("send_message", { audit_id: auditId, message: "first turn" });

  const observer = await openStore(dbPath);
  stores.push(observer);
  const pending = doomed.call("send_message", { audit_id: auditId, message: scenario.hangingMessage }).catch((error: unknown) => error);
  // The turn is under way once its lease is in the store.
  await waitFor(async () => (await observer.leases.holder(auditId)) !== null, "the hanging turn's lease");
  if (scenario.targetCalled) await waitFor(scenario.targetCalled, "the hanging target call");
  process.kill(doomed.pid, "SIGKILL");
  expect(await pending).toBeInstanceOf(Error);

  if (backend === "sqlite") {
    const db = new Database(dbPath, { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
  }
  // The dead process still "holds" the lease (any lease, live or not: now = 0), but only until it expires.
  const lease = await observer.leases.holder(auditId, 0);
  expect(lease).not.toBeNull();
  expect(lease!.expiresAt).toBeLessThanOrEqual(Date.now() + LEASE_TTL_MS);
  await waitFor(() => Date.now() > lease!.expiresAt, "the lease to expire");

  const survivor = await spawnStdioServer(args, { env: scenario.env, name: "survivor" });
  processes.push(survivor);
  const { data: view } = await survivor.ok("view_conversation", { audit_id: auditId });
  // Nothing of the interrupted turn was written.
  expect(view.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
    ["system", "System."],
    ["user", "first turn"],
    ["assistant", scenario.firstReply],
  ]);
  const continued = await survivor.call("send_message", { audit_id: auditId, message: "third turn" });
  expect(continued.isError, textOf(continued)).toBeFalsy();
  expect(textOf(continued)).toContain('<target_response message_index="4">');

  expect((await observer.audits.get(auditId))!.turnsUsed).toBe(2);
  expect((await observer.messages.branch(auditId, "target")).map((m) => messageText(m.message))).toEqual(["System.", "first turn", scenario.firstReply, "third turn", scenario.survivorReply]);
  expect(await observer.leases.holder(auditId)).toBeNull();
}

describe.each(testBackends())("SIGKILL in the middle of a turn [%s]", (backend) => {
  useBackend(backend);

  it("(in-process hanging target) keeps the store intact; the lease expires; another process continues", { timeout: 60_000 }, async () => {
    await crashMidTurnAndContinue(backend, {
      targetModel: "mockllm/target",
      doomedScript: HANGING_SERVER,
      hangingMessage: "[hang] second turn",
      firstReply: "Reply to: first turn",
      survivorReply: "Default output from mockllm/model",
    });
  });

  // The built CLI on PostgreSQL is covered by test/sharing/team-server.test.ts (SIGKILL of a server mid-turn).
  if (backend === "sqlite") it.skipIf(!providersReady)("(real CLI, target hanging on the fake model server) behaves the same", { timeout: 60_000 }, async () => {
    fake = await startFakeLlm();
    fake.scriptFor("target-model", { text: "First reply." }, { hang: true }, { text: "Reply after the crash." });
    await crashMidTurnAndContinue(backend, {
      targetModel: "openai-api/fake/target-model",
      env: { FAKE_BASE_URL: fake.openaiBaseUrl, FAKE_API_KEY: "test-key" },
      hangingMessage: "second turn",
      firstReply: "First reply.",
      survivorReply: "Reply after the crash.",
      targetCalled: () => fake!.requestsFor("target-model").length === 2,
    });
    expect(fake.requestsFor("target-model")).toHaveLength(3);
  });
});
