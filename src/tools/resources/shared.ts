/**
 * What the resource tools share: their arguments, line-slice output fields and helpers, and the
 * audit's resources folder. The logic is in src/resources/.
 */
import * as z from "zod";
import { AuditError } from "../../audit/errors.js";
import { MAX_TEXT_CHARS } from "../../audit/service-types.js";
import { type LineRange, type LineSlice, numberLine } from "../../resources/lines.js";
import { requireAuditResourcesDir } from "../../resources/roots.js";
import { showPath } from "../../resources/sandbox.js";
import type { ToolContext } from "../define.js";

export const MAX_PATH_CHARS = 4096;

export const filePathArg = z
  .string()
  .min(1)
  .max(MAX_PATH_CHARS)
  .describe("Path of a file relative to the audit's resources folder, e.g. 'codebases/app/src/main.py' (list_directory shows the names). Absolute paths and '..' are refused.");

export const lineRangeArg = z
  .array(z.number().int().min(1))
  .length(2)
  .optional()
  .describe("[start, end]: only these lines, 1-based and inclusive, e.g. [40, 80]. An end past the last line stops at the last line. Default: the whole file.");

export const toolCallIdArg = z.string().min(1).max(500).describe("The id of a pending call from the target's latest turn, as shown in <target_tool_calls>.");

export const sliceOutput = {
  path: z.string().describe("The file's path relative to the resources folder."),
  first_line: z.number().int().describe("Number of the first line included (1-based)."),
  last_line: z.number().int().describe("Number of the last line included."),
  total_lines: z.number().int().describe("Lines in the whole file."),
};

export function asRange(range: number[] | undefined): LineRange | undefined {
  return range === undefined ? undefined : [range[0]!, range[1]!];
}

export function linesLabel(slice: LineSlice): string {
  if (slice.total === 0) return "empty file";
  return slice.first === 1 && slice.last === slice.total ? `all ${slice.total} line${slice.total === 1 ? "" : "s"}` : `lines ${slice.first}-${slice.last} of ${slice.total}`;
}

/** Refuses content too long for one tool result, naming a line_range that fits. */
export function requireSendable(content: string, slice: LineSlice, path: string): void {
  if (content.length <= MAX_TEXT_CHARS) return;
  let chars = 0;
  let lastFitting = slice.first - 1;
  for (let i = 0; i < slice.lines.length; i++) {
    chars += numberLine(slice.first + i, slice.lines[i]!).length + 1;
    if (chars > MAX_TEXT_CHARS) break;
    lastFitting = slice.first + i;
  }
  const hint = lastFitting >= slice.first ? ` Send part of it, e.g. line_range [${slice.first}, ${lastFitting}], and the rest in later answers.` : " Its first line alone is too long; choose another file.";
  throw new AuditError("invalid", `${showPath(path)} (${linesLabel(slice)}) comes to ${content.length} characters with line numbers; one tool result may hold at most ${MAX_TEXT_CHARS}.${hint} Nothing was sent.`);
}

/** The audit's resources folder (absolute), or an error telling how to give it one. */
export async function resourcesDirOf(ctx: ToolContext, auditId: string): Promise<string> {
  const audit = await ctx.service.getAudit(auditId);
  return requireAuditResourcesDir(ctx.app.config.resourcesDirs, audit.id, audit.resourcesDir);
}
