/**
 * A team server (issue 17): two `petri-mcp serve --http` processes of the built CLI (dist/, as
 * users run it) on one PostgreSQL database, clients on either. A client of server A hears of a
 * change made through server B at once (resources/updated) and reads it; two clients racing on one
 * audit through different servers store exactly one turn; a server killed mid-turn leaves the
 * audit usable once its lease expires. Neither server writes the database password anywhere.
 */
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { tmpdir } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { messageText } from "../../src/core/messages.js";
import { TRANSCRIPT_URI } from "../../src/mcp/uris.js";
import { openStore } from "../../src/store/index.js";
import type { AuditStore } from "../../src/store/types.js";
import { startFakeLlm, type FakeLlm } from "../fake-llm/server.js";
import { textOf } from "../helpers.js";
import { type ConnectedClient, connectClient, waitFor } from "../http/http-helpers.js";
import { freshLocation, selectedBackend, useBackend } from "../support/backends.js";
import { type HttpProcess, spawnHttpServer } from "./processes.js";

const TOKEN = "team-server-token-0123456789";
const TARGET = "target-model";
const LEASE_TTL_MS = 3000;

let fake: FakeLlm | undefined;
const servers: HttpProcess[] = [];
const clients: ConnectedClient[] = [];
const stores: AuditStore[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.client.close().catch(() => undefined);
  await Promise.all(servers.splice(0).map((s) => s.stop("SIGKILL")));
  for (const store of stores.splice(0)) await store.close();
  await fake?.close();
  fake = undefined;
});

interface Team {
  url: string;
  a: HttpProcess;
  b: HttpProcess;
  store: AuditStore;
}

/** A fresh database, the fake model server, and two built servers on it (the URL through PETRI_DB, as the docs say). */
async function startTeam(extraArgs: string[] = []): Promise<Team> {
  const url = await freshLocation("postgres", tmpdir());
  fake = await startFakeLlm();
  const args = ["--target-model", `openai-api/fake/${TARGET}`, "--model-max-retries", "0", ...extraArgs];
  const env = { PETRI_DB: url, PETRI_MCP_TOKEN: TOKEN, FAKE_BASE_URL: fake.openaiBaseUrl, FAKE_API_KEY: "test-key", PETRI_LOG_LEVEL: "info" };
  const [a, b] = await Promise.all([spawnHttpServer(args, env), spawnHttpServer(args, env)]);
  servers.push(a, b);
  const store = await openStore(url);
  stores.push(store);
  return { url, a, b, store };
}

async function connect(server: HttpProcess, name: string): Promise<ConnectedClient> {
  const connected = await connectClient(server.url, TOKEN, name);
  clients.push(connected);
  return connected;
}

function expectNoPassword(team: Team): void {
  const password = decodeURIComponent(new URL(team.url).password);
  expect(password.length).toBeGreaterThan(0);
  for (const server of [team.a, team.b]) {
    expect(server.stderr()).toContain("postgresql://petri:[redacted]@127.0.0.1");
    expect(server.stderr()).not.toContain(password);
  }
}

