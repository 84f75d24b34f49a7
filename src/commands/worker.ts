/**
 * `petri-mcp worker`: works the jobs queued in the store (judge runs) until stopped, or until the
 * queue is empty with --exit-when-idle. Any number of workers, on any machine that reaches the
 * store, can work the same queue: each job is claimed by one of them at a time under a lease, and
 * taken over by another when its worker stops.
 */
import { loadConfig, parseCommandArgs } from "../config.js";
import { DEFAULT_LEASE_MS, JobWorker } from "../jobs/worker.js";
import { createAppContext } from "../context.js";
import { runAuditJob } from "../runner/audit-jobs.js";
import type { JobKind, JobRecord } from "../store/types.js";
import type { CommandIO } from "./io.js";
import { NO_DATABASE, openExistingStore } from "./existing-store.js";

const USAGE = `Usage: petri-mcp worker [options]

Works the jobs queued in the store: judge runs started by a judge call (of any process, e.g. a
serve with --work none, or one that stopped before it finished), and the audits of a run stored
by petri-mcp audit --enqueue (each run with the built-in auditor, then judged and exported). Each job is claimed by one worker
at a time under a lease that the worker renews; when a worker stops or is killed, another takes
its jobs over once the lease expires (at once for a dead process on the same host).

Options:
  --db PATH|URL         the store: a SQLite file or a postgres:// URL (default: $PETRI_DB,
                        else the user data dir)
  --concurrency N       jobs worked at once (2)
  --run-id ID           only the jobs of this run
  --kinds LIST          job kinds to work, comma-separated (judge,audit; the default)
  --exit-when-idle      exit once no job of these kinds is queued or running anywhere
  --lease-seconds N     how long a claimed job stays leased without a heartbeat (30)
  --model-timeout-ms MS, --model-max-retries N: as for serve (a run keeps the judge model
                        and settings it was stored with)

Stop it with Ctrl-C (SIGINT) or SIGTERM: the jobs under way go back to the queue.
`;

/** Kinds this petri-mcp can work. */
const WORKABLE: readonly JobKind[] = ["judge", "audit"];

export async function runWorkerCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    concurrency: { type: "string" },
    "run-id": { type: "string" },
    kinds: { type: "string" },
    "exit-when-idle": { type: "boolean" },
    "lease-seconds": { type: "string" },
  });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const concurrency = wholeNumber(values.concurrency, "--concurrency", 2, 1, 64, io);
  const leaseSeconds = wholeNumber(values["lease-seconds"], "--lease-seconds", DEFAULT_LEASE_MS / 1000, 1, 3600, io);
  const kinds = (values.kinds ?? WORKABLE.join(",")).split(",").map((k) => k.trim()).filter((k) => k !== "");
  const unknown = kinds.find((k) => !WORKABLE.includes(k as JobKind));
  if (concurrency === null || leaseSeconds === null) return 2;
  if (unknown !== undefined || kinds.length === 0) {
    io.stderr(`petri-mcp worker: --kinds takes ${WORKABLE.join(", ")} (got '${values.kinds}').`);
    return 2;
  }
  const config = loadConfig(values);
  const store = await openExistingStore("worker", config.dbPath, io, { poolSize: config.dbPool });
  if (!store) return NO_DATABASE;
  const leaseMs = leaseSeconds * 1000;
  // The app's judge runner works the judge jobs, and judges the audits of audit jobs (one per store).
  const app = await createAppContext(config, { store, judge: { staleMs: leaseMs, work: true } }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const judges = app.judges;
    const handlers = {
      ...(kinds.includes("judge") ? { judge: (job: JobRecord, signal: AbortSignal) => judges.runJob(job, signal) } : {}),
      ...(kinds.includes("audit") ? { audit: (job: JobRecord, signal: AbortSignal) => runAuditJob(app, store.jobs, judges.owner, job, signal) } : {}),
    };
    const worker = new JobWorker({
      jobs: store.jobs,
      owner: judges.owner,
      handlers,
      concurrency,
      leaseMs,
      runId: values["run-id"],
      exitWhenIdle: values["exit-when-idle"] ?? false,
      signal: stop.signal,
    });
    io.stderr(`petri-mcp worker: working ${kinds.join(", ")} jobs of ${store.location} as ${worker.owner} (concurrency ${concurrency})`);
    const s = await worker.run();
    io.stderr(`petri-mcp worker: stopped; jobs done ${s.done}, failed ${s.failed}, retried ${s.retried}, given back ${s.released}, taken over ${s.lost}`);
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await app.close();
  }
}

function wholeNumber(value: string | undefined, name: string, fallback: number, min: number, max: number, io: CommandIO): number | null {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (Number.isInteger(n) && n >= min && n <= max) return n;
  io.stderr(`petri-mcp worker: ${name} must be a whole number from ${min} to ${max} (got '${value}').`);
  return null;
}
