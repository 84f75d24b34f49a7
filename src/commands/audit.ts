/** `petri-mcp audit`. TODO(issue 9). */
import type { CommandIO } from "./io.js";

export async function runAuditCommand(_argv: string[], io: CommandIO): Promise<number> {
  io.stderr("petri-mcp audit: not available yet.");
  return 2;
}
