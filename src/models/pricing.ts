import type { Usage } from "./types.js";

/**
 * Cost of one call in USD, or null when the model's price is unknown.
 * TODO(issue 3): price known models from @pydantic/genai-prices.
 */
export function estimateCostUsd(_modelName: string, _usage: Usage): number | null {
  return null;
}
