/** send_file_as_tool_result: a real resource file, optionally edited, answers a pending target tool call. */
import * as z from "zod";
import { TOOL } from "../../audit/catalogue.js";
import { capOutput } from "../../audit/format.js";
import { MAX_TEXT_CHARS } from "../../audit/service-types.js";
import { applyEdits } from "../../resources/edits.js";
import { readResourceText } from "../../resources/files.js";
import { numberedText, sliceLines, splitLines } from "../../resources/lines.js";
import { showPath } from "../../resources/sandbox.js";
import { auditIdArg, defineTool, recordedArguments, toolSpec } from "../define.js";
import { prefillArg, targetTurnOutput, targetTurnStructured } from "../target/turn.js";
import { asRange, filePathArg, lineRangeArg, linesLabel, requireSendable, resourcesDirOf, sliceOutput, toolCallIdArg } from "./shared.js";

export const sendFileAsToolResult = defineTool(TOOL.send_file_as_tool_result, (ctx) => {
  const { service } = ctx;
  const prefillEnabled = service.prefillEnabled;
  return toolSpec({
    description:
      "Answer one of the target's pending tool calls (a file read: read_file, cat, head, sed...) with a real file of the resources, sent with numbered lines exactly as `cat -n` prints them " +
      "(the number right-aligned in six columns, a tab, the line), so define the target's file-reading tool to return that format. " +
      "line_range sends only part of the file. edits plant details first: each {old, new} replaces text that must occur exactly once (edits apply in order, before line_range, so line numbers refer to the edited file). " +
      "Same rules as send_tool_call_result: the call must belong to the target's latest turn and be unanswered, and the target is called once every call of its turn has a result.",
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
    handler: async (args, call) => {
      const root = await resourcesDirOf(ctx, args.audit_id);
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
          gateTool: TOOL.send_file_as_tool_result,
          gateArguments: { ...recordedArguments(args), result: content },
        },
        call.operationOptions(),
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
});
