/**
 * MCP prompts (audit) and library resources (seeds, dimensions, auditor prompt).
 * TODO(issue 8).
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "../tools/define.js";

export function registerLibrary(_server: McpServer, _ctx: ToolContext): void {}
