/**
 * Flags + environment -> Config. Flags win over environment variables, which win over defaults.
 */
import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { type GenerationSettings, readSettingsArg, SettingsError } from "./models/settings.js";
import type { ModelRole } from "./models/types.js";

export interface HttpConfig {
  host: string;
  port: number;
  /** Bearer token; generated and stored when absent. */
  token?: string;
  allowedOrigins: string[];
  idleSessionMs: number;
  /** Most MCP sessions open at once; the next initialize gets 503. */
  maxSessions: number;
  /** Most TCP connections at once (node:http maxConnections); more are dropped. */
  maxConnections: number;
  /** A client must finish sending its request headers within this (ms). */
  headersTimeoutMs: number;
  /** A client must finish sending its whole request (headers and body) within this (ms). */
  requestTimeoutMs: number;
}

export interface Config {
  dbPath: string;
  /** PostgreSQL connection pool size (`--db-pool`, PETRI_DB_POOL). */
  dbPool: number;
  targetModel?: string;
  judgeModel?: string;
  realismModel?: string;
  auditorModel?: string;
  maxTurns: number;
  /** Petri's `prefill` switch; false hides the prefill argument. */
  prefill: boolean;
  maxToolOutput: number;
  resourcesDirs: string[];
  transcriptsDir: string;
  realismThreshold: number;
  realismFailClosed: boolean;
  leaseTtlMs: number;
  modelTimeoutMs: number;
  modelMaxRetries: number;
  /** How auditor prompts name the target instead of its model id (Petri 3's target_display_name). */
  targetDisplayName?: string;
  /** Runner: target call failures in a row (each returned to the auditor, which may retry) that fail an audit (default 3). */
  maxTargetFailures?: number;
  /** Which jobs a serve process works (--work): "judge" (default) runs the judge runs it starts and takes orphaned ones; "none" leaves them to `petri-mcp worker`. */
  work?: "judge" | "none";
  /** Generation settings per role from --<role>-config / PETRI_<ROLE>_CONFIG (src/models/settings.ts). */
  roleSettings?: Partial<Record<ModelRole, GenerationSettings>>;
  /** A JSON file of scripted replies for mockllm/<name> models (PETRI_MOCKLLM_SCRIPT; see src/models/mock-script.ts). */
  mockScript?: string;
  /** Largest JSON-RPC message accepted, on stdio (one line) and HTTP (one body), in bytes. */
  maxMessageBytes: number;
  http: HttpConfig;
}

