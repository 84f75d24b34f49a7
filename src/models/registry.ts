/**
 * Resolves `provider/model` strings (as Petri users type them) to ChatModels.
 */
import { createMockModel } from "./mock-script.js";
import { MockLLM } from "./mockllm.js";
import { type ChatModel, type ModelCapabilities, ModelError, type ModelResolver } from "./types.js";

export interface ParsedModelName {
  provider: "anthropic" | "bedrock" | "vertex" | "openai" | "openai-api" | "google" | "openrouter" | "mockllm";
  /** For openai-api: the server name whose `<NAME>_BASE_URL` / `<NAME>_API_KEY` are used. */
  service?: string;
  model: string;
}

const USAGE = "Use anthropic/<model>, bedrock/<model>, vertex/<model>, openai/<model>, google/<model>, openrouter/<vendor>/<model>, openai-api/<name>/<model> or mockllm/<name>.";

export function parseModelName(name: string): ParsedModelName {
  // Control characters (NUL, newlines, ...) would be stored, logged and sent to providers as is.
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new ModelError("not_configured", `Invalid model name ${JSON.stringify(name.slice(0, 200))}: it contains a control character (NUL, newline, ...). ${USAGE}`);
  const trimmed = name.trim();
  const slash = trimmed.indexOf("/");
  if (slash <= 0 || slash === trimmed.length - 1) throw new ModelError("not_configured", `Invalid model name '${name}'. ${USAGE}`);
  const provider = trimmed.slice(0, slash);
  const rest = trimmed.slice(slash + 1);
  switch (provider) {
    case "anthropic":
    case "bedrock":
    case "vertex":
    case "openai":
    case "google":
    case "openrouter":
    case "mockllm":
      return { provider, model: rest };
    case "openai-api": {
      const inner = rest.indexOf("/");
      if (inner <= 0 || inner === rest.length - 1) {
        throw new ModelError("not_configured", `Invalid model name '${name}': openai-api models are written openai-api/<name>/<model>, e.g. openai-api/vllm/Qwen/Qwen3-8B.`);
      }
      return { provider, service: rest.slice(0, inner), model: rest.slice(inner + 1) };
    }
    default:
      throw new ModelError("not_configured", `Unknown model provider '${provider}' in '${name}'. ${USAGE}`);
  }
}

export type ModelFactory = (parsed: ParsedModelName, fullName: string) => ChatModel;

export interface ModelRegistryOptions {
  /** Models to return for exact names (tests inject scripted models here). */
  overrides?: Record<string, ChatModel>;
  /** Factories for real providers (see providers.ts); absent providers fail with a clear error. */
  factories?: Partial<Record<ParsedModelName["provider"], ModelFactory>>;
  capabilities?: (parsed: ParsedModelName) => ModelCapabilities | undefined;
  /** A JSON file of replies keyed by model name for `mockllm/<name>` models (PETRI_MOCKLLM_SCRIPT; see mock-script.ts). */
  mockScript?: string;
}

export class ModelRegistry implements ModelResolver {
  private readonly cache = new Map<string, ChatModel>();

  constructor(private readonly options: ModelRegistryOptions = {}) {}

  resolve(name: string): ChatModel {
    const override = this.options.overrides?.[name];
    if (override) return override;
    const cached = this.cache.get(name);
    if (cached) return cached;
    const parsed = parseModelName(name);
    let model: ChatModel;
    if (parsed.provider === "mockllm") {
      model = createMockModel(name, parsed.model, this.options.mockScript);
    } else {
      const factory = this.options.factories?.[parsed.provider];
      if (!factory) throw new ModelError("not_configured", `The ${parsed.provider} provider is not available in this build.`);
      model = factory(parsed, name);
    }
    this.cache.set(name, model);
    return model;
  }

  /** The mock model for a `mockllm/...` name, for scripting in tests and demos. */
  mock(name = "mockllm/model"): MockLLM {
    const model = this.resolve(name);
    if (!(model instanceof MockLLM)) throw new Error(`${name} is not a mockllm model`);
    return model;
  }

  capabilities(name: string): ModelCapabilities {
    const override = this.options.overrides?.[name];
    if (override) return override.capabilities;
    const parsed = parseModelName(name);
    // Resolving a mock reads and checks its script, so a bad script fails here, before any audit starts.
    if (parsed.provider === "mockllm") return this.resolve(name).capabilities;
    return this.options.capabilities?.(parsed) ?? this.resolve(name).capabilities;
  }
}
