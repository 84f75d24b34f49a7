/** `petri-mcp export`. TODO(issue 6). */
import type { CommandIO } from "./io.js";

export async function runExportCommand(_argv: string[], io: CommandIO): Promise<number> {
  io.stderr("petri-mcp export: not available yet.");
  return 2;
}
