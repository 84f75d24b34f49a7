/**
 * Builds large audits quickly, in-process, through the same AuditService the MCP tools use (so the
 * rows, events and views are exactly what a real audit leaves), with a scripted MockLLM answering
 * for the target model.
 */
import type { ChatMessage } from "../../src/core/messages.js";
import { AuditService } from "../../src/audit/service.js";
import { MockLLM } from "../../src/models/mockllm.js";
import { ModelRegistry } from "../../src/models/registry.js";
import { SqliteStore } from "../../src/store/sqlite/store.js";
import type { AuditStore } from "../../src/store/types.js";

const WORDS = ["the", "quarterly", "report", "server", "access", "policy", "user", "asked", "about", "migration", "budget", "review", "deadline", "logs", "customer", "account"];

/** Deterministic prose of about `chars` characters. */
export function filler(seed: number, chars: number): string {
  const out: string[] = [];
  let length = 0;
  for (let i = 0; length < chars; i++) {
    const word = WORDS[(seed * 7 + i * 13 + (i >> 3)) % WORDS.length]!;
    out.push(word);
    length += word.length + 1;
  }
  return out.join(" ") + ".";
}

export interface SeedApp {
  store: AuditStore;
  service: AuditService;
  target: MockLLM;
  close(): Promise<void>;
}

/**
 * A store on `dbPath` whose `targetModel` is answered by a MockLLM (replies of ~600 characters).
 * Each seed app has its own SQLite connection, as another process would (SqliteStore.open would
 * share this process's one).
 */
export function openSeedApp(dbPath: string, targetModel: string): SeedApp {
  const store = SqliteStore.openSeparate(dbPath);
  const target = new MockLLM(targetModel);
  target.respondWith((_request, index) => ({ text: filler(index, 600) }));
  const service = new AuditService(store, new ModelRegistry({ overrides: { [targetModel]: target } }));
  return { store, service, target, close: () => store.close() };
}

const record = (tool: string, args: Record<string, unknown>) => ({ record: { tool, arguments: args } });

export async function startSeededAudit(app: SeedApp, targetModel: string, label: string): Promise<string> {
  const audit = await app.service.startAudit({ seedInstruction: `Benchmark audit: ${label}`, targetModel, maxTurns: 100_000 });
  const system = filler(1, 1500);
  await app.service.setSystemMessage(audit.id, system, record("set_target_system_message", { system_message: system }));
  return audit.id;
}

/** Adds `turns` user/target exchanges (user messages of ~300 characters), recorded as MCP calls are. */
export async function addTurns(app: SeedApp, auditId: string, turns: number, seed = 0): Promise<void> {
  for (let i = 0; i < turns; i++) {
    const message = filler(seed + i, 300);
    await app.service.sendMessage(auditId, { message }, record("send_message", { message }));
  }
}

/**
 * Grows every view of the audit to about `targetMessages` target messages by copying its last
 * exchange (one transaction, no model call): a large conversation in seconds, where real turns
 * would take minutes. Run at least one real turn first.
 */
export async function growByCopies(app: SeedApp, auditId: string, targetMessages: number): Promise<void> {
  await app.store.transaction(async (tx) => {
    const copies = Math.ceil((targetMessages - (await tx.messages.branch(auditId, "target")).length) / 2);
    for (const view of ["target", "combined", "auditor"] as const) {
      const last = (await tx.messages.branch(auditId, view)).slice(-2).map((m) => m.message);
      for (let i = 0; i < copies; i++) await tx.messages.append(auditId, view, last.map((m) => ({ ...m, id: `${m.id}-copy-${i}` }) as ChatMessage));
    }
  });
}

/**
 * An audit whose target tree holds `targetMessages` messages in `branches` branches: the auditor
 * talks for a while, rolls back to an earlier target reply, and goes on; every fifth target reply
 * calls a synthetic tool that the auditor answers.
 */
export async function seedBranchyAudit(app: SeedApp, targetModel: string, targetMessages: number, branches: number): Promise<string> {
  const auditId = await startSeededAudit(app, targetModel, `${targetMessages} messages in ${branches} branches`);
  await app.service.createTool(auditId, {
    environmentDescription: "A Linux box with the company's billing code.",
    functionCode: 'def bash(cmd: str) -> str:\n    """Run a shell command.\n\n    Args:\n        cmd: The command to run.\n    """\n    ...',
  });
  let reply = 0;
  app.target.respondWith(() => {
    reply++;
    return reply % 5 === 0 ? { text: filler(reply, 200), toolCalls: [{ id: `call_${reply}`, function: "bash", arguments: { cmd: `grep -r ${WORDS[reply % WORDS.length]} .` } }] } : { text: filler(reply, 600) };
  });
  const perBranch = Math.ceil(targetMessages / branches);
  // A turn adds two target messages (the user message or tool result, and the reply), three with
  // a prefill: one prefilled turn makes an even total reachable.
  let total = 1;
  let prefill = targetMessages % 2 === 0 ? "Let me think about this carefully." : undefined;
  for (let b = 0; b < branches; b++) {
    const goal = Math.min(targetMessages, (b + 1) * perBranch);
    while (total < goal) {
      const message = filler(b * 1000 + total, 300);
      const result = await app.service.sendMessage(auditId, { message, prefill }, record("send_message", { message, ...(prefill ? { prefill } : {}) }));
      total += prefill ? 3 : 2;
      prefill = undefined;
      for (const call of result.toolCalls) {
        if (total >= goal) break;
        const output = filler(reply, 400);
        await app.service.sendToolResult(auditId, { toolCallId: call.id, result: output }, record("send_tool_call_result", { tool_call_id: call.id, result: output }));
        total += 2;
      }
    }
    if (b === branches - 1) break;
    // Back to a target reply in the first half of the current branch: a new branch starts there.
    const branch = await app.store.messages.branch(auditId, "target");
    const replies = branch.map((m, i) => (m.message.role === "assistant" && !m.message.tool_calls ? i : -1)).filter((i) => i > 0);
    const index = replies[(b * 7) % Math.max(1, Math.ceil(replies.length / 2))] ?? 0;
    await app.service.rollback(auditId, index, record("rollback_conversation", { index }));
  }
  return auditId;
}
