/**
 * Checking a judge request before anything is stored or called: the audit exists and has a target
 * conversation, a judge model is known, the retry count is sane and the dimensions are valid.
 */
import { AuditError } from "../audit/errors.js";
import { checkSettings, type GenerationSettings, mergeSettings, SettingsError, settingsOrNull } from "../models/settings.js";
import { ModelError, type ModelResolver } from "../models/types.js";
import type { AuditStore } from "../store/types.js";
import { DEFAULT_JUDGE_RETRIES, MAX_JUDGE_RETRIES } from "./attempts.js";
import { type DimensionSpec, type FolderPolicy, resolveDimensions } from "./dimensions.js";
import type { JudgeRunRequest } from "./runner.js";

export interface JudgeArguments {
  auditId: string;
  dimensions?: DimensionSpec;
  judgeModel?: string;
  retries?: number;
  /** This run's judge settings, over the configured ones key by key. */
  judgeConfig?: GenerationSettings;
}

export interface JudgeDeps {
  store: AuditStore;
  models: ModelResolver;
  /** The configured judge model (--judge-model / PETRI_JUDGE_MODEL). */
  defaultJudgeModel?: string;
  /** The configured judge settings (--judge-config / PETRI_JUDGE_CONFIG). */
  defaultJudgeConfig?: GenerationSettings;
  folders: FolderPolicy;
}

export async function prepareJudgeRun(deps: JudgeDeps, args: JudgeArguments): Promise<JudgeRunRequest> {
  const audit = await deps.store.audits.get(args.auditId);
  if (!audit) throw new AuditError("not_found", `No audit with id '${args.auditId}'. Call list_audits to see existing audits.`);
  const retries = args.retries ?? DEFAULT_JUDGE_RETRIES;
  if (!Number.isInteger(retries) || retries < 1 || retries > MAX_JUDGE_RETRIES) {
    throw new AuditError("invalid", `retries must be a whole number from 1 to ${MAX_JUDGE_RETRIES} (the number of attempts in all), got ${retries}.`);
  }
  const judgeModel = args.judgeModel?.trim() || deps.defaultJudgeModel;
  if (!judgeModel) {
    throw new AuditError("config", "No judge model: pass judge_model (e.g. anthropic/claude-sonnet-4-5) or start the server with --judge-model / PETRI_JUDGE_MODEL.");
  }
  const judgeConfig = settingsOrNull(mergeSettings(deps.defaultJudgeConfig, args.judgeConfig));
  try {
    checkSettings(judgeModel, deps.models.capabilities(judgeModel), judgeConfig ?? {}, "judge_config");
  } catch (error) {
    if (error instanceof ModelError) throw new AuditError("config", `Cannot use judge model '${judgeModel}': ${error.message}`);
    if (error instanceof SettingsError) throw new AuditError("invalid", error.message);
    throw error;
  }
  const dimensions = resolveDimensions(args.dimensions, deps.folders);
  if ((await deps.store.messages.branchCount(audit.id, "target")) === 0) {
    throw new AuditError("invalid", `Audit ${audit.id} has no target conversation yet, so there is nothing to judge. Run the audit first (set_target_system_message, send_message).`);
  }
  return { auditId: audit.id, judgeModel, dimensions, retries, judgeConfig };
}
