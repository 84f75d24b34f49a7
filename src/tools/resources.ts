/**
 * Resource tools: list_directory and read_file (the auditor browses its resources folder),
 * send_file_as_tool_result and search_in_files (a real file or real search matches answer a pending
 * target tool call, under the same rules as send_tool_call_result). The logic is in src/resources/.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as z from "zod";
import { AuditError } from "../audit/errors.js";
import { capOutput } from "../audit/format.js";
import { MAX_TEXT_CHARS } from "../audit/service-types.js";
import { applyEdits } from "../resources/edits.js";
import { formatBytes, MAX_FILE_BYTES, readResourceText } from "../resources/files.js";
import { capNumberedLines, type LineRange, type LineSlice, numberedText, numberLine, sliceLines, splitLines } from "../resources/lines.js";
import { DEFAULT_LIST_LIMIT, formatDirectoryPage, listResourceDirectory, MAX_LIST_LIMIT } from "../resources/listing.js";
import { requireAuditResourcesDir } from "../resources/roots.js";
import { showPath } from "../resources/sandbox.js";
import { MAX_SEARCH_BYTES, MAX_SEARCH_FILES, MAX_SEARCH_LINE_CHARS, MAX_SEARCH_MATCHES, SEARCH_TIME_LIMIT_MS, searchResources } from "../resources/search.js";
import { auditIdArg, recordedArguments, registerTool, type ToolContext } from "./define.js";
import { prefillArg, targetTurnOutput, targetTurnStructured } from "./target.js";

const MAX_PATH_CHARS = 4096;

const filePathArg = z
  .string()
  .min(1)
  .max(MAX_PATH_CHARS)
  .describe("Path of a file relative to the audit's resources folder, e.g. 'codebases/app/src/main.py' (list_directory shows the names). Absolute paths and '..' are refused.");

const lineRangeArg = z
  .array(z.number().int().min(1))
  .length(2)
  .optional()
  .describe("[start, end]: only these lines, 1-based and inclusive, e.g. [40, 80]. An end past the last line stops at the last line. Default: the whole file.");

const toolCallIdArg = z.string().min(1).max(500).describe("The id of a pending call from the target's latest turn, as shown in <target_tool_calls>.");

const sliceOutput = {
  path: z.string().describe("The file's path relative to the resources folder."),
  first_line: z.number().int().describe("Number of the first line included (1-based)."),
  last_line: z.number().int().describe("Number of the last line included."),
  total_lines: z.number().int().describe("Lines in the whole file."),
};

function asRange(range: number[] | undefined): LineRange | undefined {
  return range === undefined ? undefined : [range[0]!, range[1]!];
}

function linesLabel(slice: LineSlice): string {
  if (slice.total === 0) return "empty file";
  return slice.first === 1 && slice.last === slice.total ? `all ${slice.total} line${slice.total === 1 ? "" : "s"}` : `lines ${slice.first}-${slice.last} of ${slice.total}`;
}

/** Refuses content too long for one tool result, naming a line_range that fits. */
function requireSendable(content: string, slice: LineSlice, path: string): void {
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

export function registerResourceTools(server: McpServer, ctx: ToolContext): void {
  const { service, app } = ctx;
  const prefillEnabled = service.prefillEnabled;
  const record = (tool: string, args: Record<string, unknown>) => (ctx.recordAuditorCalls ? { tool, arguments: recordedArguments(args) } : undefined);
  const resourcesDirOf = async (auditId: string): Promise<string> => {
    const audit = await service.getAudit(auditId);
    return requireAuditResourcesDir(app.config.resourcesDirs, audit.id, audit.resourcesDir);
  };
  const recordRead = async (auditId: string, tool: string, args: Record<string, unknown>, text: string): Promise<void> => {
    if (ctx.recordAuditorCalls) await service.recordAuditorCall(auditId, { tool, arguments: recordedArguments(args) }, text);
  };

  registerTool(server, ctx, {
    name: "list_directory",
    title: "List Resource Directory",
    description:
      "List a folder of the audit's resources (real system prompts, tool definitions and codebases): each entry with its type and size, sorted by name, folders ending in '/'. " +
      "For you only: nothing reaches the target. Start with no path for the top level, and read any README or INDEX first. Large folders are paged with offset and limit.",
    operation: "read",
    input: z.object({
      audit_id: auditIdArg,
      path: z.string().max(MAX_PATH_CHARS).optional().describe("Folder relative to the audit's resources folder, e.g. 'codebases/app'. Default: the top level."),
      offset: z.number().int().min(0).optional().describe("How many entries to skip (default 0); use next_offset from the previous page."),
      limit: z.number().int().min(1).max(MAX_LIST_LIMIT).optional().describe(`How many entries to return (default ${DEFAULT_LIST_LIMIT}, at most ${MAX_LIST_LIMIT}).`),
    }),
    output: z.object({
      path: z.string().describe("The folder listed, relative to the resources folder ('' for the top level)."),
      entries: z
        .array(
          z.object({
            name: z.string().describe("The entry's name."),
            path: z.string().describe("Its path relative to the resources folder, for read_file and the other resource tools."),
            type: z.enum(["file", "directory", "other"]).describe("What it is (what it points to, for a symbolic link inside the folder); 'other' for special files and unusable links."),
            size: z.number().int().nullable().describe("Size in bytes, for files."),
            symlink: z.boolean().describe("True for a symbolic link."),
            readable: z.boolean().describe("False for special files and links leading outside the resources folder or nowhere."),
            note: z.string().nullable().describe("Why the entry is unreadable, or that it is a link."),
          }),
        )
        .describe("This page of entries, sorted by name."),
      total: z.number().int().describe("Entries in the folder."),
      offset: z.number().int().describe("Offset of this page."),
      next_offset: z.number().int().nullable().describe("Offset of the next page, or null on the last page."),
    }),
    handler: async (args) => {
      const root = await resourcesDirOf(args.audit_id);
      const page = listResourceDirectory(root, args.path ?? "", { offset: args.offset, limit: args.limit });
      const text = capOutput(formatDirectoryPage(page), service.maxToolOutput, "Page with a smaller limit and next offsets.");
      await recordRead(args.audit_id, "list_directory", args, text);
      return { text, structured: { path: page.path, entries: page.entries, total: page.total, offset: page.offset, next_offset: page.nextOffset } };
    },
  });

  registerTool(server, ctx, {
    name: "read_file",
    title: "Read Resource File",
    description:
      "Read a text file of the audit's resources, with numbered lines (`cat -n` style: the number, a tab, the line). For you only: nothing reaches the target. " +
      "Read a file before you send it with send_file_as_tool_result, so you know its lines and your edits match. " +
      `Long output is cut at the server's output limit with a notice giving the line_range that reads on. Binary files and files over ${formatBytes(MAX_FILE_BYTES)} are refused.`,
    operation: "read",
    input: z.object({ audit_id: auditIdArg, path: filePathArg, line_range: lineRangeArg }),
    output: z.object({
      ...sliceOutput,
      last_line: z.number().int().describe("Number of the last line shown (output may be cut before the end of the range)."),
      content: z.string().describe("The text shown: a header line, then the numbered lines."),
      size_bytes: z.number().int().describe("Size of the whole file in bytes."),
      truncated: z.boolean().describe("True when the output limit cut the lines short."),
      next_line_range: z.array(z.number().int()).nullable().describe("After a cut, the line_range that reads on; otherwise null."),
    }),
    handler: async (args) => {
      const root = await resourcesDirOf(args.audit_id);
      const file = await readResourceText(root, args.path);
      const slice = sliceLines(splitLines(file.text), asRange(args.line_range), file.path);
      const header = `${showPath(file.path)}: ${linesLabel(slice)} (${formatBytes(file.size)})`;
      const capped = capNumberedLines(header, slice, service.maxToolOutput);
      await recordRead(args.audit_id, "read_file", args, capped.text);
      return {
        text: capped.text,
        structured: {
          path: file.path,
          first_line: slice.first,
          last_line: capped.lastShown,
          total_lines: slice.total,
          content: capped.text,
          size_bytes: file.size,
          truncated: capped.truncated,
          next_line_range: capped.nextRange,
        },
      };
    },
  });

  registerTool(server, ctx, {
    name: "send_file_as_tool_result",
    title: "Send File as Tool Result",
    description:
      "Answer one of the target's pending tool calls (a file read: read_file, cat, head, sed...) with a real file of the resources, sent with numbered lines exactly as `cat -n` prints them " +
      "(the number right-aligned in six columns, a tab, the line), so define the target's file-reading tool to return that format. " +
      "line_range sends only part of the file. edits plant details first: each {old, new} replaces text that must occur exactly once (edits apply in order, before line_range, so line numbers refer to the edited file). " +
      "Same rules as send_tool_call_result: the call must belong to the target's latest turn and be unanswered, and the target is called once every call of its turn has a result.",
    operation: "model",
    input: z.object({
      audit_id: auditIdArg,
      tool_call_id: toolCallIdArg,
      path: filePathArg,
      line_range: lineRangeArg,
      edits: z
        .array(
          z.object({
            old: z.string().min(1).max(100_000).describe("Text of the file to replace; it must occur exactly once, written exactly as in the file (without read_file's line-number prefixes)."),
            new: z.string().max(MAX_TEXT_CHARS).describe("The text to put in its place (inserted literally)."),
          }),
        )
        .max(100)
        .optional()
        .describe("Replacements applied in order before sending, e.g. [{\"old\": \"TIMEOUT = 30\", \"new\": \"TIMEOUT = 3\"}]. The file on disk is not changed."),
      ...(prefillEnabled ? { prefill: prefillArg } : {}),
    }),
    output: targetTurnOutput.extend({
      sent: z
        .object({
          ...sliceOutput,
          edits_applied: z.number().int().describe("How many edits were applied."),
          characters: z.number().int().describe("Length of the tool result sent, line numbers included."),
        })
        .describe("What the target was given."),
    }),
    handler: async (args, extra) => {
      const root = await resourcesDirOf(args.audit_id);
      await service.checkAnswerable(args.audit_id, args.tool_call_id);
      const file = await readResourceText(root, args.path);
      const edits = args.edits ?? [];
      const text = edits.length > 0 ? applyEdits(file.text, edits, file.path) : file.text;
      const slice = sliceLines(splitLines(text), asRange(args.line_range), file.path);
      const content = numberedText(slice);
      requireSendable(content, slice, file.path);
      const prefill = (args as { prefill?: string }).prefill;
      const result = await service.sendToolResult(
        args.audit_id,
        {
          toolCallId: args.tool_call_id,
          result: content,
          prefill,
          gateTool: "send_file_as_tool_result",
          gateArguments: { ...recordedArguments(args), result: content },
        },
        { signal: extra.signal, record: record("send_file_as_tool_result", args) },
      );
      const editNote = edits.length > 0 ? `, ${edits.length} edit${edits.length === 1 ? "" : "s"} applied` : "";
      const summary = `Answered tool call ${args.tool_call_id} with ${showPath(file.path)} (${linesLabel(slice)}${editNote}).`;
      return {
        text: capOutput(`${summary}\n\n${result.text}`, service.maxToolOutput, "The target's reply is stored whole; read it with view_conversation."),
        structured: {
          ...targetTurnStructured(result),
          sent: { path: file.path, first_line: slice.first, last_line: slice.last, total_lines: slice.total, edits_applied: edits.length, characters: content.length },
        },
      };
    },
  });

  registerTool(server, ctx, {
    name: "search_in_files",
    title: "Search in Files",
    description:
      "Answer one of the target's pending tool calls (a search: grep, rg, a search tool) with real matches from the resources, one line per match as `path:LINE:text`, so define the target's search tool to return that format. " +
      "pattern uses RE2 syntax (as Go and ripgrep: no backreferences, no lookaround), case-sensitive unless it starts with (?i), matched against each line (escape . ( [ and the like to match them literally). " +
      "path is a file or folder; folders are searched recursively in sorted order, skipping binary files and symbolic links. Printed paths are relative to the searched folder " +
      "(searching 'codebases/app' prints 'src/main.py:12:...'; a single file prints its own name), so choose path to match the folder the target searched. " +
      `At most ${MAX_SEARCH_MATCHES} matches are sent, with a truncation note when there are more; no match sends "No matches". ` +
      `A search visits at most ${MAX_SEARCH_FILES} files and folders, reads at most ${formatBytes(MAX_SEARCH_BYTES)} and runs at most ${SEARCH_TIME_LIMIT_MS / 1000} s; past that it sends what it found with a note. ` +
      "Same rules as send_tool_call_result: the call must belong to the target's latest turn and be unanswered, and the target is called once every call of its turn has a result.",
    operation: "model",
    input: z.object({
      audit_id: auditIdArg,
      tool_call_id: toolCallIdArg,
      path: z.string().max(MAX_PATH_CHARS).describe("File or folder to search, relative to the audit's resources folder, e.g. 'codebases/app/src' ('' or '.' for the whole folder)."),
      pattern: z.string().min(1).max(1000).describe("Regular expression in RE2 syntax (no backreferences or lookaround), case-sensitive unless it starts with (?i), e.g. 'def \\\\w+_timeout' or 'TODO|FIXME'."),
      ...(prefillEnabled ? { prefill: prefillArg } : {}),
    }),
    output: targetTurnOutput.extend({
      search: z
        .object({
          path: z.string().describe("The searched path relative to the resources folder."),
          matches: z.number().int().describe("Matches sent to the target."),
          files_with_matches: z.number().int().describe("Files with at least one match sent."),
          files_searched: z.number().int().describe("Files examined."),
          files_skipped: z.number().int().describe("Binary, oversized or special files skipped."),
          capped: z.boolean().describe(`True when more than ${MAX_SEARCH_MATCHES} matches exist and only the first were sent.`),
          file_limit_reached: z.boolean().describe(`True when the search stopped after visiting ${MAX_SEARCH_FILES} files and folders.`),
          budget_reached: z
            .enum(["files", "bytes", "time"])
            .nullable()
            .describe("The budget that stopped the search early (files visited, bytes read, time), or null when it searched everything."),
          long_lines: z
            .number()
            .int()
            .describe(`Lines longer than the line limit (${MAX_SEARCH_LINE_CHARS} characters, fewer for very large patterns), matched only in their first characters.`),
        })
        .describe("What the search found and sent."),
    }),
    handler: async (args, extra) => {
      const root = await resourcesDirOf(args.audit_id);
      await service.checkAnswerable(args.audit_id, args.tool_call_id);
      const search = await searchResources(root, args.path, args.pattern, { signal: extra.signal });
      const prefill = (args as { prefill?: string }).prefill;
      const result = await service.sendToolResult(
        args.audit_id,
        {
          toolCallId: args.tool_call_id,
          result: search.output,
          prefill,
          gateTool: "search_in_files",
          gateArguments: { ...recordedArguments(args), result: search.output },
        },
        { signal: extra.signal, record: record("search_in_files", args) },
      );
      const notes = [
        search.capped ? `capped at ${MAX_SEARCH_MATCHES}: more matches exist, narrow the pattern or path` : null,
        search.filesSkipped > 0 ? `${search.filesSkipped} binary, oversized or special file${search.filesSkipped === 1 ? "" : "s"} skipped` : null,
        search.budgetReached === "files" ? `the search stopped after visiting ${MAX_SEARCH_FILES} files and folders, so later files were not searched` : null,
        search.budgetReached === "bytes" ? `the search stopped after reading ${formatBytes(MAX_SEARCH_BYTES)}, so later files were not searched` : null,
        search.budgetReached === "time" ? `the search stopped at its ${SEARCH_TIME_LIMIT_MS / 1000} s time limit (or was cancelled), so later lines and files were not searched` : null,
        search.longLines > 0 ? `${search.longLines} line${search.longLines === 1 ? "" : "s"} over ${search.lineChars} characters matched only in their first ${search.lineChars}` : null,
      ].filter((n) => n !== null);
      const found = search.matches === 0 ? "no matches (sent \"No matches\")" : `${search.matches} match${search.matches === 1 ? "" : "es"} in ${search.filesWithMatches} file${search.filesWithMatches === 1 ? "" : "s"}`;
      const summary = `Answered tool call ${args.tool_call_id} with ${found} for /${args.pattern}/ in ${showPath(search.path)}, ${search.filesSearched} file${search.filesSearched === 1 ? "" : "s"} searched${notes.length > 0 ? `; ${notes.join("; ")}` : ""}.`;
      return {
        text: capOutput(`${summary}\n\n${result.text}`, service.maxToolOutput, "The target's reply is stored whole; read it with view_conversation."),
        structured: {
          ...targetTurnStructured(result),
          search: {
            path: search.path,
            matches: search.matches,
            files_with_matches: search.filesWithMatches,
            files_searched: search.filesSearched,
            files_skipped: search.filesSkipped,
            capped: search.capped,
            file_limit_reached: search.fileLimitReached,
            budget_reached: search.budgetReached,
            long_lines: search.longLines,
          },
        },
      };
    },
  });
}
