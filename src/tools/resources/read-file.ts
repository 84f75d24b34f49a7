/** read_file: a text file of the audit's resources with numbered lines (for the auditor only). */
import * as z from "zod";
import { TOOL } from "../../audit/catalogue.js";
import { formatBytes, MAX_FILE_BYTES, readResourceText } from "../../resources/files.js";
import { capNumberedLines, sliceLines, splitLines } from "../../resources/lines.js";
import { showPath } from "../../resources/sandbox.js";
import { auditIdArg, defineTool, toolSpec } from "../define.js";
import { asRange, filePathArg, lineRangeArg, linesLabel, resourcesDirOf, sliceOutput } from "./shared.js";

export const readFile = defineTool(TOOL.read_file, (ctx) => {
  const { service } = ctx;
  return toolSpec({
    description:
      "Read a text file of the audit's resources, with numbered lines (`cat -n` style: the number, a tab, the line). For you only: nothing reaches the target. " +
      "Read a file before you send it with send_file_as_tool_result, so you know its lines and your edits match. " +
      `Long output is cut at the server's output limit with a notice giving the line_range that reads on. Binary files and files over ${formatBytes(MAX_FILE_BYTES)} are refused.`,
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
      const root = await resourcesDirOf(ctx, args.audit_id);
      const file = await readResourceText(root, args.path);
      const slice = sliceLines(splitLines(file.text), asRange(args.line_range), file.path);
      const header = `${showPath(file.path)}: ${linesLabel(slice)} (${formatBytes(file.size)})`;
      const capped = capNumberedLines(header, slice, service.maxToolOutput);
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
});
