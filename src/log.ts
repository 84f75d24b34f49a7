/**
 * Logging to stderr only: on stdio, stdout carries the MCP protocol and nothing else.
 * Every line passes through `redactSecrets`, so an API key can never reach a log.
 */
type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const wanted = (process.env.PETRI_LOG_LEVEL ?? "info").toLowerCase() as Level;
  return ORDER[wanted] ?? ORDER.info;
}

/** Values of environment variables that hold credentials. */
function secretValues(): string[] {
  return Object.entries(process.env)
    .filter(([name, value]) => /(_API_KEY|_AUTH_TOKEN|_TOKEN|_SECRET)$/.test(name) && typeof value === "string" && value.length >= 6)
    .map(([, value]) => value as string);
}

/** Replaces credential values and things that look like API keys with `[redacted]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of secretValues()) out = out.split(secret).join("[redacted]");
  return out
    .replace(/\b(sk-[A-Za-z0-9_-]{8,})/g, "[redacted]")
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, "$1[redacted]");
}

function write(level: Level, message: string, detail?: unknown): void {
  if (ORDER[level] < threshold()) return;
  const suffix = detail === undefined ? "" : ` ${detail instanceof Error ? (detail.stack ?? detail.message) : JSON.stringify(detail)}`;
  process.stderr.write(redactSecrets(`[petri-mcp] ${level}: ${message}${suffix}`) + "\n");
}

export const log = {
  debug: (message: string, detail?: unknown) => write("debug", message, detail),
  info: (message: string, detail?: unknown) => write("info", message, detail),
  warn: (message: string, detail?: unknown) => write("warn", message, detail),
  error: (message: string, detail?: unknown) => write("error", message, detail),
};
