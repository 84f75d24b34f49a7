/**
 * Every tool's MCP side (the spec its handler file exports): registration iterates the catalogue
 * (src/audit/catalogue.ts) and takes each tool's spec from the generated list in specs.ts
 * (`npm run tools:update`). A catalogue tool without a spec is a compile error.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { TOOL_NAMES, type ToolName } from "../audit/catalogue.js";
import { type DefinedTool, registerCatalogueTool, type ToolContext } from "./define.js";
import { SPECS } from "./specs.js";

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
