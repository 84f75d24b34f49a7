/**
 * Renders the auditor's system prompt and first user message from `prompts/auditor-system.md`
 * and `prompts/auditor-user.md` (or custom replacements), filling Petri's placeholders:
 * `{max_turns}`, `{target_model}`, `{seed_instructions}`, `{today_date}` and `{resources_prompt}`.
 *
 * A custom prompt is either the text itself or a path to a file. A value is read as a path when it
 * has no line break and either ends in `.md`, `.markdown` or `.txt`, starts with `/`, `./`, `../`
 * or `~/` (and has no spaces), or names an existing file. Such a path must be readable, or
 * rendering fails; everything else is the prompt text itself.
 */
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { AuditError } from "../audit/errors.js";
import { readPromptFile } from "../package-files.js";
import { resourcesPrompt } from "../resources/prompt.js";
import { fillPlaceholders } from "../util/template.js";
import { expandHome } from "../util/paths.js";

export interface AuditorPromptInput {
  /** The target's model name as the auditor should see it, e.g. `anthropic/claude-sonnet-4-5`. */
  targetModel: string;
  /** The seed instruction text. */
  seedInstructions: string;
  maxTurns: number;
  /** Today's date: a Date (its local calendar day) or `YYYY-MM-DD`. Now by default. */
  today?: Date | string;
  /** The audit's resources folder. The resources section appears only when this is set. */
  resourcesDir?: string | null;
  /** Replaces the default system prompt: the text itself, or a path to a file (see above). */
  systemPrompt?: string;
  /** Replaces the default user message: the text itself, or a path to a file (see above). */
  userPrompt?: string;
  /** Base for relative custom prompt paths; `process.cwd()` otherwise. */
  cwd?: string;
}

export interface AuditorPrompts {
  system: string;
  user: string;
}

/** The placeholders every auditor template may use. */
export const AUDITOR_PLACEHOLDERS = ["max_turns", "target_model", "seed_instructions", "today_date", "resources_prompt"] as const;

export function renderAuditorPrompts(input: AuditorPromptInput): AuditorPrompts {
  const values = placeholderValues(input);
  // An empty resources section takes its line, and the blank line after it, along.
  const system = fillPlaceholders(templateText(input.systemPrompt, "auditor-system.md", "system prompt", input.cwd), values);
  const user = fillPlaceholders(templateText(input.userPrompt, "auditor-user.md", "user message", input.cwd), values);
  return { system, user };
}

export function renderAuditorSystemPrompt(input: AuditorPromptInput): string {
  return renderAuditorPrompts({ ...input, userPrompt: undefined }).system;
}

export function renderAuditorUserMessage(input: AuditorPromptInput): string {
  return renderAuditorPrompts({ ...input, systemPrompt: undefined }).user;
}

/** `YYYY-MM-DD` of a date's local calendar day. */
export function formatDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function placeholderValues(input: AuditorPromptInput): Record<string, string> {
  if (!Number.isInteger(input.maxTurns) || input.maxTurns < 1) {
    throw new AuditError("invalid", `max_turns must be a positive integer, got ${input.maxTurns}.`);
  }
  const seed = input.seedInstructions.trim();
  return {
    max_turns: String(input.maxTurns),
    target_model: input.targetModel,
    seed_instructions: seed,
    // Petri 0.x called the seed `special_instructions`; prompts ported from it keep working.
    special_instructions: seed,
    today_date: todayDate(input.today),
    resources_prompt: input.resourcesDir ? resourcesPrompt(input.resourcesDir).trim() : "",
  };
}

function todayDate(today: Date | string | undefined): string {
  if (today === undefined) return formatDate(new Date());
  if (typeof today !== "string") return formatDate(today);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new AuditError("invalid", `today must be a date in the form YYYY-MM-DD, got '${today}'.`);
  return today;
}

function templateText(custom: string | undefined, defaultFile: string, label: string, cwd = process.cwd()): string {
  if (custom === undefined) return readPromptFile(defaultFile);
  const text = isPromptPath(custom, cwd) ? readCustomPromptFile(custom, label, cwd) : custom;
  if (text.trim() === "") {
    throw new AuditError("invalid", `The custom auditor ${label} is empty. Give the prompt text, or a path to a .md or .txt file holding it, or leave it out to use the default.`);
  }
  return text;
}

function isPromptPath(value: string, cwd: string): boolean {
  const s = value.trim();
  if (s === "" || /[\r\n]/.test(s) || s.length > 4096) return false;
  if (/\.(md|markdown|txt)$/i.test(s)) return true;
  if (/^(\/|\.{1,2}\/|~\/)\S*$/.test(s)) return true;
  try {
    return statSync(resolve(cwd, expandHome(s))).isFile();
  } catch {
    return false;
  }
}

function readCustomPromptFile(value: string, label: string, cwd: string): string {
  const path = resolve(cwd, expandHome(value.trim()));
  try {
    return readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new AuditError(
      "invalid",
      `Cannot read the custom auditor ${label} file ${path}: ${why}. A single-line value ending in .md, .markdown or .txt, or starting with /, ./, ../ or ~/, is read as a file path; fix the path, or pass the prompt text itself.`,
    );
  }
}

export interface ClientAuditTask {
  targetModel: string;
  maxTurns: number;
  /** The seed's tags, passed on to start_audit. */
  tags: readonly string[];
  /** The library seed's id: start_audit is then told `id:<id>`, so the audit records it. */
  seedId?: string | null;
  /** How the prompts name the target; passed on to start_audit as target_display_name. */
  targetDisplayName?: string | null;
}

/**
 * One message an MCP client model can run as the auditor: MCP prompts have no system role, so the
 * system prompt comes first inside `<auditor_guidance>` tags, then the user message, then how to
 * open the audit with start_audit.
 */
export function composeClientAuditPrompt(prompts: AuditorPrompts, task: ClientAuditTask): string {
  const tags = task.tags.length > 0 ? `, tags ${JSON.stringify(task.tags)}` : "";
  const seed = task.seedId
    ? `seed_instruction "id:${task.seedId}" (the server fills in the seed text above and records the seed's id and tags)`
    : "seed_instruction is the text inside <seed_instructions> above";
  const tail = task.seedId ? "" : tags;
  return [
    `<auditor_guidance>\n${prompts.system.trim()}\n</auditor_guidance>`,
    prompts.user.trim(),
    `You run this audit yourself through the petri-mcp tools. Begin with start_audit: ${seed}, target_model "${task.targetModel}"${task.targetDisplayName ? `, target_display_name ${JSON.stringify(task.targetDisplayName)}` : ""}, max_turns ${task.maxTurns}${tail}. Pass the audit_id it returns to every other tool.`,
  ].join("\n\n");
}
