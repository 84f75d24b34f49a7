/**
 * What a provider model needs from the environment before its first call (the same variables the
 * adapters read at call time), so `petri-mcp audit` can stop before creating any audit rather than
 * record one failed audit per seed.
 */
import { serviceEnvPrefix } from "./capabilities.js";
import { parseModelName } from "./registry.js";

/** Why `name` cannot be called with this environment, or null when its key (and server) are set. */
export function missingCredentials(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const parsed = parseModelName(name);
  switch (parsed.provider) {
    case "mockllm":
      return null;
    case "anthropic":
      return env.ANTHROPIC_API_KEY || env.ANTHROPIC_AUTH_TOKEN ? null : "set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN)";
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
