/**
 * What a provider model needs from the environment before its first call (the same variables the
 * adapters read at call time), so `petri-mcp audit` can stop before creating any audit rather than
 * record one failed audit per seed.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { serviceEnvPrefix } from "./capabilities.js";
import { parseModelName } from "./registry.js";

/** Bedrock's region: AWS_REGION, else AWS_DEFAULT_REGION (the Anthropic SDK itself reads only the first). */
export function bedrockRegion(env: NodeJS.ProcessEnv): string | undefined {
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
}

/** AWS credentials the default provider chain can find: keys, a bearer token, a profile, web identity, a container role, or a shared file. */
function hasAwsCredentials(env: NodeJS.ProcessEnv): boolean {
  if (env.AWS_BEARER_TOKEN_BEDROCK || (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)) return true;
  if (env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return true;
  const home = env.HOME || homedir();
  return [env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials"), env.AWS_CONFIG_FILE || join(home, ".aws", "config")].some((file) => existsSync(file));
}

/** What a `bedrock/` model lacks in `env`, or null. */
export function missingBedrockSettings(env: NodeJS.ProcessEnv): string | null {
  const missing: string[] = [];
  if (!bedrockRegion(env)) missing.push("AWS_REGION (or AWS_DEFAULT_REGION)");
  if (!hasAwsCredentials(env)) {
    missing.push(
      env.AWS_ACCESS_KEY_ID || env.AWS_SECRET_ACCESS_KEY
        ? (env.AWS_ACCESS_KEY_ID ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID")
        : "AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, plus AWS_SESSION_TOKEN for temporary ones; or AWS_PROFILE; or AWS_BEARER_TOKEN_BEDROCK)",
    );
  }
  return missing.length > 0 ? `set ${missing.join(" and ")}` : null;
}

/** Google credentials for Vertex: an access token, a key file, or gcloud's application-default credentials file. */
function hasGoogleCredentials(env: NodeJS.ProcessEnv): boolean {
  if (env.ANTHROPIC_VERTEX_ACCESS_TOKEN || env.GOOGLE_APPLICATION_CREDENTIALS) return true;
  const config = env.CLOUDSDK_CONFIG || join(env.HOME || homedir(), ".config", "gcloud");
  return existsSync(join(config, "application_default_credentials.json"));
}

/** What a `vertex/` model lacks in `env`, or null. */
export function missingVertexSettings(env: NodeJS.ProcessEnv): string | null {
  const missing: string[] = [];
  if (!env.CLOUD_ML_REGION) missing.push("CLOUD_ML_REGION (e.g. us-east5 or global)");
  if (!env.ANTHROPIC_VERTEX_PROJECT_ID) missing.push("ANTHROPIC_VERTEX_PROJECT_ID");
  if (!hasGoogleCredentials(env)) {
    missing.push("Google credentials (ANTHROPIC_VERTEX_ACCESS_TOKEN from `gcloud auth print-access-token`, GOOGLE_APPLICATION_CREDENTIALS, or `gcloud auth application-default login`)");
  }
  return missing.length > 0 ? `set ${missing.join(" and ")}` : null;
}

/** Why `name` cannot be called with this environment, or null when its key (and server) are set. */
export function missingCredentials(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const parsed = parseModelName(name);
  switch (parsed.provider) {
    case "mockllm":
      return null;
    case "anthropic":
      return env.ANTHROPIC_API_KEY || env.ANTHROPIC_AUTH_TOKEN ? null : "set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN)";
    case "bedrock":
      return missingBedrockSettings(env);
    case "vertex":
      return missingVertexSettings(env);
    case "openai":
      return env.OPENAI_API_KEY ? null : "set OPENAI_API_KEY";
    case "google":
      return env.GOOGLE_API_KEY || env.GEMINI_API_KEY ? null : "set GOOGLE_API_KEY (or GEMINI_API_KEY)";
    case "openrouter":
      return env.OPENROUTER_API_KEY ? null : "set OPENROUTER_API_KEY";
    case "openai-api": {
      const prefix = serviceEnvPrefix(parsed.service ?? "");
      const missing = [`${prefix}_BASE_URL`, `${prefix}_API_KEY`].filter((variable) => !env[variable]);
      if (missing.length === 0) return null;
      return `set ${missing.join(" and ")}${missing.includes(`${prefix}_API_KEY`) ? ` (any non-empty key if the server needs none)` : ""}`;
    }
  }
}
