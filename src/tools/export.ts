/**
 * export_transcript.
 * TODO(issue 6).
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./define.js";

export function registerExportTools(_server: McpServer, _ctx: ToolContext): void {}
