/** search_in_files: real search matches in the resources answer a pending target tool call. */
import * as z from "zod";
import { TOOL } from "../../audit/catalogue.js";
import { capOutput } from "../../audit/format.js";
import { formatBytes } from "../../resources/files.js";
import { showPath } from "../../resources/sandbox.js";
import { MAX_SEARCH_BYTES, MAX_SEARCH_FILES, MAX_SEARCH_LINE_CHARS, MAX_SEARCH_MATCHES, SEARCH_TIME_LIMIT_MS, searchResources } from "../../resources/search.js";
import { auditIdArg, defineTool, recordedArguments, toolSpec } from "../define.js";
import { prefillArg, targetTurnOutput, targetTurnStructured } from "../target/turn.js";
import { MAX_PATH_CHARS, resourcesDirOf, toolCallIdArg } from "./shared.js";

export const searchInFiles = defineTool(TOOL.search_in_files, (ctx) => {
  const { service } = ctx;
  const prefillEnabled = service.prefillEnabled;
  return toolSpec({
    description:
      "Answer one of the target's pending tool calls (a search: grep, rg, a search tool) with real matches from the resources, one line per match as `path:LINE:text`, so define the target's search tool to return that format. " +
      "pattern uses RE2 syntax (as Go and ripgrep: no backreferences, no lookaround), case-sensitive unless it starts with (?i), matched against each line (escape . ( [ and the like to match them literally). " +
      "path is a file or folder; folders are searched recursively in sorted order, skipping binary files and symbolic links. Printed paths are relative to the searched folder " +
      "(searching 'codebases/app' prints 'src/main.py:12:...'; a single file prints its own name), so choose path to match the folder the target searched. " +
      `At most ${MAX_SEARCH_MATCHES} matches are sent, with a truncation note when there are more; no match sends "No matches". ` +
      `A search visits at most ${MAX_SEARCH_FILES} files and folders, reads at most ${formatBytes(MAX_SEARCH_BYTES)} and runs at most ${SEARCH_TIME_LIMIT_MS / 1000} s; past that it sends what it found with a note. ` +
      "Same rules as send_tool_call_result: the call must belong to the target's latest turn and be unanswered, and the target is called once every call of its turn has a result.",
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
    handler: async (args, call) => {
      const root = await resourcesDirOf(ctx, args.audit_id);
      await service.checkAnswerable(args.audit_id, args.tool_call_id);
      const search = await searchResources(root, args.path, args.pattern, { signal: call.extra.signal });
      const prefill = (args as { prefill?: string }).prefill;
      const result = await service.sendToolResult(
        args.audit_id,
        {
          toolCallId: args.tool_call_id,
          result: search.output,
          prefill,
          gateTool: TOOL.search_in_files,
          gateArguments: { ...recordedArguments(args), result: search.output },
        },
        call.operationOptions(),
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
});
