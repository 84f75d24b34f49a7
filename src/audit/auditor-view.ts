/**
 * How each auditor action reads in the auditor view and the Petri viewer: a markdown `view` on the
 * recorded tool call, titled as Petri titles them.
 */
import type { ToolCallView } from "./messages.js";

function fence(text: string, lang = ""): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = "`".repeat(longest + 1);
  return `${ticks}${lang}\n${text}\n${ticks}`;
}

function str(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

function prefillSection(args: Record<string, unknown>): string {
  return typeof args.prefill === "string" && args.prefill.trim() !== "" ? `\n\n**Prefill:**\n${fence(args.prefill.trimEnd())}` : "";
}

function argsAsList(args: Record<string, unknown>): string {
  return Object.entries(args)
    .filter(([key]) => key !== "audit_id")
    .map(([key, value]) => `- **${key}**: ${typeof value === "string" && !value.includes("\n") ? value : "\n" + fence(str(value))}`)
    .join("\n");
}

const TITLES: Record<string, string> = {
  create_tool: "Created Synthetic Tool",
  remove_tool: "Removed Synthetic Tool",
  set_target_system_message: "Set Target System Message",
  send_message: "Sent User Message",
  send_tool_call_result: "Sent Tool Response",
  send_file_as_tool_result: "Sent File as Tool Response",
  search_in_files: "Sent Search Results as Tool Response",
  rollback_conversation: "Rolled Back Conversation",
  end_conversation: "Ended Conversation",
  list_directory: "Listed Resource Directory",
  read_file: "Read Resource File",
};

export function auditorCallView(tool: string, args: Record<string, unknown>): ToolCallView {
  const title = TITLES[tool] ?? tool;
  let content: string;
  switch (tool) {
    case "create_tool":
      content =
        typeof args.function_code === "string"
          ? fence(args.function_code, "python")
          : `**${str(args.name)}**: ${str(args.description ?? "")}\n\n${fence(JSON.stringify(args.parameters ?? {}, null, 2), "json")}`;
      break;
    case "set_target_system_message":
      content = str(args.system_message);
      break;
    case "send_message":
      content = str(args.message) + prefillSection(args);
      break;
    case "send_tool_call_result": {
      const status = typeof args.status === "string" ? args.status : "success";
      const result = str(args.result);
      const body = status.trim().toLowerCase() === "error" ? fence(result.split("\n").map((l) => `- ${l}`).join("\n"), "diff") : fence(result);
      content = `<small>status: ${status} | tool_call_id: ${str(args.tool_call_id)}</small>\n\n${body}${prefillSection(args)}`;
      break;
    }
    case "rollback_conversation":
      content = `Rolled back to message index ${str(args.index)}.`;
      break;
    case "end_conversation":
      content = "The auditor ended the conversation.";
      break;
    default:
      content = argsAsList(args) || "(no arguments)";
  }
  return { title, format: "markdown", content };
}
