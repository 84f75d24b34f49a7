/**
 * Every tool's MCP side (the spec its handler file exports): registration iterates the catalogue
 * (src/audit/catalogue.ts) and takes each tool's spec from here. A catalogue tool without a spec
 * here is a compile error.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { TOOL_NAMES, type ToolName } from "../audit/catalogue.js";
import { getAudit } from "./audits/get-audit.js";
import { listAudits } from "./audits/list-audits.js";
import { startAudit } from "./audits/start-audit.js";
import { viewConversation } from "./audits/view-conversation.js";
import { type DefinedTool, registerCatalogueTool, type ToolContext } from "./define.js";
import { exportTranscript } from "./export/export-transcript.js";
import { getJudgeResult } from "./judge/get-judge-result.js";
import { judge } from "./judge/judge.js";
import { getRunReport } from "./report/get-run-report.js";
import { listDirectory } from "./resources/list-directory.js";
import { readFile } from "./resources/read-file.js";
import { searchInFiles } from "./resources/search-in-files.js";
import { sendFileAsToolResult } from "./resources/send-file-as-tool-result.js";
import { createTool } from "./target/create-tool.js";
import { endConversation } from "./target/end-conversation.js";
import { removeTool } from "./target/remove-tool.js";
import { rollbackConversation } from "./target/rollback-conversation.js";
import { sendMessage } from "./target/send-message.js";
import { sendToolCallResult } from "./target/send-tool-call-result.js";
import { setTargetSystemMessage } from "./target/set-target-system-message.js";

const SPECS = [
  startAudit,
  listAudits,
  getAudit,
  viewConversation,
  createTool,
  removeTool,
  setTargetSystemMessage,
  sendMessage,
  sendToolCallResult,
  rollbackConversation,
  endConversation,
  listDirectory,
  readFile,
  sendFileAsToolResult,
  searchInFiles,
  judge,
  getJudgeResult,
  exportTranscript,
  getRunReport,
] as const;

/** A compile error naming any catalogue tool without a spec here. */
type Missing = Exclude<ToolName, (typeof SPECS)[number]["name"]>;
const complete: [Missing] extends [never] ? true : Missing = true;
void complete;

/** Each catalogue tool's spec, by name. */
export const TOOL_SPECS = Object.fromEntries(SPECS.map((spec) => [spec.name, spec])) as unknown as { readonly [N in ToolName]: DefinedTool<N> };

/** Registers every catalogue tool, in catalogue order. */
export function registerTools(server: McpServer, ctx: ToolContext): void {
  for (const name of TOOL_NAMES) registerCatalogueTool(server, ctx, TOOL_SPECS[name]);
}
