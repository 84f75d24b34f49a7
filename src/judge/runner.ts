/**
 * Judge runs as jobs. Judge calls with thinking often take minutes and MCP clients cut tool calls
 * off near 60 s, so `start` stores the run with its job (src/store/jobs.ts) and returns at once;
 * this process then works it in the background (unless `work` is false), and `startWorking` also
 * takes the judge jobs no process is working (queued, or left by a process that stopped). `wait`
 * follows a run (of this process, or of another one through the store) up to a time limit.
 */
import { JobWorker } from "../jobs/worker.js";
import { log, redactSecrets } from "../log.js";
import { callModel } from "../models/call.js";
import type { ModelResolver } from "../models/types.js";
import { newAuditId } from "../util/ids.js";
import type { AuditStore, JobRecord, JobRepo } from "../store/types.js";
import { newOwner } from "../util/owner.js";
import { renderJudgeTranscript } from "./judge-xml.js";
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
  /** Whether this process runs the judge runs it starts (default true; false leaves them to workers). */
  work?: boolean;
  /** Judge jobs this process takes from the queue at once with startWorking (default 2). */
  concurrency?: number;
  /** How often startWorking looks for judge jobs nobody works (default 2 s). */
  claimEveryMs?: number;
}

interface ActiveRun {
  done: Promise<void>;
  /** The attempt under way (0 before the first starts). */
  attempt: number;
  listeners: Set<() => void>;
}

