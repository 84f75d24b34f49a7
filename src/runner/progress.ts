/**
 * Progress of a run on stderr: on a terminal a live display redrawn in place (audits done,
 * running and failed, turns, tokens, cost, what each running audit is doing); otherwise one plain
 * line per event, for logs and CI.
 */
import { setLogSink } from "../log.js";
import type { RunnerEvent } from "./events.js";

export interface ProgressSink {
  write(text: string): void;
  /** Redraw in place (a terminal) rather than print lines. */
  live: boolean;
  /** Terminal width; live lines are cut to it so each stays one row. */
  columns?: number;
}

export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  /** Null when no call had a known price. */
  costUsd: number | null;
}

interface Running {
  seedId: string;
  activity: string;
}

const RECENT_LINES = 4;
const REDRAW_EVERY_MS = 1000;

export function formatTokens(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  if (n >= 1000) return `${(n / 1000).toFixed(1)}k`;
  return String(n);
}

export function formatCost(cost: number | null): string {
  return cost === null ? "unknown" : `$${cost.toFixed(cost < 1 ? 4 : 2)}`;
}

function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
}

/** One plain line per event; null for events worth no line. */
export function eventLine(event: RunnerEvent): string | null {
  switch (event.type) {
    case "run_started":
      return [
        `run ${event.runId}: ${event.seeds} seed(s), ${event.toRun} to audit`,
        event.resumed > 0 ? `, ${event.resumed} finished earlier in this run` : "",
        event.recovered > 0 ? `, ${event.recovered} interrupted audit(s) of this run closed as failed` : "",
      ].join("");
    case "audit_started":
      return `[${event.seedId}] started audit ${event.auditId}`;
    case "turn":
      return `[${event.seedId}] turn ${event.turns}/${event.maxTurns}`;
    case "audit_closed":
      return `[${event.seedId}] audit ${event.auditId} ${event.status} after ${event.turns} turn(s)${event.reason ? `: ${event.reason}` : ""}`;
    case "seed_error":
      return `[${event.seedId}] error${event.auditId ? ` (audit ${event.auditId})` : ""}: ${event.error}`;
    case "judge_started":
      return `[${event.seedId}] judging with ${event.judgeModel}`;
    case "judged":
      return `[${event.seedId}] judge ${event.status} (${event.judgeModel})${event.error ? `: ${event.error}` : ""}`;
    case "exported":
      return `[${event.seedId}] transcript ${event.path}`;
    case "export_failed":
      return `[${event.seedId}] export failed: ${event.error}`;
    case "skipped":
      return `[${event.seedId}] already complete in this run (audit ${event.auditId}), skipped`;
    case "stop_requested":
      return event.level === "stopping"
        ? "Stopping: no new audits or turns will start; the turns under way finish. Press Ctrl-C again to abort them."
        : event.level === "aborting"
          ? "Aborting the model calls in flight; their audits are recorded as interrupted."
          : null;
  }
}

export class RunProgress {
  private readonly started: number;
  private seeds = 0;
  private done = 0;
  /** Failed audits (or seeds that could not start). */
  private readonly failed = new Set<string>();
  private turns = 0;
  private stopNote = "";
  private runId = "";
  private readonly running = new Map<string, Running>();
  private readonly recent: string[] = [];
  private drawnLines = 0;
  private ticker: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly usage: () => UsageTotals,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
    if (sink.live) {
      this.ticker = setInterval(() => this.draw(), REDRAW_EVERY_MS);
      this.ticker.unref();
      // Log lines (SDK warnings above all) printed between frames would break the redraw: show them in the frame.
      setLogSink((line) => this.note(line));
    }
  }

  handle(event: RunnerEvent): void {
    this.track(event);
    if (!this.sink.live) {
      const line = eventLine(event);
      if (line !== null) this.sink.write(line + "\n");
      return;
    }
    if (event.type === "audit_closed" || event.type === "seed_error" || event.type === "judged" || event.type === "export_failed") {
      this.note(eventLine(event)!);
      return;
    }
    this.draw();
  }

  /** A line under the live frame's counters, among the last few. */
  private note(line: string): void {
    if (this.finished) return;
    this.recent.push(line);
    if (this.recent.length > RECENT_LINES) this.recent.shift();
    this.draw();
  }

  /** Stops redrawing; the last frame stays on screen. */
  finish(): void {
    if (this.finished) return;
    if (this.sink.live) this.draw();
    this.finished = true;
    if (this.ticker) clearInterval(this.ticker);
    if (this.sink.live) setLogSink(null);
  }

  private track(event: RunnerEvent): void {
    switch (event.type) {
      case "run_started":
        this.runId = event.runId;
        this.seeds = event.seeds;
        break;
      case "audit_started":
        this.running.set(event.auditId, { seedId: event.seedId, activity: "starting" });
        break;
      case "turn":
        this.turns++;
        this.running.set(event.auditId, { seedId: event.seedId, activity: `turn ${event.turns}/${event.maxTurns}` });
        break;
      case "audit_closed":
        if (event.status === "failed" || event.status === "cancelled") this.failed.add(event.auditId);
        this.running.set(event.auditId, { seedId: event.seedId, activity: `${event.status}, exporting` });
        break;
      case "seed_error":
        this.failed.add(event.auditId ?? `seed:${event.seedId}`);
        if (event.auditId) this.running.delete(event.auditId);
        break;
      case "judge_started":
        this.running.set(event.auditId, { seedId: event.seedId, activity: "judging" });
        break;
      case "exported":
      case "export_failed":
      case "skipped":
        if (!this.failed.has(event.auditId)) this.done++;
        this.running.delete(event.auditId);
        break;
      case "stop_requested":
        this.stopNote = event.level === "stopping" ? "stopping (Ctrl-C again to abort)" : event.level === "aborting" ? "aborting" : "";
        break;
      default:
        break;
    }
  }

  private frame(): string[] {
    const queued = Math.max(0, this.seeds - this.done - this.failed.size - this.running.size);
    const usage = this.usage();
    const lines = [
      `petri-mcp audit  run ${this.runId}  ${formatElapsed(this.now() - this.started)}${this.stopNote ? `  ${this.stopNote}` : ""}`,
      `audits: ${this.done}/${this.seeds} done, ${this.running.size} running, ${this.failed.size} failed, ${queued} queued`,
      `turns: ${this.turns}  tokens: ${formatTokens(usage.inputTokens)} in / ${formatTokens(usage.outputTokens)} out  cost: ${formatCost(usage.costUsd)}`,
      ...[...this.running.entries()].map(([auditId, r]) => `  ${r.seedId}  ${r.activity}  (audit ${auditId})`),
      ...this.recent.map((line) => `  ${line}`),
    ];
    const width = this.sink.columns && this.sink.columns > 10 ? this.sink.columns - 1 : undefined;
    return width ? lines.map((line) => (line.length > width ? line.slice(0, width - 1) + "…" : line)) : lines;
  }

  private draw(): void {
    const lines = this.frame();
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F` : "";
    this.sink.write(`${up}\x1b[J${lines.join("\n")}\n`);
    this.drawnLines = lines.length;
  }
}
