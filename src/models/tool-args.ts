/** Tool call arguments that travel as a JSON string (OpenAI Chat Completions and Responses), parsed defensively. */
import type { ToolCall } from "../core/messages.js";

export function parseToolArguments(raw: string): Pick<ToolCall, "arguments" | "parse_error"> {
  try {
    const value: unknown = raw.trim() === "" ? {} : JSON.parse(raw);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return { arguments: value as Record<string, unknown> };
    return { arguments: {}, parse_error: `The arguments are not a JSON object: ${raw}` };
  } catch (error) {
    return { arguments: {}, parse_error: `The arguments are not valid JSON (${error instanceof Error ? error.message : String(error)}): ${raw}` };
  }
}
