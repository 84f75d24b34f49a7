/** `petri-mcp resources init DIR`. TODO(issue 4). */
import type { CommandIO } from "./io.js";

export async function runResourcesCommand(_argv: string[], io: CommandIO): Promise<number> {
  io.stderr("petri-mcp resources: not available yet.");
  return 2;
}
