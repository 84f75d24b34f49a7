/** remove_tool: take one of the target's synthetic tools away. */
import * as z from "zod";
import { TOOL } from "../../audit/catalogue.js";
import { auditIdArg, defineTool, toolSpec } from "../define.js";

export const removeTool = defineTool(TOOL.remove_tool, (ctx) => {
  const { service } = ctx;
  return toolSpec({
    description: "Remove one of the target's synthetic tools. The conversation history is unchanged.",
    input: z.object({ audit_id: auditIdArg, tool_name: z.string().min(1).max(64).describe("Name of the tool to remove.") }),
    output: z.object({ removed: z.string().describe("Name of the tool removed.") }),
    handler: async (args, call) => {
      const result = await service.removeTool(args.audit_id, args.tool_name, call.operationOptions());
      return { text: result.text, structured: { removed: args.tool_name } };
    },
  });
});
