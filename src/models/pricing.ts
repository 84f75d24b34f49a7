/**
 * The cost of a model call, from the price catalogue bundled with @pydantic/genai-prices (offline,
 * synchronous). Unknown models, mock models and self-hosted servers cost null, never a guess.
 */
import { createRequire } from "node:module";
import { parseModelName } from "./registry.js";
import type { Usage } from "./types.js";

type GenaiPrices = typeof import("@pydantic/genai-prices");
let prices: GenaiPrices | undefined;

/** The price catalogue, loaded at the first priced call (it is slow to load and rarely needed at start-up). */
function catalogue(): GenaiPrices {
  prices ??= createRequire(import.meta.url)("@pydantic/genai-prices") as GenaiPrices;
  return prices;
}

/** The genai-prices provider id for a model name, or null when its price cannot be known. */
function priceProvider(modelName: string): { providerId: string; model: string } | null {
  let parsed;
  try {
    parsed = parseModelName(modelName);
  } catch {
    return null;
  }
  switch (parsed.provider) {
    case "anthropic":
    case "openai":
    case "google":
    case "openrouter":
      return { providerId: parsed.provider, model: parsed.model };
    // The catalogue prices Claude on Bedrock under "aws" (regional ids such as `us.anthropic.…` at
    // Bedrock's regional rate) and Claude on Vertex under "google".
    case "bedrock":
      return { providerId: "aws", model: parsed.model };
    case "vertex":
      return { providerId: "google", model: parsed.model };
    case "openai-api": {
      // Only hosted services in the catalogue (openrouter, groq, deepseek, ...) have a price;
      // a server named e.g. "vllm" is self-hosted and stays unpriced.
      const service = (parsed.service ?? "").toLowerCase();
      return catalogue().findProvider({ providerId: service }) ? { providerId: service, model: parsed.model } : null;
    }
    case "mockllm":
      return null;
  }
}

/** Cost of one call in USD, or null when the model's price is unknown. */
export function estimateCostUsd(modelName: string, usage: Usage): number | null {
  const target = priceProvider(modelName);
  if (!target) return null;
  try {
    const price = catalogue().calcPrice(
      {
        // genai-prices wants the total input, cache reads and writes included (as our Usage has it).
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
        cache_read_tokens: usage.cacheReadTokens ?? 0,
        cache_write_tokens: usage.cacheWriteTokens ?? 0,
      },
      target.model,
      { providerId: target.providerId },
    );
    return price ? price.total_price : null;
  } catch {
    // Inconsistent usage (e.g. more cached than total tokens from a quirky server): no price.
    return null;
  }
}
