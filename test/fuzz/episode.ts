/**
 * One fuzz episode: a fresh server and store with audits in every interesting state (new, waiting
 * for tool results, ended, with resources, with the realism filter), a scripted target that makes
 * tool calls now and then, and a checked way to call a tool: the result must be well formed, and a
 * refused call must leave the store exactly as it was.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pendingToolCalls } from "../../src/audit/conversation.js";
import { ModelError } from "../../src/models/types.js";
import { SqliteStore } from "../../src/store/sqlite/store.js";
import { createTestApp, tempDir, type TestApp, textOf } from "../helpers.js";
import { Ref, type RefKind, resolveRefs } from "./arbitraries.js";
import { REDOS_LINES } from "./hostile.js";

/** Tables that record attempts by design, so a refused call may add rows to them. */
export const ATTEMPT_TABLES = ["model_calls", "realism_checks", "judge_runs"];

/** Pending tool call ids the scripted target uses (providers reuse ids across turns too). */
const CALL_IDS = ["tc_alpha", "tc_beta"];

const BASH = 'def bash(cmd: str) -> str:\n    """Run a shell command.\n\n    Args:\n        cmd: The command to run.\n    """\n    ...';

export interface Episode {
  t: TestApp;
  /**
   * Replaces the Refs in generated arguments with known values. Arguments that name a tool call
   * usually get an audit that is waiting for tool results and one of its pending call ids, so the
   * pending-call paths are reached, not only refused.
   */
  resolve(args: Record<string, unknown>): Record<string, unknown>;
  /** Calls a tool and checks the invariants; throws a descriptive error on a violation. */
  call(tool: string, args: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** A resources root with a project folder, and a symbolic link that points out of it. */
function resourcesRoot(): { root: string; cleanup(): void } {
  const base = tempDir("petri-fuzz-res-");
  const root = join(base, "root");
  mkdirSync(join(root, "project", "docs"), { recursive: true });
  mkdirSync(join(base, "outside"));
  writeFileSync(join(base, "outside", "secret.txt"), "outside the sandbox\n");
  writeFileSync(join(root, "project", "notes.txt"), "TODO: rotate the keys\ndef handler(event):\n    return event\n");
  writeFileSync(join(root, "project", "docs", "readme.md"), "# Readme\nTODO write docs\n");
  // Short lines that catastrophic patterns backtrack on (short, so even a backtracking engine ends).
  writeFileSync(join(root, "project", "redos.txt"), `${REDOS_LINES.join("\n")}\n`);
  symlinkSync(join(base, "outside"), join(root, "project", "link-out"));
  return { root, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

/** Store contents minus the attempt tables, as a string for fast comparison. */
function snapshot(t: TestApp): string {
  const dump = t.dump();
  for (const table of ATTEMPT_TABLES) delete dump[table];
  return JSON.stringify(dump);
}

/**
 * Rows inserted, updated or deleted through the app's connection since it opened (SQLite's
 * total_changes(); rolled-back statements count too). When a refused call leaves it unchanged, the
 * call wrote nothing and the store dump cannot differ, so the dump is compared only otherwise.
 */
function totalChanges(t: TestApp): number {
  if (!(t.app.store instanceof SqliteStore)) throw new Error("the fuzz episodes run on SQLite");
  return (t.app.store.db.prepare("SELECT total_changes() AS n").get() as { n: number }).n;
}

function abbreviate(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === "string" && v.length > 80 ? `${v.slice(0, 40)}…(${v.length} chars)` : typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
  } catch {
    // Hostile values can nest too deep for JSON.stringify; name the keys instead.
    return value !== null && typeof value === "object" ? `{${Object.keys(value).join(", ")}} (too deeply nested to print)` : String(value);
  }
}

/** What an unexpected failure looks like in an error result (our wrapper, the SDK's, a leaked TypeError). */
const INTERNAL_ERROR = /Internal error|-32603|is not a function|Cannot read propert|undefined is not|\[object Object\]/;

async function waitForJudgeRuns(t: TestApp): Promise<void> {
  const deadline = Date.now() + 20_000;
  const running = async () => {
    const { audits } = await t.app.store.audits.list({ limit: 1000 });
    let n = 0;
    for (const audit of audits) n += (await t.app.store.judgeRuns.running(audit.id)).length;
    return n;
  };
  while ((await running()) > 0) {
    if (Date.now() > deadline) throw new Error("a judge run was still running after 20 s");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function startEpisode(seed: number): Promise<Episode> {
  const resources = resourcesRoot();
  const t = await createTestApp({ config: { judgeModel: "mockllm/judge", realismModel: "mockllm/realism", resourcesDirs: [resources.root] } });
  const known: Record<RefKind, string[]> = { audit: [], toolCall: [...CALL_IDS, "call_unknown"], toolName: ["bash", "ghost_tool"], run: [] };
  const target = t.models.mock("mockllm/target");

  const start = async (args: Record<string, unknown>) => {
    const id = (await t.ok("start_audit", { seed_instruction: "Fuzz audit", ...args })).data.audit_id as string;
    known.audit.push(id);
    return id;
  };
  const converse = async (auditId: string, withPendingCall: boolean) => {
    await t.ok("create_tool", { audit_id: auditId, environment_description: "A Linux box.", function_code: BASH });
    await t.ok("set_target_system_message", { audit_id: auditId, system_message: "You are a helpful assistant." });
    target.script(withPendingCall ? { text: "Let me look.", toolCalls: [{ id: CALL_IDS[0], function: "bash", arguments: { cmd: "ls" } }] } : { text: "Hello." });
    await t.ok("send_message", { audit_id: auditId, message: "Hi there." });
  };

  await start({});
  await converse(await start({ tags: ["pending"] }), true);
  const ended = await start({ tags: ["ended"] });
  await converse(ended, false);
  await t.ok("end_conversation", { audit_id: ended });
  known.run.push((await t.ok("judge", { audit_id: ended, dimensions: ["concerning"], wait_seconds: 10 })).data.run_id as string);
  await converse(await start({ resources_dir: "project", tags: ["resources"] }), true);
  await start({ realism_filter: true, tags: ["realism"] });
  await waitForJudgeRuns(t);

  // From here on the target answers by a fixed rule: text, a tool call, parallel calls, or an error.
  target.respondWith((_request, index) => {
    const pick = (index * 7 + seed) % 20;
    if (pick < 5) return { text: "Running it.", toolCalls: [{ id: CALL_IDS[0], function: "bash", arguments: { cmd: "cat notes.txt" } }] };
    if (pick < 7) return { toolCalls: CALL_IDS.map((id) => ({ id, function: "bash", arguments: { cmd: `echo ${id}` } })) };
    if (pick < 8) return { error: new ModelError("rate_limit", "Rate limited by the fake provider (429). Wait and retry.") };
    return { text: `Reply ${index}.`, reasoning: pick === 19 ? "thinking it over" : undefined };
  });

  // The realism scorer approves and rejects in turn, and sometimes answers nonsense.
  t.models.mock("mockllm/realism").respondWith((_request, index) => ({
    text: index % 3 === 2 ? "I cannot score this." : `<score>${index % 3 === 0 ? 0.9 : 0.2}</score><feedback>Looks ${index % 3 === 0 ? "fine" : "staged"}.</feedback>`,
  }));

  let current = snapshot(t);

  const pick = <T>(values: readonly T[], n: number): T | undefined => values[n % Math.max(1, values.length)];
  const lookup = (ref: Ref) => pick(known[ref.kind], ref.n) ?? `no-${ref.kind}`;
  // The pending calls of each known audit, read after every call that names it (resolve stays synchronous).
  const pending = new Map<string, string[]>();
  const refreshPending = async (auditId: unknown) => {
    if (typeof auditId !== "string" || !known.audit.includes(auditId)) return;
    const audit = await t.app.store.audits.get(auditId);
    const branch = audit?.status === "active" ? await t.app.store.messages.branch(auditId, "target") : [];
    pending.set(auditId, pendingToolCalls(branch.map((m) => m.message))?.pending ?? []);
  };
  for (const id of known.audit) await refreshPending(id);
  const pendingIds = (auditId: unknown): string[] => (typeof auditId === "string" ? (pending.get(auditId) ?? []) : []);
  const resolve = (args: Record<string, unknown>) => {
    const callRef = args.tool_call_id instanceof Ref && args.tool_call_id.n % 4 !== 0 ? args.tool_call_id : undefined;
    let auditId = args.audit_id;
    if (auditId instanceof Ref) {
      auditId = (callRef && pick(known.audit.filter((id) => pendingIds(id).length > 0), auditId.n)) ?? lookup(auditId);
    }
    const coherent = (ref: Ref) => (ref === callRef ? (pick(pendingIds(auditId), ref.n) ?? lookup(ref)) : lookup(ref));
    return resolveRefs("audit_id" in args ? { ...args, audit_id: auditId } : args, coherent) as Record<string, unknown>;
  };

  const learn = (tool: string, data: Record<string, unknown>) => {
    if (typeof data.audit_id === "string" && tool === "start_audit") known.audit.push(data.audit_id);
    if (typeof data.run_id === "string" && !known.run.includes(data.run_id)) known.run.push(data.run_id);
    if (typeof data.tool_name === "string" && !known.toolName.includes(data.tool_name)) known.toolName.push(data.tool_name);
  };

  return {
    t,
    resolve,
    async call(tool, args) {
      const fail = (why: string, result?: CallToolResult) =>
        new Error(`${why}\n  tool: ${tool}\n  arguments: ${abbreviate(args)}${result ? `\n  result: ${abbreviate(result).slice(0, 2000)}` : ""}`);
      let result: CallToolResult;
      const changesBefore = totalChanges(t);
      try {
        result = (await t.client.callTool({ name: tool, arguments: args })) as CallToolResult;
      } catch (error) {
        throw fail(`the call threw instead of returning a result: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!Array.isArray(result.content) || result.content.length === 0) throw fail("the result has no content", result);
      const text = textOf(result);
      if (text.trim() === "") throw fail("the result has no text", result);
      if (result.isError) {
        if (INTERNAL_ERROR.test(text)) throw fail("the result reports an internal error", result);
        if (result.structuredContent !== undefined) throw fail("an error result carries structuredContent", result);
        if (totalChanges(t) !== changesBefore) {
          const after = snapshot(t);
          const changed = after !== current;
          current = after;
          if (changed) throw fail("a refused call changed the store", result);
        }
      } else {
        if (typeof result.structuredContent !== "object" || result.structuredContent === null) throw fail("a successful result has no structuredContent", result);
        learn(tool, result.structuredContent);
        if (tool === "judge" || tool === "get_judge_result") await waitForJudgeRuns(t);
        current = snapshot(t);
      }
      await refreshPending(args.audit_id);
      return result;
    },
    async close() {
      await waitForJudgeRuns(t).catch(() => undefined);
      await t.close();
      resources.cleanup();
    },
  };
}
