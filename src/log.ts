/**
 * Logging to stderr only: on stdio, stdout carries the MCP protocol and nothing else.
 * Every line passes through `redactSecrets` (src/util/redact.ts), so no configured key, nor any
 * 8-character piece of one, nor a URL's password can reach a log.
 */
import { redactSecrets } from "./util/redact.js";

export { redactSecrets };

type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const wanted = (process.env.PETRI_LOG_LEVEL ?? "info").toLowerCase() as Level;
  return ORDER[wanted] ?? ORDER.info;
}

/** Where log lines go instead of stderr while set (the runner's live panel shows them in its frame). */
let sink: ((line: string) => void) | null = null;

export function setLogSink(next: ((line: string) => void) | null): void {
  sink = next;
}

function write(level: Level, message: string, detail?: unknown): void {
  if (ORDER[level] < threshold()) return;
  const suffix = detail === undefined ? "" : ` ${detail instanceof Error ? (detail.stack ?? detail.message) : JSON.stringify(detail)}`;
  const line = redactSecrets(`[petri-mcp] ${level}: ${message}${suffix}`);
  if (sink) sink(line.replace(/\s*\n\s*/g, " "));
  else process.stderr.write(line + "\n");
}

/**
 * Sends console.warn through the logger, each distinct message once. The model SDKs print notices
 * such as model deprecations with console.warn on every call, which would flood stderr and break
 * the runner's live panel; the CLI calls this once at start.
 */
export function routeConsoleWarnings(): void {
  const seen = new Set<string>();
  console.warn = (...args: unknown[]) => {
    const text = args.map((arg) => (typeof arg === "string" ? arg : arg instanceof Error ? arg.message : JSON.stringify(arg))).join(" ");
    if (seen.has(text)) return;
    seen.add(text);
    write("warn", text);
  };
}

export const log = {
  debug: (message: string, detail?: unknown) => write("debug", message, detail),
  info: (message: string, detail?: unknown) => write("info", message, detail),
  warn: (message: string, detail?: unknown) => write("warn", message, detail),
  error: (message: string, detail?: unknown) => write("error", message, detail),
};
