/** What one `petri-mcp audit` run needs, shared by the scheduler and each audit. */
import type { AppContext } from "../context.js";
import type { AuditRecord } from "../store/types.js";
import type { RunnerEvent } from "./events.js";
import type { StopController } from "./stop.js";

export interface RunSettings {
  app: AppContext;
  /** Groups the run's audits in the store; rerunning with the same id resumes. */
  runId: string;
  auditorModel: string;
  /** The models audited: every seed runs against each (the grid is seeds × targets × epochs). */
  targetModels: string[];
  /** Audits of each seed × target (default 1). */
  epochs?: number;
  /** The judge jury: each finished audit is judged by each (empty: not judged). */
  judgeModels: string[];
  /** An audit whose target replied fewer times is inconclusive: left out of the report's means (default 2). */
  minTargetReplies?: number;
  /** Auditor turns per audit. */
  maxTurns: number;
  /** Start every audit with the realism filter on (threshold and model from the config). */
  realismFilter: boolean;
  /** Where each audit's Petri JSON transcript is written. */
  saveDir: string;
  /** The run's budget in USD (--budget-usd): no model call of the run starts once it is spent. */
  budgetUsd?: number;
  /** Audits run at once. */
  concurrency: number;
  /** Custom auditor prompts: the text itself or a path (see src/prompts/auditor.ts). */
  auditorSystemPrompt?: string;
  auditorUserPrompt?: string;
  /** Base for relative custom prompt paths (the current directory otherwise). */
  cwd?: string;
  stop: StopController;
  onEvent?: (event: RunnerEvent) => void;
  /** Awaited once an audit exists, before its first turn (an audit job records its audit here). */
  onAuditStarted?: (auditId: string) => Promise<void>;
  /** An active audit of the cell to continue instead of starting one (an audit job taken over from a worker that died; src/runner/continue.ts). */
  continueAudit?: AuditRecord;
}
