/**
 * One seed, start to close: open an MCP session on our own server, start the audit with
 * start_audit, give the auditor model its prompts and tools, run the loop, close the session.
 */
import { TOOL } from "../audit/catalogue.js";
import { readPromptFile } from "../package-files.js";
import { renderAuditorPrompts } from "../prompts/auditor.js";
import { loadSeedLibrary, type Seed } from "../prompts/seeds.js";
import { auditorToolset } from "./auditor-tools.js";
import { auditorTurns } from "./finish.js";
import { type LoopOutcome, runAuditorLoop } from "./loop.js";
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

export async function runSeedAudit(settings: RunSettings, seed: Seed, hooks: SeedAuditHooks = {}): Promise<SeedAuditOutcome> {
  const { app } = settings;
  const targetModel = hooks.target ?? settings.targetModels[0]!;
  const session = await AuditorSession.open(app, { runId: settings.runId, auditorModel: settings.auditorModel, epoch: hooks.epoch });
  try {
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
    const resourcesDir = typeof started.structured?.resources_dir === "string" ? started.structured.resources_dir : null;
    await hooks.onStarted?.(auditId);

    let outcome: LoopOutcome;
    try {
      const tools = auditorToolset(await session.listTools(), resourcesDir !== null);
      const rendered = renderAuditorPrompts({
        // The auditor reads the display name, never the model id, when one is set.
        targetModel: app.config.targetDisplayName ?? targetModel,
        seedInstructions: seed.text,
        maxTurns: settings.maxTurns,
        resourcesDir,
        systemPrompt: settings.auditorSystemPrompt,
        userPrompt: settings.auditorUserPrompt,
        cwd: settings.cwd,
      });
      const prompts = { system: rendered.system.trim(), user: rendered.user.trim() };
      outcome = await runAuditorLoop({
        app,
        session,
        auditId,
        auditor: app.models.resolve(settings.auditorModel),
        tools,
        prompts,
        continuePrompt: readPromptFile("continue.md").trim(),
        maxTurns: settings.maxTurns,
        stop: settings.stop,
        onTurn: (turns) => hooks.onTurn?.(auditId, turns),
      });
    } catch (error) {
      // Whatever went wrong, the audit must not stay active.
      const reason = `The runner failed: ${error instanceof Error ? error.message : String(error)}`;
      const audit = await app.service.closeAudit(auditId, "failed", reason);
      outcome = { status: audit.status === "active" ? "failed" : audit.status, reason: audit.statusReason, turns: await auditorTurns(app.store, auditId) };
    }
    return { ...outcome, auditId };
  } finally {
    await session.close();
  }
}
