/**
 * Judge runs in the background of this process. Judge calls with thinking often take minutes and
 * MCP clients cut tool calls off near 60 s, so `start` stores the run and returns at once; `wait`
 * follows a run (of this process, or of another one through the store) up to a time limit.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { log } from "../log.js";
import { callModel } from "../models/call.js";
import type { ModelResolver } from "../models/types.js";
import { type AuditStore, newAuditId } from "../store/audit-store.js";
import { renderJudgeTranscript } from "../transcript/judge-xml.js";
import { type JudgeOutcome, runJudgeAttempts } from "./attempts.js";
import type { Dimension } from "./dimensions.js";
import { type GenerationSettings, settingsForCall } from "../models/settings.js";
import { HEARTBEAT_MS, type JudgeRunRecord, JudgeRunStore, STALE_AFTER_MS } from "./runs.js";

export interface JudgeRunRequest {
  auditId: string;
  judgeModel: string;
  dimensions: Dimension[];
  retries: number;
  /** Judge generation settings over the defaults (null: Petri's defaults). */
  judgeConfig?: GenerationSettings | null;
}

export interface JudgeProgress {
  runId: string;
  /** The attempt under way (0 before the first starts). */
  attempt: number;
  retries: number;
  /** Since the wait began. */
  elapsedMs: number;
}

export interface WaitOptions {
  onProgress?: (progress: JudgeProgress) => void;
  /** How often onProgress fires while nothing changes (default 5 s). */
  progressEveryMs?: number;
  signal?: AbortSignal;
}

export interface JudgeRunnerOptions {
  heartbeatMs?: number;
  staleMs?: number;
  /** How often to look at the store when following another process's run (default 1 s). */
  pollMs?: number;
}

interface ActiveRun {
  done: Promise<void>;
  attempt: number;
  retries: number;
  listeners: Set<() => void>;
}

export class JudgeRunner {
  readonly runs: JudgeRunStore;
  /** Identifies this process in judge_runs.owner. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly active = new Map<string, ActiveRun>();
  private readonly heartbeatMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly store: AuditStore,
    private readonly models: ModelResolver,
    options: JudgeRunnerOptions = {},
  ) {
    this.runs = new JudgeRunStore(store, options.staleMs ?? STALE_AFTER_MS);
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.pollMs = options.pollMs ?? 1000;
  }

  /**
   * Stores the run as `running`, starts it in the background and returns its id. Aborting `signal`
   * cancels the judge's model calls (the run then ends as failed).
   */
  start(request: JudgeRunRequest, options: { signal?: AbortSignal } = {}): string {
    const id = `judge_${newAuditId()}`;
    const transcript = renderJudgeTranscript(this.store.allMessages(request.auditId, "target"));
    this.runs.create({ id, ...request, owner: this.owner });
    const run: ActiveRun = { done: Promise.resolve(), attempt: 0, retries: request.retries, listeners: new Set() };
    this.active.set(id, run);
    run.done = this.execute(id, request, transcript, run, options.signal).finally(() => {
      this.active.delete(id);
      for (const listener of run.listeners) listener();
    });
    return id;
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** Resolves with the finished run (runs of this process only; others resolve at once as stored). */
  async whenDone(runId: string): Promise<JudgeRunRecord | undefined> {
    await this.active.get(runId)?.done;
    return this.runs.get(runId);
  }

  /** Resolves when every run started by this process has finished. */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.all([...this.active.values()].map((r) => r.done));
  }

  private async execute(id: string, request: JudgeRunRequest, transcript: ReturnType<typeof renderJudgeTranscript>, run: ActiveRun, signal?: AbortSignal): Promise<void> {
    const heartbeat = setInterval(() => this.quietly("heartbeat", () => this.runs.heartbeat(id, this.owner)), this.heartbeatMs);
    heartbeat.unref();
    let outcome: JudgeOutcome;
    try {
      const model = this.models.resolve(request.judgeModel);
      outcome = await runJudgeAttempts({
        transcript,
        signal,
        dimensions: request.dimensions,
        retries: request.retries,
        settings: settingsForCall("judge", request.judgeModel, model.capabilities, request.judgeConfig, "judge_config"),
        generate: (req) => callModel({ store: this.store, auditId: request.auditId, role: "judge", model, request: req, ref: id }),
        onAttempt: (attempt, messages) => {
          run.attempt = attempt;
          this.quietly("progress", () => this.runs.progress(id, this.owner, attempt, messages));
          for (const listener of run.listeners) listener();
        },
      });
    } catch (error) {
      log.error(`judge run ${id} failed unexpectedly`, error);
      outcome = {
        status: "failed",
        scores: {},
        missing: request.dimensions.map((d) => d.name),
        summary: null,
        justification: null,
        highlights: [],
        response: null,
        messages: [],
        attempts: run.attempt,
        error: `The judge run failed: ${error instanceof Error ? error.message : String(error)}`,
        warnings: [],
      };
    } finally {
      clearInterval(heartbeat);
    }
    this.quietly("result", () => this.runs.finish(id, this.owner, outcome));
  }

  /** Store writes of a background run must never throw into the void (e.g. after the store closed). */
  private quietly(what: string, fn: () => unknown): void {
    try {
      fn();
    } catch (error) {
      if (this.store.db.open) log.warn(`judge run: could not store the ${what}`, error);
    }
  }

  /**
   * Follows a run until it is no longer running or `timeoutMs` passes, then returns it as stored
   * (undefined for an unknown id).
   */
  wait(runId: string, timeoutMs: number, options: WaitOptions = {}): Promise<JudgeRunRecord | undefined> {
    const begin = Date.now();
    const local = this.active.get(runId);
    const current = this.runs.get(runId);
    if (!current || (!local && current.status !== "running")) return Promise.resolve(current);
    return new Promise((resolve) => {
      const cleanups: Array<() => void> = [];
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        for (const cleanup of cleanups) cleanup();
        resolve(this.runs.get(runId));
      };
      const report = () => {
        if (settled || !options.onProgress) return;
        const attempt = local ? local.attempt : (this.runs.get(runId)?.attempts ?? 0);
        options.onProgress({ runId, attempt, retries: local?.retries ?? current.retries, elapsedMs: Date.now() - begin });
      };
      if (local) {
        void local.done.then(settle);
        local.listeners.add(report);
        cleanups.push(() => local.listeners.delete(report));
      } else {
        const poll = setInterval(() => {
          if (this.runs.get(runId)?.status !== "running") settle();
        }, this.pollMs);
        cleanups.push(() => clearInterval(poll));
      }
      const timeout = setTimeout(settle, Math.max(0, timeoutMs));
      cleanups.push(() => clearTimeout(timeout));
      if (options.onProgress) {
        report();
        const ticks = setInterval(report, options.progressEveryMs ?? 5000);
        cleanups.push(() => clearInterval(ticks));
      }
      if (options.signal) {
        if (options.signal.aborted) return settle();
        options.signal.addEventListener("abort", settle, { once: true });
        cleanups.push(() => options.signal?.removeEventListener("abort", settle));
      }
    });
  }
}

const runners = new WeakMap<AuditStore, JudgeRunner>();

/** The process's runner for a store (one per store, shared by every MCP session). */
export function judgeRunnerFor(store: AuditStore, models: ModelResolver, options?: JudgeRunnerOptions): JudgeRunner {
  let runner = runners.get(store);
  if (!runner) {
    runner = new JudgeRunner(store, models, options);
    runners.set(store, runner);
  }
  return runner;
}
