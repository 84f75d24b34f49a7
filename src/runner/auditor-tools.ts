/**
 * The built-in auditor's tools: the server's own MCP tools, limited to the auditor's toolset and
 * without `audit_id` (the runner adds it to every call), as tool definitions for the auditor model.
 */
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { toolsOfGroup } from "../audit/catalogue.js";
import type { JSONSchema, ToolDefinition } from "../audit/synthetic-tools.js";

/** Petri's auditor tools, in Petri's order (plus remove_tool). */
export const AUDITOR_TOOL_NAMES = toolsOfGroup("target");

/** Offered only when the audit has a resources folder. */
export const RESOURCE_TOOL_NAMES = toolsOfGroup("resources");

const AUDIT_ID = "audit_id";

export function auditorToolNames(withResources: boolean): string[] {
  return [...AUDITOR_TOOL_NAMES, ...(withResources ? RESOURCE_TOOL_NAMES : [])];
}

/** One MCP tool as the auditor sees it: the same name, description and arguments, minus audit_id. */
export function toAuditorTool(tool: Tool): ToolDefinition {
  const schema = tool.inputSchema;
  const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([name]) => name !== AUDIT_ID)) as Record<string, JSONSchema>;
  return {
    name: tool.name,
    description: tool.description ?? tool.title ?? tool.name,
    parameters: {
      type: "object",
      properties,
      required: (schema.required ?? []).filter((name) => name !== AUDIT_ID),
      additionalProperties: false,
    },
    parallel: true,
    options: null,
  };
}

/**
 * The auditor's tool definitions from the server's tool list, in the auditor toolset's order.
 * Throws when the server lacks one of them (a build mistake, not a user error).
 */
export function auditorToolset(serverTools: readonly Tool[], withResources: boolean): ToolDefinition[] {
  const byName = new Map(serverTools.map((tool) => [tool.name, tool]));
  return auditorToolNames(withResources).map((name) => {
    const tool = byName.get(name);
    if (!tool) throw new Error(`the MCP server has no '${name}' tool, which the built-in auditor needs`);
    return toAuditorTool(tool);
  });
}
