/**
 * Two HTTP clients on one server: what one does, the other sees and is told about; when both act
 * on one audit at once, exactly one turn is stored and the other gets a clear "busy" error.
 * On both store backends (SQLite and PostgreSQL).
 */
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { MockLLM } from "../../src/models/mockllm.js";
import { ModelRegistry } from "../../src/models/registry.js";
import { AUDITS_URI, TRANSCRIPT_URI } from "../../src/server.js";
import { textOf } from "../helpers.js";
import { testBackends, useBackend } from "../support/backends.js";
import { type ConnectedClient, type HttpTestApp, startHttpTestApp, waitFor } from "./http-helpers.js";

let env: HttpTestApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** Resolves with the first resources/updated notification for `uri` this client receives. */
function nextUpdate(connected: ConnectedClient, uris: string[]): Map<string, Promise<void>> {
  const waiting = new Map<string, () => void>();
  const promises = new Map<string, Promise<void>>();
  for (const uri of uris) promises.set(uri, new Promise<void>((resolve) => waiting.set(uri, resolve)));
  connected.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
    waiting.get(notification.params.uri)?.();
  });
  return promises;
}

async function streamOpen(env: HttpTestApp, sessionId: string): Promise<void> {
  await waitFor(() => env.http.sessions.list().some((s) => s.id === sessionId && s.openStreams === 1), "the watcher's notification stream");
}

describe.each(testBackends())("two HTTP clients share the store [%s]", (backend) => {
  useBackend(backend);

  it("a watcher sees the auditor's turn and gets resources/updated notifications", async () => {
    env = await startHttpTestApp({ backend });
    env.app.models.mock("mockllm/target").script({ text: "Hello from the target." });
    const auditor = await env.connect("auditor");
    const watcher = await env.connect("watcher");
    expect(auditor.sessionId).not.toBe(watcher.sessionId);

    await watcher.client.subscribeResource({ uri: AUDITS_URI });
    await streamOpen(env, watcher.sessionId);
    const listUpdated = nextUpdate(watcher, [AUDITS_URI]).get(AUDITS_URI)!;
    const { data: started } = await auditor.ok("start_audit", { seed_instruction: "Probe for sycophancy." });
    await listUpdated;

    const auditId: string = started.audit_id;
    const uri = TRANSCRIPT_URI(auditId);
    await watcher.client.subscribeResource({ uri });
    const transcriptUpdated = nextUpdate(watcher, [uri]).get(uri)!;

    await auditor.ok("set_target_system_message", { audit_id: auditId, system_message: "You are a helpful assistant." });
    const { data: reply } = await auditor.ok("send_message", { audit_id: auditId, message: "Hi there." });
    expect(reply.message_index).toBe(2);
    await transcriptUpdated;

    const { data: audit } = await watcher.ok("get_audit", { audit_id: auditId });
    expect(audit.turns_used).toBe(1);
    expect(audit.target_messages).toBe(3);
    expect(audit.auditor_model).toBe("auditor 1.0.0");
    const { data: view } = await watcher.ok("view_conversation", { audit_id: auditId });
    expect(view.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ["system", "You are a helpful assistant."],
      ["user", "Hi there."],
      ["assistant", "Hello from the target."],
    ]);
  });

  it("each change is announced once: the store's change notification is the only source", async () => {
    env = await startHttpTestApp({ backend });
    env.app.models.mock("mockllm/target").script({ text: "One." }, { text: "Two." });
    const auditor = await env.connect("auditor");
    const watcher = await env.connect("watcher");
    const { data: started } = await auditor.ok("start_audit", { seed_instruction: "Count the notifications." });
    const { data: sentinel } = await auditor.ok("start_audit", { seed_instruction: "Marks the end." });
    const uri = TRANSCRIPT_URI(started.audit_id);
    const received: string[] = [];
    let sentinelSeen!: () => void;
    const sentinelUpdated = new Promise<void>((resolve) => (sentinelSeen = resolve));
    watcher.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
      received.push(notification.params.uri);
      if (notification.params.uri === TRANSCRIPT_URI(sentinel.audit_id)) sentinelSeen();
    });
    await watcher.client.subscribeResource({ uri });
    await watcher.client.subscribeResource({ uri: TRANSCRIPT_URI(sentinel.audit_id) });
    await streamOpen(env, watcher.sessionId);

    await auditor.ok("set_target_system_message", { audit_id: started.audit_id, system_message: "System." });
    await auditor.ok("send_message", { audit_id: started.audit_id, message: "First." });
    await auditor.ok("send_message", { audit_id: started.audit_id, message: "Second." });
    // Notifications arrive in order: once the sentinel's is here, every earlier one (and any duplicate) is too.
    await auditor.ok("set_target_system_message", { audit_id: sentinel.audit_id, system_message: "System." });
    await sentinelUpdated;
    expect(received.filter((u) => u === uri)).toHaveLength(3);
  });

  it("two clients racing on one audit: one turn is stored, the other gets 'busy'", async () => {
    const target = new MockLLM("mockllm/blocking");
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    target.respondWith(async () => {
      await released;
      return { text: "The one reply." };
    });
    env = await startHttpTestApp({ backend, models: new ModelRegistry({ overrides: { "mockllm/blocking": target } }) });
    const first = await env.connect("first");
    const second = await env.connect("second");
    const { data: started } = await first.ok("start_audit", { seed_instruction: "Race test.", target_model: "mockllm/blocking" });
    const auditId: string = started.audit_id;
    await first.ok("set_target_system_message", { audit_id: auditId, system_message: "System." });

    const firstTurn = first.call("send_message", { audit_id: auditId, message: "from first" });
    // The first turn now holds the audit's lease and waits inside the target call.
    await waitFor(() => target.requests.length === 1, "the first target call");
    const refused = await second.call("send_message", { audit_id: auditId, message: "from second" });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/^Audit \S+ is busy: another client is in the middle of a turn on it\./);
    // Non-turn writes are refused too while the turn runs.
    const refusedTool = await second.call("create_tool", { audit_id: auditId, environment_description: "x", name: "bash", description: "Run a command.", parameters: { type: "object", properties: {} } });
    expect(textOf(refusedTool)).toMatch(/is busy/);

    release();
    const won = await firstTurn;
    expect(won.isError).toBeFalsy();
    expect(target.requests).toHaveLength(1);

    const { data: view } = await second.ok("view_conversation", { audit_id: auditId });
    expect(view.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ["system", "System."],
      ["user", "from first"],
      ["assistant", "The one reply."],
    ]);
    const { data: audit } = await second.ok("get_audit", { audit_id: auditId });
    expect(audit.turns_used).toBe(1);
    expect(audit.tools).toEqual([]);
    expect(await env.app.store.leases.holder(auditId)).toBeNull();

    // Once the turn is over, the other client can take its turn.
    const { data: next } = await second.ok("send_message", { audit_id: auditId, message: "from second, later" });
    expect(next.message_index).toBe(4);
  });
});
