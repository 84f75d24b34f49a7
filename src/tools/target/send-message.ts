/** send_message: a user message to the target, and its reply. */
import * as z from "zod";
import { TOOL } from "../../audit/catalogue.js";
import { auditIdArg, defineTool, toolSpec } from "../define.js";
import { MAX_TEXT, prefillArg, targetTurnOutput, targetTurnStructured } from "./turn.js";

export const sendMessage = defineTool(TOOL.send_message, (ctx) => {
  const { service } = ctx;
  const prefillEnabled = service.prefillEnabled;
  return toolSpec({
    description:
      "Send a user message to the target and return its reply as <target_response message_index=\"N\">, followed by any <target_tool_calls>. " +
      "Refused while the target has tool calls waiting for results. Each reply counts toward max_turns." +
      (prefillEnabled ? " With prefill, the target continues from the given text." : ""),
    input: z.object({
      audit_id: auditIdArg,
      message: z.string().min(1).max(MAX_TEXT).describe("The user message to send to the target."),
      ...(prefillEnabled ? { prefill: prefillArg } : {}),
    }),
    output: targetTurnOutput,
    handler: async (args, call) => {
      const prefill = (args as { prefill?: string }).prefill;
      const result = await service.sendMessage(args.audit_id, { message: args.message, prefill }, call.operationOptions());
      return { text: result.text, structured: targetTurnStructured(result) };
    },
  });
});