/** Where the AuditStore lives when neither --db nor PETRI_DB is given. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = env.HOME ?? homedir();
  let dataDir: string;
  if (platform === "win32") dataDir = env.APPDATA ?? join(home, "AppData", "Roaming");
  else if (platform === "darwin") dataDir = join(home, "Library", "Application Support");
  else dataDir = env.XDG_DATA_HOME ?? join(home, ".local", "share");
  return join(dataDir, "petri-mcp", "petri.db");
}

/** Flags shared by every subcommand that opens the store or calls models. */
export const COMMON_OPTIONS = {
  db: { type: "string" },
  "db-pool": { type: "string" },
  "target-model": { type: "string" },
  "judge-model": { type: "string" },
  "realism-model": { type: "string" },
  "auditor-model": { type: "string" },
  "target-config": { type: "string" },
  "auditor-config": { type: "string" },
  "judge-config": { type: "string" },
  "realism-config": { type: "string" },
  "max-turns": { type: "string" },
  "no-prefill": { type: "boolean" },
  "max-tool-output": { type: "string" },
  "resources-dir": { type: "string", multiple: true },
  "transcripts-dir": { type: "string" },
  "realism-threshold": { type: "string" },
  "realism-fail-closed": { type: "boolean" },
  "lease-ttl-ms": { type: "string" },
  "model-timeout-ms": { type: "string" },
  "model-max-retries": { type: "string" },
  "max-target-failures": { type: "string" },
  work: { type: "string" },
  "target-display-name": { type: "string" },
  http: { type: "boolean" },
  host: { type: "string" },
  port: { type: "string" },
  "allowed-origin": { type: "string", multiple: true },
  "max-message-bytes": { type: "string" },
  "max-sessions": { type: "string" },
  "max-connections": { type: "string" },
  "headers-timeout-ms": { type: "string" },
  "request-timeout-ms": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;

export class ConfigError extends Error {}

function positiveInt(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer >= ${min}, got '${value}'.`);
  return n;
}

function unitFloat(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new ConfigError(`${name} must be a number between 0 and 1, got '${value}'.`);
  return n;
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

function workMode(value: string | undefined): "judge" | "none" {
  if (value === undefined || value === "" || value === "judge") return "judge";
  if (value === "none") return "none";
  throw new ConfigError(`--work must be 'judge' or 'none', got '${value}'.`);
}

/** `--target-config` etc.: a JSON object or @file.json, checked now so a typo fails at startup. */
function roleSettings(flags: CommonFlags, env: NodeJS.ProcessEnv, cwd: string): Partial<Record<ModelRole, GenerationSettings>> {
  const out: Partial<Record<ModelRole, GenerationSettings>> = {};
  for (const role of ["target", "auditor", "judge", "realism"] as const) {
    const flag = flags[`${role}-config`];
    const label = flag !== undefined ? `--${role}-config` : `PETRI_${role.toUpperCase()}_CONFIG`;
    try {
      const settings = readSettingsArg(flag ?? env[`PETRI_${role.toUpperCase()}_CONFIG`], label, cwd);
      if (settings) out[role] = settings;
    } catch (error) {
      if (error instanceof SettingsError) throw new ConfigError(error.message);
      throw error;
    }
  }
  return out;
}

export type CommonFlags = { [K in keyof typeof COMMON_OPTIONS]?: (typeof COMMON_OPTIONS)[K] extends { multiple: true } ? string[] : (typeof COMMON_OPTIONS)[K] extends { type: "boolean" } ? boolean : string };

/** A SQLite path resolved against `cwd`; a postgres:// URL as given (the store refuses or opens it). */
function dbLocation(cwd: string, value: string): string {
  return /^postgres(ql)?:\/\//i.test(value.trim()) ? value.trim() : resolve(cwd, value);
}

export function loadConfig(flags: CommonFlags = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const resourcesFromEnv = env.PETRI_RESOURCES_DIR ? env.PETRI_RESOURCES_DIR.split(delimiter).filter((p) => p !== "") : [];
  const resourcesDirs = (flags["resources-dir"] && flags["resources-dir"].length > 0 ? flags["resources-dir"] : resourcesFromEnv).map((p) => resolve(cwd, p));
  const origins = flags["allowed-origin"] ?? (env.PETRI_ALLOWED_ORIGINS ? env.PETRI_ALLOWED_ORIGINS.split(",").map((o) => o.trim()) : []);
  return {
    dbPath: dbLocation(cwd, flags.db ?? env.PETRI_DB ?? defaultDbPath(env)),
    dbPool: positiveInt(flags["db-pool"] ?? env.PETRI_DB_POOL, "--db-pool", 10),
    targetModel: flags["target-model"] ?? env.PETRI_TARGET_MODEL ?? undefined,
    judgeModel: flags["judge-model"] ?? env.PETRI_JUDGE_MODEL ?? undefined,
    realismModel: flags["realism-model"] ?? env.PETRI_REALISM_MODEL ?? undefined,
    auditorModel: flags["auditor-model"] ?? env.PETRI_AUDITOR_MODEL ?? undefined,
    maxTurns: positiveInt(flags["max-turns"] ?? env.PETRI_MAX_TURNS, "--max-turns", 30),
    prefill: !(flags["no-prefill"] ?? truthy(env.PETRI_NO_PREFILL)),
    maxToolOutput: positiveInt(flags["max-tool-output"] ?? env.PETRI_MAX_TOOL_OUTPUT, "--max-tool-output", 128 * 1024, 256),
    resourcesDirs,
    transcriptsDir: resolve(cwd, flags["transcripts-dir"] ?? env.PETRI_TRANSCRIPTS_DIR ?? "outputs"),
    realismThreshold: unitFloat(flags["realism-threshold"] ?? env.PETRI_REALISM_THRESHOLD, "--realism-threshold", 0.6),
    realismFailClosed: flags["realism-fail-closed"] ?? truthy(env.PETRI_REALISM_FAIL_CLOSED),
    leaseTtlMs: positiveInt(flags["lease-ttl-ms"] ?? env.PETRI_LEASE_TTL_MS, "--lease-ttl-ms", 120_000, 100),
    modelTimeoutMs: positiveInt(flags["model-timeout-ms"] ?? env.PETRI_MODEL_TIMEOUT_MS, "--model-timeout-ms", 600_000, 100),
    modelMaxRetries: positiveInt(flags["model-max-retries"] ?? env.PETRI_MODEL_MAX_RETRIES, "--model-max-retries", 2, 0),
    roleSettings: roleSettings(flags, env, cwd),
    targetDisplayName: (flags["target-display-name"] ?? env.PETRI_TARGET_DISPLAY_NAME)?.trim() || undefined,
    maxTargetFailures: positiveInt(flags["max-target-failures"] ?? env.PETRI_MAX_TARGET_FAILURES, "--max-target-failures", 3),
    work: workMode(flags.work ?? env.PETRI_WORK),
    mockScript: env.PETRI_MOCKLLM_SCRIPT ? resolve(cwd, env.PETRI_MOCKLLM_SCRIPT) : undefined,
    // PETRI_HTTP_MAX_BODY is the older name of the same limit.
    maxMessageBytes: positiveInt(flags["max-message-bytes"] ?? env.PETRI_MAX_MESSAGE_BYTES ?? env.PETRI_HTTP_MAX_BODY, "--max-message-bytes", 16 * 1024 * 1024, 1024),
    http: {
      host: flags.host ?? env.PETRI_HTTP_HOST ?? "127.0.0.1",
      port: positiveInt(flags.port ?? env.PETRI_HTTP_PORT, "--port", 8765, 0),
      token: env.PETRI_MCP_TOKEN || undefined,
      allowedOrigins: origins.filter((o) => o !== ""),
      idleSessionMs: positiveInt(env.PETRI_HTTP_IDLE_MS, "PETRI_HTTP_IDLE_MS", 30 * 60_000, 1000),
      maxSessions: positiveInt(flags["max-sessions"] ?? env.PETRI_HTTP_MAX_SESSIONS, "--max-sessions", 100),
      maxConnections: positiveInt(flags["max-connections"] ?? env.PETRI_HTTP_MAX_CONNECTIONS, "--max-connections", 256),
      headersTimeoutMs: positiveInt(flags["headers-timeout-ms"] ?? env.PETRI_HTTP_HEADERS_TIMEOUT_MS, "--headers-timeout-ms", 8_000, 100),
      requestTimeoutMs: positiveInt(flags["request-timeout-ms"] ?? env.PETRI_HTTP_REQUEST_TIMEOUT_MS, "--request-timeout-ms", 30_000, 100),
    },
  };
}

/** Parses argv with the common flags plus a command's own, refusing unknown flags. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], extra: T, allowPositionals = false) {
  return parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...extra }, allowPositionals, strict: true });
}
