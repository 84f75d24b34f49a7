/**
 * `petri-mcp serve --http`: Streamable HTTP.
 * TODO(issue 10).
 */
import type { Config } from "../config.js";
import type { CommandIO } from "./io.js";

export async function runHttpServer(_config: Config, io: CommandIO): Promise<number> {
  io.stderr("petri-mcp: --http is not available yet.");
  return 2;
}
