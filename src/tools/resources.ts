/**
 * Resource tools: list_directory, read_file, send_file_as_tool_result, search_in_files.
 * TODO(issue 4).
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./define.js";

export function registerResourceTools(_server: McpServer, _ctx: ToolContext): void {}
