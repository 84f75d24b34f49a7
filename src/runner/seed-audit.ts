/**
 * One seed, start to close: open an MCP session on our own server, start the audit with
 * start_audit (or pick up the audit a dead worker left), give the auditor model its prompts and
 * tools, run the loop, close the session.
 */
import { TOOL } from "../audit/catalogue.js";
import { readPromptFile } from "../package-files.js";
import { type AuditorPrompts, renderAuditorPrompts } from "../prompts/auditor.js";
import { loadSeedLibrary, type Seed } from "../prompts/seeds.js";
import { auditorToolset } from "./auditor-tools.js";
import { continuedConversation } from "./continue.js";
import { auditorTurns } from "./finish.js";
import { HANDED_OVER, type LoopOutcome, type LoopStart, openConversation, runAuditorLoop } from "./loop.js";
import type { RunSettings } from "./settings.js";
import { AuditorSession } from "./session.js";

/** start_audit refused the seed; no audit exists for it. */
export class AuditStartError extends Error {}

export interface SeedAuditOutcome extends LoopOutcome {
  auditId: string;
}

export interface SeedAuditHooks {
  /** The model audited (default: the run's first target). */
  target?: string;
  /** The epoch recorded on the audit. */
  epoch?: number;
  /** Awaited before the audit's first turn. */
  onStarted?: (auditId: string) => void | Promise<void>;
  onTurn?: (auditId: string, turns: number) => void;
}

const MAX_TAGS = 50;

/**
 * A seed of the built-in library, unchanged, goes to start_audit by id so the audit records its
 * seed_id; any other seed (a literal, a file of the user's, an edited copy) goes as its text.
 */
function libraryReference(seed: Seed): string {
  const known = loadSeedLibrary().find((entry) => entry.id === seed.id);
  return known !== undefined && known.text === seed.text ? `id:${seed.id}` : seed.text;
}

/** Starts the audit with start_audit; its id and resources folder. */
async function startAudit(session: AuditorSession, settings: RunSettings, seed: Seed, targetModel: string): Promise<{ auditId: string; resourcesDir: string | null }> {
  const { app } = settings;
  const started = await session.call(TOOL.start_audit, {
    seed_instruction: libraryReference(seed),
    target_model: targetModel,
    max_turns: settings.maxTurns,
    tags: seed.tags.slice(0, MAX_TAGS),
    ...(settings.realismFilter ? { realism_filter: true } : {}),
    ...(app.config.targetDisplayName ? { target_display_name: app.config.targetDisplayName } : {}),
  });
  const auditId = started.structured?.audit_id;
  if (started.isError || typeof auditId !== "string") throw new AuditStartError(started.text);
  return { auditId, resourcesDir: typeof started.structured?.resources_dir === "string" ? started.structured.resources_dir : null };
}

/** The auditor's prompts for a new audit of `seed`. */
function freshPrompts(settings: RunSettings, seed: Seed, targetModel: string, resourcesDir: string | null): AuditorPrompts {
  const rendered = renderAuditorPrompts({
    // The auditor reads the display name, never the model id, when one is set.
    targetModel: settings.app.config.targetDisplayName ?? targetModel,
    seedInstructions: seed.text,
    maxTurns: settings.maxTurns,
    resourcesDir,
    systemPrompt: settings.auditorSystemPrompt,
    userPrompt: settings.auditorUserPrompt,
    cwd: settings.cwd,
  });
  return { system: rendered.system.trim(), user: rendered.user.trim() };
}

/**
 * Audits the seed: a new audit, or the one in `settings.continueAudit` continued from its stored
 * conversation (src/runner/continue.ts). Either way the same tools, loop and closing rules.
 */
export async function runSeedAudit(settings: RunSettings, seed: Seed, hooks: SeedAuditHooks = {}): Promise<SeedAuditOutcome> {
  const { app, stop } = settings;
  const targetModel = hooks.target ?? settings.targetModels[0]!;
  const continued = settings.continueAudit;
  const continuePrompt = readPromptFile("continue.md").trim();
  const session = await AuditorSession.open(app, { runId: settings.runId, auditorModel: settings.auditorModel, epoch: hooks.epoch });
  try {
    let auditId: string;
    let resourcesDir: string | null;
    let begin: () => Promise<LoopStart>;
    if (continued) {
      // Waits for the earlier worker's turn to let go of the audit; throws (nothing written) when it does not.
      const start = await continuedConversation(app, continued, continuePrompt, stop.signal);
      ({ id: auditId, resourcesDir } = continued);
      begin = async () => start;
    } else {
      ({ auditId, resourcesDir } = await startAudit(session, settings, seed, targetModel));
      begin = () => openConversation(app, auditId, freshPrompts(settings, seed, targetModel, resourcesDir));
    }
    await hooks.onStarted?.(auditId);

    let outcome: LoopOutcome;
    try {
      const tools = auditorToolset(await session.listTools(), resourcesDir !== null);
      outcome = await runAuditorLoop({
        app,
        session,
        auditId,
        auditor: app.models.resolve(settings.auditorModel),
        tools,
        start: await begin(),
        continuePrompt,
        maxTurns: continued?.maxTurns ?? settings.maxTurns,
        stop,
        onTurn: (turns) => hooks.onTurn?.(auditId, turns),
      });
    } catch (error) {
      const turns = await auditorTurns(app.store, auditId);
      if (stop.abandoned) return { status: "failed", reason: HANDED_OVER, turns, auditId };
      // Whatever went wrong, the audit must not stay active.
      const reason = `The runner failed: ${error instanceof Error ? error.message : String(error)}`;
      const audit = await app.service.closeAudit(auditId, "failed", reason);
      outcome = { status: audit.status === "active" ? "failed" : audit.status, reason: audit.statusReason, turns };
    }
    return { ...outcome, auditId };
  } finally {
    await session.close();
  }
}
