/** What the scheduler reports while a run goes on (the progress display listens). */
import type { AuditStatus } from "../store/types.js";
import type { StopLevel } from "./stop.js";

export type RunnerEvent =
  /** The plan: `toRun` new audits, `resumed` audits finished by an earlier invocation of this run. */
  | { type: "run_started"; runId: string; seeds: number; toRun: number; resumed: number; recovered: number }
  | { type: "audit_started"; seedId: string; auditId: string }
  | { type: "turn"; seedId: string; auditId: string; turns: number; maxTurns: number }
  | { type: "audit_closed"; seedId: string; auditId: string; status: Exclude<AuditStatus, "active">; reason: string | null; turns: number }
  /** The seed could not be started or the runner hit an unexpected error. */
  | { type: "seed_error"; seedId: string; auditId: string | null; error: string }
  | { type: "judge_started"; seedId: string; auditId: string; judgeModel: string }
  | { type: "judged"; seedId: string; auditId: string; judgeModel: string; status: string; error: string | null }
  | { type: "exported"; seedId: string; auditId: string; path: string }
  | { type: "export_failed"; seedId: string; auditId: string; error: string }
  /** Complete in an earlier invocation of this run: nothing left to do. */
  | { type: "skipped"; seedId: string; auditId: string }
  | { type: "stop_requested"; level: StopLevel };
