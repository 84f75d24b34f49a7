/**
 * The job worker: claims jobs of the kinds it has handlers for, runs each with a handler, renews the
 * job's lease on a heartbeat while it runs, and ends the job by what the handler did (resolved:
 * done; threw: failed, queued again while it has attempts left). When its lease is lost (taken over
 * after a stall, or the run cancelled) the handler is aborted and nothing more is written for it.
 * Stopping the worker aborts its handlers and gives their jobs back unfinished (not counted as an
 * attempt), so another process can take them at once.
 */
import { log } from "../log.js";
import type { JobKind, JobRecord, JobRepo } from "../store/types.js";
import { newOwner, ownerGone } from "../util/owner.js";

/** Runs one job. Must stop, writing no result, when `signal` aborts. */
export type JobHandler = (job: JobRecord, signal: AbortSignal) => Promise<void>;

/** A handler's failure that another attempt cannot fix (e.g. the run's budget is spent): the job fails at once. */
export class FinalJobError extends Error {}

/** A handler stopped by its own process (e.g. Ctrl-C on `petri-mcp audit`): the job is given back unfinished, the attempt not counted. */
export class ReleaseJobError extends Error {}

/** How long a claimed job stays leased without a heartbeat. */
export const DEFAULT_LEASE_MS = 30_000;

export interface WorkerOptions {
  /** The store's jobs (`store.jobs`). */
  jobs: JobRepo;
  handlers: Partial<Record<JobKind, JobHandler>>;
  /** Default: a new `host:pid:random` owner. */
  owner?: string;
  /** Jobs worked at once (default 1). */
  concurrency?: number;
  leaseMs?: number;
  /** How often a running job's lease is renewed (default a third of the lease). */
  heartbeatMs?: number;
  /** How often the queue is looked at while idle (default 1 s). */
  pollMs?: number;
  /** Only jobs of this run. */
  runId?: string;
  /** Return once no job of these kinds (and run) is queued or running anywhere. */
  exitWhenIdle?: boolean;
  /** Stops the worker: running handlers are aborted and their jobs given back. */
  signal?: AbortSignal;
  /** Stops claiming: the worker returns once the jobs it is running have ended (they are not aborted). */
  drain?: AbortSignal;
  /** Leave out the log line of each job that did not end done (the caller reports its jobs itself). */
  quiet?: boolean;
}

export type JobEnd = "done" | "failed" | "retry" | "released" | "lost";

export interface WorkerSummary {
  done: number;
  failed: number;
  retried: number;
  released: number;
  lost: number;
}

const END_KEY: Record<JobEnd, keyof WorkerSummary> = { done: "done", failed: "failed", retry: "retried", released: "released", lost: "lost" };

export class JobWorker {
  readonly owner: string;
  private readonly kinds: JobKind[];
  readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly summary: WorkerSummary = { done: 0, failed: 0, retried: 0, released: 0, lost: 0 };
  private stopSignal: AbortSignal | undefined;

  constructor(private readonly options: WorkerOptions) {
    this.owner = options.owner ?? newOwner();
    this.kinds = (Object.keys(options.handlers) as JobKind[]).filter((k) => options.handlers[k]);
    if (this.kinds.length === 0) throw new Error("a worker needs a handler for at least one job kind");
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.heartbeatMs = options.heartbeatMs ?? Math.max(10, Math.floor(this.leaseMs / 3));
    this.pollMs = options.pollMs ?? 1000;
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.stopSignal = options.signal;
  }

  /** Jobs this worker is running now. */
  get running(): number {
    return this.active.size;
  }

  /** Works until stopped (or idle, with exitWhenIdle); resolves with what it did. */
  run(): Promise<WorkerSummary> {
    return this.runWith(this.options.signal);
  }

  /** `run`, stopped by this signal instead of the one given to the constructor. */
  async runWith(signal: AbortSignal | undefined): Promise<WorkerSummary> {
    this.stopSignal = signal;
    const drain = this.options.drain;
    while (!signal?.aborted && !drain?.aborted) {
      await this.claimAvailable();
      if (this.options.exitWhenIdle && this.active.size === 0 && (await this.pending()) === 0) break;
      await this.pause();
    }
    // Drained: the jobs under way end on their own (unless the worker is stopped meanwhile).
    while (!signal?.aborted && this.active.size > 0) await this.pause();
    for (const { controller } of this.active.values()) controller.abort("stop");
    await Promise.all([...this.active.values()].map((a) => a.done));
    return { ...this.summary };
  }

