/**
 * judge and get_judge_result.
 * TODO(issue 5).
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./define.js";

export function registerJudgeTools(_server: McpServer, _ctx: ToolContext): void {}
