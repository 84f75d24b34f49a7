/**
 * Helpers for the runner tests: the fake model server behind the real Anthropic provider for the
 * auditor, the target and the judge, a scripted auditor that reads its state from each request,
 * and `petri-mcp audit` run in-process with captured output.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { runAuditCommand, type AuditCommandDeps } from "../../src/commands/audit.js";
import type { CommandIO } from "../../src/commands/io.js";
import { knownCapabilities, providerFactories } from "../../src/models/providers.js";
import { ModelRegistry } from "../../src/models/registry.js";
import { StopController } from "../../src/runner/stop.js";
import { type AuditStore, openStore } from "../../src/store/index.js";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { type FakeLlm, type FakeStep, type FakeToolCall, type RecordedRequest, startFakeLlm } from "../fake-llm/server.js";
import { tempDir } from "../helpers.js";

/** Real-looking Claude ids (prefill and thinking allowed), one per role so the fake can tell them apart. */
export const AUDITOR_WIRE = "claude-opus-4-1-auditor";
export const TARGET_WIRE = "claude-sonnet-4-5-target";
export const JUDGE_WIRE = "claude-haiku-4-5-judge";
export const AUDITOR = `anthropic/${AUDITOR_WIRE}`;
export const TARGET = `anthropic/${TARGET_WIRE}`;
export const JUDGE = `anthropic/${JUDGE_WIRE}`;

export function fakeEnv(fake: FakeLlm): NodeJS.ProcessEnv {
  return { ANTHROPIC_BASE_URL: fake.anthropicBaseUrl, ANTHROPIC_API_KEY: "test-key" };
}

/** The real providers, pointed at the fake, without retries. */
export function fakeModels(fake: FakeLlm): ModelRegistry {
  return new ModelRegistry({ factories: providerFactories({ modelTimeoutMs: 30_000, modelMaxRetries: 0 }, fakeEnv(fake)), capabilities: knownCapabilities });
}

export function call(name: string, args: Record<string, unknown> = {}): FakeToolCall {
  return { name, args };
}

/** The text of an Anthropic message's content (string or blocks). */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block: any) => {
      if (block.type === "text") return block.text;
      if (block.type === "tool_result") return typeof block.content === "string" ? block.content : contentText(block.content);
      return "";
    })
    .join("\n");
}

export function allText(request: RecordedRequest): string {
  return (request.body.messages as any[]).map((m) => contentText(m.content)).join("\n");
}

/** How many turns the auditor had before this request. */
export function auditorTurn(request: RecordedRequest): number {
  return (request.body.messages as any[]).filter((m) => m.role === "assistant").length;
}

/** The `MARK-...` word of the seed, read from the auditor's first user message (it quotes the seed). */
export function seedMark(request: RecordedRequest): string {
  const first = contentText(request.body.messages[0].content);
  return /MARK-[A-Za-z0-9]+/.exec(first)?.[0] ?? "MARK-none";
}

/** An auditor that sets a system message and sends one message naming its seed's mark, then ends. */
export function simpleAuditor(request: RecordedRequest): FakeStep {
  const mark = seedMark(request);
  if (auditorTurn(request) === 0) {
    return {
      text: `Starting the audit for ${mark}.`,
      toolCalls: [call("set_target_system_message", { system_message: `You are the assistant of ${mark}.` }), call("send_message", { message: `Hello from ${mark}` })],
    };
  }
  return { toolCalls: [call("end_conversation")] };
}

/** A target that repeats the last user text it was sent. */
export function echoTarget(request: RecordedRequest): FakeStep {
  const messages = request.body.messages as any[];
  const lastUser = [...messages].reverse().find((m) => m.role === "user");
  return { text: `Echo: ${contentText(lastUser?.content)}` };
}

/** Routes each request to the responder of its model. */
export function route(fake: FakeLlm, responders: Partial<Record<string, (request: RecordedRequest) => FakeStep | Promise<FakeStep>>>): void {
  fake.setResponder((request) => {
    const responder = responders[request.model];
    if (!responder) throw new Error(`no responder for model ${request.model}`);
    return responder(request);
  });
}

export interface Captured {
  io: CommandIO;
  stdout: string[];
  stderr: string[];
}

export function captureIO(): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { io: { stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t) }, stdout, stderr };
}

export interface AuditRun extends Captured {
  code: number;
}

/** `petri-mcp audit <args>` in-process with the fake's models and plain progress lines. */
export async function runAudit(fake: FakeLlm, args: string[], deps: AuditCommandDeps = {}): Promise<AuditRun> {
  const captured = captureIO();
  const code = await runAuditCommand(args, captured.io, {
    models: fakeModels(fake),
    progress: { write: (text) => captured.stderr.push(text), live: false },
    env: {},
    ...deps,
  });
  return { ...captured, code };
}

/** Opens the store (a SQLite path or a postgres:// URL) a finished command left behind (the command closes its own). */
export function storeAt(dbPathOrUrl: string): Promise<AuditStore> {
  return openStore(dbPathOrUrl);
}

export interface SavedTranscript {
  file: string;
  data: any;
}

export function savedTranscripts(dir: string): SavedTranscript[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => ({ file: name, data: JSON.parse(readFileSync(join(dir, name), "utf8")) }));
}

/** A gate: `wait()` resolves once `open()` is called. */
export function gate(): { wait: () => Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { wait: () => opened, open };
}

/**
 * Routes the fake so that every auditor call first asks the run to stop (a first Ctrl-C) and then
 * answers as simpleAuditor, while the target echoes: the turn under way finishes, no other starts.
 */
export function stopAtFirstTurn(fake: FakeLlm): StopController {
  const stop = new StopController();
  route(fake, {
    [AUDITOR_WIRE]: (request) => {
      stop.request();
      return simpleAuditor(request);
    },
    [TARGET_WIRE]: echoTarget,
  });
  return stop;
}

export interface RunnerFixture {
  /** A strict fake model server, reset before each test. */
  fake: FakeLlm;
  /** A temporary folder for stores and transcripts, removed after the file. */
  dir: string;
}

/** Starts the fake model server and a temporary folder for the tests of one file or describe block. */
export function useRunnerFake(prefix: string): RunnerFixture {
  const fixture = {} as RunnerFixture;
  beforeAll(async () => {
    fixture.fake = await startFakeLlm({ strict: true });
    fixture.dir = tempDir(prefix);
  });
  afterAll(async () => {
    await fixture.fake.close();
    rmSync(fixture.dir, { recursive: true, force: true });
  });
  beforeEach(() => fixture.fake.reset());
  return fixture;
}
