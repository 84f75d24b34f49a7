/** Line-by-line reading of a child process (newline-delimited JSON-RPC over stdio). */
import type { ChildProcessWithoutNullStreams } from "node:child_process";

/**
 * Calls `onLine` with each complete stdout line of `child` (without its newline) and `onStderr`
 * with each stderr chunk; returns a promise of the exit code.
 */
export function readChildLines(child: ChildProcessWithoutNullStreams, onLine: (line: string) => void, onStderr: (chunk: string) => void): Promise<number | null> {
  let buffer = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      onLine(line);
    }
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", onStderr);
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}
