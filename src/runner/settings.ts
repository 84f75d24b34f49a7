/** What one `petri-mcp audit` run needs, shared by the scheduler and each audit. */
import type { AppContext } from "../context.js";
import type { RunnerEvent } from "./events.js";
import type { StopController } from "./stop.js";

export interface RunSettings {
  app: AppContext;
  /** Groups the run's audits in the store; rerunning with the same id resumes. */
  runId: string;
  auditorModel: string;
  targetModel: string;
  /** Null: audits are not judged. */
  judgeModel: string | null;
  /** Auditor turns per audit. */
  maxTurns: number;
  /** Start every audit with the realism filter on (threshold and model from the config). */
  realismFilter: boolean;
  /** Where each audit's Petri JSON transcript is written. */
  saveDir: string;
  /** Audits run at once. */
  concurrency: number;
  /** Custom auditor prompts: the text itself or a path (see src/prompts/auditor.ts). */
  auditorSystemPrompt?: string;
  auditorUserPrompt?: string;
  /** Base for relative custom prompt paths (the current directory otherwise). */
  cwd?: string;
  stop: StopController;
  onEvent?: (event: RunnerEvent) => void;
}
