/**
 * The catalogue of auditor actions: every MCP tool the server offers, as plain data. It is the one
 * place a tool's name is written. Derived from it: registration and tool order (src/tools/index.ts),
 * annotations (from `operation`, src/tools/define.ts), auditor-view recording (`recorded`, done by
 * registerTool), the realism gate's list (`reachesTarget`: GatedTool below), the built-in auditor's
 * toolset (groups `target` and `resources`) and the docs' tool table (`npm run docs:tools`).
 * The zod schemas and handlers stay in src/tools/<group>/<tool>.ts; nothing here imports MCP code.
 */

/**
 * - read: looks only (views, listings, file reads).
 * - create: adds something new (an audit).
 * - replace: changes or removes existing state; repeating it changes nothing more.
 * - model: may call a model and appends to the conversation.
 * - file: writes a file outside the store.
 */
export type OperationType = "read" | "create" | "replace" | "model" | "file";

/** Where the tool's handler lives: src/tools/<group>/. */
export type ToolGroup = "audits" | "target" | "resources" | "judge" | "export" | "report";

export interface CatalogueEntry {
  title: string;
  group: ToolGroup;
  operation: OperationType;
  /** A successful call is recorded in the audit's auditor (and combined) view, as Petri's auditor tool calls are. */
  recorded: boolean;
  /** What the call sends reaches the target, so the realism filter (ActionGate) checks it first. */
  reachesTarget: boolean;
}

/** In registration order. */
export const CATALOGUE = {
  start_audit: { title: "Start Audit", group: "audits", operation: "create", recorded: false, reachesTarget: false },
  list_audits: { title: "List Audits", group: "audits", operation: "read", recorded: false, reachesTarget: false },
  get_audit: { title: "Get Audit", group: "audits", operation: "read", recorded: false, reachesTarget: false },
  view_conversation: { title: "View Conversation", group: "audits", operation: "read", recorded: false, reachesTarget: false },
  create_tool: { title: "Create Synthetic Tool", group: "target", operation: "replace", recorded: true, reachesTarget: false },
  remove_tool: { title: "Remove Synthetic Tool", group: "target", operation: "replace", recorded: true, reachesTarget: false },
  set_target_system_message: { title: "Set Target System Message", group: "target", operation: "model", recorded: true, reachesTarget: true },
  send_message: { title: "Send Message", group: "target", operation: "model", recorded: true, reachesTarget: true },
  send_tool_call_result: { title: "Send Tool Call Result", group: "target", operation: "model", recorded: true, reachesTarget: true },
  rollback_conversation: { title: "Rollback Conversation", group: "target", operation: "replace", recorded: true, reachesTarget: false },
  end_conversation: { title: "End Conversation", group: "target", operation: "replace", recorded: true, reachesTarget: false },
  list_directory: { title: "List Resource Directory", group: "resources", operation: "read", recorded: true, reachesTarget: false },
  read_file: { title: "Read Resource File", group: "resources", operation: "read", recorded: true, reachesTarget: false },
  send_file_as_tool_result: { title: "Send File as Tool Result", group: "resources", operation: "model", recorded: true, reachesTarget: true },
  search_in_files: { title: "Search in Files", group: "resources", operation: "model", recorded: true, reachesTarget: true },
  judge: { title: "Judge Audit", group: "judge", operation: "model", recorded: false, reachesTarget: false },
  get_judge_result: { title: "Get Judge Result", group: "judge", operation: "read", recorded: false, reachesTarget: false },
  export_transcript: { title: "Export Transcript", group: "export", operation: "file", recorded: false, reachesTarget: false },
  get_run_report: { title: "Get Run Report", group: "report", operation: "read", recorded: false, reachesTarget: false },
} as const satisfies Record<string, CatalogueEntry>;

type Catalogue = typeof CATALOGUE;
export type ToolName = keyof Catalogue;

/** Every tool name, in registration order. */
export const TOOL_NAMES = Object.keys(CATALOGUE) as ToolName[];

/** The tool names as constants (`TOOL.send_message`): use these, never the name as a string. */
export const TOOL = Object.fromEntries(TOOL_NAMES.map((name) => [name, name])) as { readonly [K in ToolName]: K };

/** The tools whose action reaches the target: what the realism gate checks. */
export type GatedTool = { [K in ToolName]: Catalogue[K]["reachesTarget"] extends true ? K : never }[ToolName];

export const GATED_TOOLS = TOOL_NAMES.filter((name): name is GatedTool => CATALOGUE[name].reachesTarget);

export function isToolName(name: string): name is ToolName {
  return Object.hasOwn(CATALOGUE, name);
}

export function isGatedTool(name: string): name is GatedTool {
  return isToolName(name) && CATALOGUE[name].reachesTarget;
}

/** The tools of one group, in catalogue order. */
export function toolsOfGroup(group: ToolGroup): ToolName[] {
  return TOOL_NAMES.filter((name) => CATALOGUE[name].group === group);
}

/** The handler file of a tool, relative to the package root: src/tools/<group>/<tool-name>.ts. */
export function handlerFile(name: ToolName): string {
  return `src/tools/${CATALOGUE[name].group}/${name.replace(/_/g, "-")}.ts`;
}