export class JudgeRunner {
  readonly runs: JudgeRunStore;
  readonly jobs: JobRepo;
  /** Identifies this process in judge_runs.owner and jobs.lease_owner. */
  readonly owner = newOwner();
  private readonly active = new Map<string, ActiveRun>();
  /** Signals passed to start, for the runs this process works. */
  private readonly callerSignals = new Map<string, AbortSignal>();
  private readonly heartbeatMs: number;
  private readonly pollMs: number;
  private readonly work: boolean;
  private readonly worker: JobWorker;
  private working: AbortController | null = null;
  private workLoop: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: AuditStore,
    private readonly models: ModelResolver,
    options: JudgeRunnerOptions = {},
  ) {
    const staleMs = options.staleMs ?? STALE_AFTER_MS;
    this.runs = new JudgeRunStore(store, staleMs);
    this.jobs = store.jobs;
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.pollMs = options.pollMs ?? 1000;
    this.work = options.work ?? true;
    this.worker = new JobWorker({
      jobs: this.jobs,
      owner: this.owner,
      handlers: { judge: (job, signal) => this.runJob(job, signal) },
      concurrency: options.concurrency ?? 2,
      leaseMs: staleMs,
      heartbeatMs: this.heartbeatMs,
      pollMs: options.claimEveryMs ?? 2000,
    });
  }

  /**
   * Stores the run as `running` with its queued job and returns its id; unless `work` is false this
   * process claims the job and runs it in the background. Aborting `signal` cancels the judge's
   * model calls (the run then ends as failed).
   */
  async start(request: JudgeRunRequest, options: { signal?: AbortSignal } = {}): Promise<string> {
    const id = `judge_${newAuditId()}`;
    await this.runs.create({ id, ...request, owner: this.owner });
    if (!this.work) return id;
    const job = await this.jobs.claim(["judge"], this.owner, this.worker.leaseMs, { jobId: id });
    if (job) {
      if (options.signal) this.callerSignals.set(id, options.signal);
      void this.worker.start(job).finally(() => this.callerSignals.delete(id));
    }
    return id;
  }

  /**
   * Works judge jobs nobody is working, in the background, until stopWorking: queued ones (from a
   * process that does not work its runs, or one that stopped and gave them back) and running ones
   * whose process stopped (its lease expired, or its pid on this host is gone).
   */
  startWorking(): void {
    if (this.working) return;
    this.working = new AbortController();
    this.workLoop = this.worker.runWith(this.working.signal).catch((error: unknown) => log.error("judge worker stopped", error));
  }

  /**
   * Stops taking jobs and gives back the runs this process is working (their jobs are queued again,
   * the attempt not counted), so another process finishes them. Call before closing the store.
   */
  async stopWorking(): Promise<void> {
    this.working?.abort();
    await this.worker.releaseAll();
    await this.workLoop;
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** Resolves with the finished run (runs of this process only; others resolve at once as stored). */
  async whenDone(runId: string): Promise<JudgeRunRecord | undefined> {
    await this.active.get(runId)?.done;
    await this.worker.ended(runId); // the job's end is stored too (a command may close the store next)
    return this.runs.get(runId);
  }

  /** Resolves when every run started by this process has finished. */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.all([...this.active.values()].map((r) => r.done));
    await this.worker.idle();
  }

  /**
   * Runs a claimed judge job (the `judge` handler of a JobWorker): takes over its run (an attempt
   * starts again) and stores the result, unless `signal` aborts first.
   */
  async runJob(job: JobRecord, signal: AbortSignal): Promise<void> {
    const id = job.id;
    // Registered before the first store read, so a wait right after start follows this process's run.
    const run: ActiveRun = { done: Promise.resolve(), attempt: 0, listeners: new Set() };
    this.active.set(id, run);
    const caller = this.callerSignals.get(id);
    const work = (async () => {
      const stored = await this.runs.get(id);
      // Already finished (its process stored the result and stopped before ending the job): done.
      if (!stored || !(await this.runs.takeOver(id, this.owner))) return;
      const request: JudgeRunRequest = {
        auditId: stored.auditId,
        judgeModel: stored.judgeModel,
        dimensions: stored.dimensions,
        retries: stored.retries,
        judgeConfig: stored.judgeConfig as GenerationSettings | null,
      };
      const transcript = renderJudgeTranscript(await this.store.messages.all(request.auditId, "target"));
      await this.execute(id, request, transcript, run, caller ? AbortSignal.any([signal, caller]) : signal, signal);
    })();
    // Followers (wait, whenDone) only learn that it ended; the worker gets the error below.
    run.done = work
      .catch(() => undefined)
      .finally(() => {
        this.active.delete(id);
        for (const listener of run.listeners) listener();
      });
    await run.done;
    await work;
  }

  /**
   * Judges and stores the outcome. When `jobSignal` aborted (the job was given back or taken over)
   * nothing is stored: the process that has the job now runs it.
   */
  private async execute(
    id: string,
    request: JudgeRunRequest,
    transcript: ReturnType<typeof renderJudgeTranscript>,
    run: ActiveRun,
    signal: AbortSignal,
    jobSignal: AbortSignal,
  ): Promise<void> {
    const heartbeat = setInterval(() => void this.quietly("heartbeat", () => this.runs.heartbeat(id, this.owner)), this.heartbeatMs);
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
        onAttempt: async (attempt, messages) => {
          run.attempt = attempt;
          // Stored before the attempt's model call: a reader of the store sees the attempt under way.
          await this.quietly("progress", () => this.runs.progress(id, this.owner, attempt, messages));
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
        error: redactSecrets(`The judge run failed: ${error instanceof Error ? error.message : String(error)}`),
        warnings: [],
      };
    } finally {
      clearInterval(heartbeat);
    }
    if (jobSignal.aborted) throw new Error(`judge run ${id}: the job was ${jobSignal.reason === "stop" ? "given back" : "taken over"}; nothing stored`);
    await this.quietly("result", () => this.runs.finish(id, request.auditId, this.owner, outcome));
  }

  /** Store writes of a background run must never throw into the void (e.g. after the store closed). */
  private async quietly(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      if (!this.store.closed) log.warn(`judge run: could not store the ${what}`, error);
    }
  }

  /**
   * Follows a run until it is no longer running or `timeoutMs` passes, then returns it as stored
   * (undefined for an unknown id).
   */
  async wait(runId: string, timeoutMs: number, options: WaitOptions = {}): Promise<JudgeRunRecord | undefined> {
    const begin = Date.now();
    const local = this.active.get(runId);
    const current = await this.runs.get(runId);
    if (!current || (!local && current.status !== "running")) return current;
    return new Promise((resolve, reject) => {
      const cleanups: Array<() => void> = [];
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        for (const cleanup of cleanups) cleanup();
        this.runs.get(runId).then(resolve, reject);
      };
      const report = () => {
        if (settled || !options.onProgress) return;
        const send = (attempt: number) => {
          if (!settled) options.onProgress?.({ runId, attempt, retries: current.retries, elapsedMs: Date.now() - begin });
        };
        if (local) return send(local.attempt);
        this.runs.get(runId).then((run) => send(run?.attempts ?? 0), () => undefined);
      };
      if (local) {
        void local.done.then(settle);
        local.listeners.add(report);
        cleanups.push(() => local.listeners.delete(report));
      } else {
        let looking = false;
        const poll = setInterval(() => {
          if (looking) return;
          looking = true;
          this.runs
            .get(runId)
            .then((run) => run?.status !== "running" && settle(), () => undefined)
            .finally(() => (looking = false));
        }, this.pollMs);
        cleanups.push(() => clearInterval(poll));
      }
      const timeout = setTimeout(settle, Math.max(0, timeoutMs));
      cleanups.push(() => clearTimeout(timeout));
      if (options.onProgress) {
        // A run of this process reports its first attempt as it starts.
        if (!local || local.attempt > 0) report();
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

/**
 * The judge work of a serve process (--work): with "judge" (the default) the runner (the app's,
 * made with work on) also takes judge jobs nobody works; with "none" it only stores runs, for
 * `petri-mcp worker`. Returns what to await before closing the store: it gives back the runs still
 * under way.
 */
export function startJudgeWork(runner: JudgeRunner, work: "judge" | "none" = "judge"): () => Promise<void> {
  if (work === "judge") runner.startWorking();
  return () => runner.stopWorking();
}
