/**
 * How each auditor action reads in the auditor view and the Petri viewer: a markdown `view` on the
 * recorded tool call, titled as Petri titles them.
 */
import { TOOL } from "./catalogue.js";
import { jsonBoundsBreach } from "./json-bounds.js";
import type { ToolCallView } from "../core/messages.js";

function fence(text: string, lang = ""): string {
  // A loop, not Math.max(...matches): spreading one argument per backtick run overflows the stack.
  let longest = 2;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
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

/**
 * A create_tool call is shown in at most this many characters per view; the whole definition stays
 * in the call's arguments. The arguments may come straight from a model (the runner renders them
 * before they are checked), so the rendering assumes nothing about them.
 */
const MAX_DEFINITION_VIEW = 8_000;
/** JSON whose compact form is this short is pretty-printed; longer JSON stays compact (indenting deep JSON is quadratic). */
const PRETTY_MAX = 2_000;
const DEFINITION_BOUNDS = { maxDepth: 32, maxNodes: 5_000 };

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n… (${text.length - max} more characters not shown; the full definition is in this call's arguments)`;
}

/** A JSON value rendered with bounded work and output. */
function boundedJson(value: unknown): string {
  const breach = jsonBoundsBreach(value, DEFINITION_BOUNDS);
  if (breach) {
    return breach.kind === "depth" ? `(not shown: nested deeper than ${DEFINITION_BOUNDS.maxDepth} levels)` : `(not shown: more than ${DEFINITION_BOUNDS.maxNodes} JSON values)`;
  }
  const compact = JSON.stringify(value) ?? String(value);
  if (compact.length <= PRETTY_MAX) {
    const pretty = JSON.stringify(value, null, 2);
    if (pretty.length <= 4 * PRETTY_MAX) return pretty;
  }
  return clip(compact, MAX_DEFINITION_VIEW);
}

function inline(value: unknown): string {
  return clip(typeof value === "string" ? value : boundedJson(value), MAX_DEFINITION_VIEW);
}

/** How a create_tool call reads: the Python code, or the name, description and JSON Schema. */
function definitionView(args: Record<string, unknown>): string {
  if (typeof args.function_code === "string") return fence(clip(args.function_code, MAX_DEFINITION_VIEW), "python");
  return `**${inline(args.name)}**: ${inline(args.description ?? "")}\n\n${fence(boundedJson(args.parameters ?? {}), "json")}`;
}

const TITLES: Record<string, string> = {
  [TOOL.create_tool]: "Created Synthetic Tool",
  [TOOL.remove_tool]: "Removed Synthetic Tool",
  [TOOL.set_target_system_message]: "Set Target System Message",
  [TOOL.send_message]: "Sent User Message",
  [TOOL.send_tool_call_result]: "Sent Tool Response",
  [TOOL.send_file_as_tool_result]: "Sent File as Tool Response",
  [TOOL.search_in_files]: "Sent Search Results as Tool Response",
  [TOOL.rollback_conversation]: "Rolled Back Conversation",
  [TOOL.end_conversation]: "Ended Conversation",
  [TOOL.list_directory]: "Listed Resource Directory",
  [TOOL.read_file]: "Read Resource File",
};

export function auditorCallView(tool: string, args: Record<string, unknown>): ToolCallView {
  const title = TITLES[tool] ?? tool;
  let content: string;
  switch (tool) {
    case TOOL.create_tool:
      content = definitionView(args);
      break;
    case TOOL.set_target_system_message:
      content = str(args.system_message);
      break;
    case TOOL.send_message:
      content = str(args.message) + prefillSection(args);
      break;
    case TOOL.send_tool_call_result: {
      const status = typeof args.status === "string" ? args.status : "success";
      const result = str(args.result);
      const body = status.trim().toLowerCase() === "error" ? fence(result.split("\n").map((l) => `- ${l}`).join("\n"), "diff") : fence(result);
      content = `<small>status: ${status} | tool_call_id: ${str(args.tool_call_id)}</small>\n\n${body}${prefillSection(args)}`;
      break;
    }
    case TOOL.rollback_conversation:
      content = `Rolled back to message index ${str(args.index)}.`;
      break;
    case TOOL.end_conversation:
      content = "The auditor ended the conversation.";
      break;
    default:
      content = argsAsList(args) || "(no arguments)";
  }
  return { title, format: "markdown", content };
}