  /** Claims jobs up to the concurrency and starts them. */
  private async claimAvailable(): Promise<void> {
    try {
      await this.expireDeadOwners();
      while (this.active.size < this.concurrency && !this.stopSignal?.aborted && !this.options.drain?.aborted) {
        const job = await this.options.jobs.claim(this.kinds, this.owner, this.leaseMs, { runId: this.options.runId });
        if (!job) return;
        void this.start(job);
      }
    } catch (error) {
      log.warn("job worker: could not claim a job", error);
    }
  }

  /** Works a job this process already claimed (with this worker's owner), outside the claim loop. */
  start(job: JobRecord): Promise<void> {
    const controller = new AbortController();
    const done = this.work(job, controller).finally(() => this.active.delete(job.id));
    this.active.set(job.id, { controller, done });
    return done;
  }

  /** Resolves when this worker's run of the job has ended and its end is stored (at once if it is not running it). */
  async ended(id: string): Promise<void> {
    await this.active.get(id)?.done;
  }

  /** Resolves when every job this worker is running has ended (and its end is stored). */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.all([...this.active.values()].map((a) => a.done));
  }

  /** Aborts every running job of this worker and gives it back unfinished. */
  async releaseAll(): Promise<void> {
    for (const { controller } of this.active.values()) controller.abort("stop");
    await Promise.all([...this.active.values()].map((a) => a.done));
  }

  private async work(job: JobRecord, controller: AbortController): Promise<void> {
    const { jobs } = this.options;
    const handler = this.options.handlers[job.kind]!;
    const beat = setInterval(() => {
      void (async () => (await jobs.renew(job.id, this.owner, this.leaseMs)) || controller.abort("lost"))().catch((error: unknown) =>
        log.warn(`job ${job.id}: could not renew its lease`, error),
      );
    }, this.heartbeatMs);
    beat.unref();
    let end: JobEnd;
    try {
      await handler(job, controller.signal);
      clearInterval(beat);
      end = (await jobs.complete(job.id, this.owner)) ? "done" : "lost";
    } catch (error) {
      clearInterval(beat);
      const message = error instanceof Error ? error.message : String(error);
      end = error instanceof ReleaseJobError ? await this.giveBack(job) : await this.endAfterError(job, controller.signal, message, !(error instanceof FinalJobError));
    } finally {
      clearInterval(beat);
    }
    this.summary[END_KEY[end]]++;
    if (end !== "done" && !this.options.quiet) log.info(`job ${job.id} (${job.kind}): ${end}`);
  }

  private async endAfterError(job: JobRecord, signal: AbortSignal, message: string, retry: boolean): Promise<JobEnd> {
    const { jobs } = this.options;
    try {
      if (signal.aborted && signal.reason === "lost") return "lost";
      if (signal.aborted && signal.reason === "stop") return await this.giveBack(job);
      if (!(await jobs.fail(job.id, this.owner, message, { retry }))) return "lost";
      return (await jobs.get(job.id))?.status === "queued" ? "retry" : "failed";
    } catch (error) {
      log.warn(`job ${job.id}: could not record how it ended`, error);
      return "lost";
    }
  }

  private async giveBack(job: JobRecord): Promise<JobEnd> {
    try {
      return (await this.options.jobs.release(job.id, this.owner)) ? "released" : "lost";
    } catch (error) {
      log.warn(`job ${job.id}: could not give it back`, error);
      return "lost";
    }
  }

  /** Jobs of this worker's kinds (and run) still queued or running anywhere. */
  private async pending(): Promise<number> {
    return this.options.jobs.pending(this.kinds, this.options.runId);
  }

  /** A lease held by a process of this host that no longer exists ends now, not when it runs out. */
  private async expireDeadOwners(): Promise<void> {
    for (const { id, owner } of await this.options.jobs.leases(this.kinds)) {
      if (owner !== this.owner && ownerGone(owner)) await this.options.jobs.expireLease(id, owner);
    }
  }

  /** Waits a poll interval, or less when a job ends or the worker is stopped. */
  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollMs);
      const signals = [this.stopSignal, this.options.drain];
      function done() {
        clearTimeout(timer);
        for (const signal of signals) signal?.removeEventListener("abort", done);
        resolve();
      }
      for (const signal of signals) signal?.addEventListener("abort", done, { once: true });
      for (const a of this.active.values()) void a.done.then(done);
    });
  }
}
