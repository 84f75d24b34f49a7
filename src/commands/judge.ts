/** `petri-mcp judge`. TODO(issue 5). */
import type { CommandIO } from "./io.js";

export async function runJudgeCommand(_argv: string[], io: CommandIO): Promise<number> {
  io.stderr("petri-mcp judge: not available yet.");
  return 2;
}
