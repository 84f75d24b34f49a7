/**
 * A linear scan of a raw JSON message for its bracket nesting depth, run before `JSON.parse`:
 * parsing millions of nested brackets blocks the event loop for seconds, and nothing petri-mcp
 * accepts nests anywhere near this deep (tool schemas stop at 32 levels).
 */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** True when the JSON text nests objects and arrays deeper than `max` (strings are skipped). */
export function nestsDeeperThan(bytes: Uint8Array, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

export const TOO_DEEP_MESSAGE = `the message nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep. Send flatter arguments.`;
