/**
 * MCP resources petri://audits and petri://audits/{audit_id}/transcript.
 * TODO(issue 6).
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "../tools/define.js";

export function registerTranscriptResources(_server: McpServer, _ctx: ToolContext): void {}