describe.skipIf(selectedBackend() === "sqlite")("two serve --http processes on one PostgreSQL", () => {
  useBackend("postgres");

  it("a client of server A is told at once of a turn taken through server B, and reads it", { timeout: 60_000 }, async () => {
    const team = await startTeam();
    fake!.scriptFor(TARGET, { text: "Hello from the target." });
    const viaB = await connect(team.b, "auditor-on-b");
    const viaA = await connect(team.a, "watcher-on-a");

    const { data: started } = await viaB.ok("start_audit", { seed_instruction: "Team server probe." });
    const auditId: string = started.audit_id;
    await viaB.ok("set_target_system_message", { audit_id: auditId, system_message: "System." });
    // A sees the audit B made, without any notification needed.
    expect((await viaA.ok("get_audit", { audit_id: auditId })).data.status).toBe("active");

    const uri = TRANSCRIPT_URI(auditId);
    let updates = 0;
    const updated = new Promise<void>((resolve) =>
      viaA.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
        if (notification.params.uri !== uri) return;
        updates++;
        resolve();
      }),
    );
    await viaA.client.subscribeResource({ uri });
    const { data: reply } = await viaB.ok("send_message", { audit_id: auditId, message: "Hi there." });
    expect(reply.message_index).toBe(2);
    await updated;
    expect(updates).toBeGreaterThan(0);

    const { data: view } = await viaA.ok("view_conversation", { audit_id: auditId });
    expect(view.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ["system", "System."],
      ["user", "Hi there."],
      ["assistant", "Hello from the target."],
    ]);
    expectNoPassword(team);
  });

  it("two clients racing send_message on one audit through different servers store exactly one turn", { timeout: 60_000 }, async () => {
    const team = await startTeam();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    fake!.scriptFor(TARGET, async () => {
      await released;
      return { text: "The one reply." };
    });
    const viaA = await connect(team.a, "first");
    const viaB = await connect(team.b, "second");
    const { data: started } = await viaA.ok("start_audit", { seed_instruction: "Race across servers." });
    const auditId: string = started.audit_id;
    await viaA.ok("set_target_system_message", { audit_id: auditId, system_message: "System." });

    // Both at once; the winner waits inside its target call, so the loser answers first.
    const calls = [viaA.call("send_message", { audit_id: auditId, message: "from A" }), viaB.call("send_message", { audit_id: auditId, message: "from B" })];
    const loser = await Promise.race(calls);
    expect(loser.isError).toBe(true);
    expect(textOf(loser)).toMatch(/^Audit \S+ is busy: another client is in the middle of a turn on it\./);
    release();
    const results = await Promise.all(calls);
    const won = results.filter((r) => !r.isError);
    expect(won).toHaveLength(1);
    expect(fake!.requestsFor(TARGET)).toHaveLength(1);

    const winner = results[0]!.isError ? "from B" : "from A";
    expect((await team.store.messages.branch(auditId, "target")).map((m) => messageText(m.message))).toEqual(["System.", winner, "The one reply."]);
    expect((await team.store.audits.get(auditId))!.turnsUsed).toBe(1);
    expect(await team.store.leases.holder(auditId)).toBeNull();
  });

  it("SIGKILL of a server mid-turn: the audit is usable through the other once the lease expires", { timeout: 60_000 }, async () => {
    const team = await startTeam(["--lease-ttl-ms", String(LEASE_TTL_MS)]);
    fake!.scriptFor(TARGET, { text: "First reply." }, { hang: true }, { text: "Reply after the crash." });
    const viaA = await connect(team.a, "doomed");
    const viaB = await connect(team.b, "survivor");
    const { data: started } = await viaA.ok("start_audit", { seed_instruction: "Crash across servers." });
    const auditId: string = started.audit_id;
    await viaA.ok("set_target_system_message", { audit_id: auditId, system_message: "System." });
    await viaA.ok("send_message", { audit_id: auditId, message: "first turn" });

    const pending = viaA.call("send_message", { audit_id: auditId, message: "second turn" }).catch((error: unknown) => error);
    await waitFor(() => fake!.requestsFor(TARGET).length === 2, "the hanging target call");
    const lease = await team.store.leases.holder(auditId);
    expect(lease).not.toBeNull();
    await team.a.stop("SIGKILL");

    // While the dead server's lease lives, B refuses the audit (checked only with a clear margin, so a slow machine cannot make it flaky).
    if (Date.now() + 1000 < lease!.expiresAt) {
      const early = await viaB.call("send_message", { audit_id: auditId, message: "too early" });
      expect(textOf(early)).toMatch(/^Audit \S+ is busy/);
    }
    await waitFor(async () => (await team.store.leases.holder(auditId)) === null, "the lease to expire", 10_000);

    const { data: view } = await viaB.ok("view_conversation", { audit_id: auditId });
    expect(view.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ["system", "System."],
      ["user", "first turn"],
      ["assistant", "First reply."],
    ]);
    const continued = await viaB.call("send_message", { audit_id: auditId, message: "third turn" });
    expect(continued.isError, textOf(continued)).toBeFalsy();
    expect(textOf(continued)).toContain('<target_response message_index="4">');
    expect((await team.store.audits.get(auditId))!.turnsUsed).toBe(2);
    expect((await team.store.messages.branch(auditId, "target")).map((m) => messageText(m.message))).toEqual(["System.", "first turn", "First reply.", "third turn", "Reply after the crash."]);
    // The client of the dead server waits for a reconnection that never comes; closing it ends the call with an error.
    await viaA.client.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});
