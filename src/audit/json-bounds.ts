/**
 * Bounded inspection of untrusted JSON values (tool schemas, tool-call arguments): how deep they
 * nest and how many values they hold, found by an iterative walk with an explicit stack that stops
 * as soon as a bound is passed. Work is at most `maxNodes` steps, whatever the value, and nothing
 * recurses, so a value nested thousands of levels deep cannot overflow the call stack.
 */

export interface JsonBounds {
  /** Deepest allowed nesting; a scalar or an empty container at the top is depth 1. */
  maxDepth: number;
  /** Most values (objects, arrays and scalars, keys not counted) allowed in all. */
  maxNodes: number;
}

export interface JsonBoundsBreach {
  kind: "depth" | "nodes";
  /** Where the bound was passed, as `root.key[0]…` (clipped). */
  path: string;
}

const MAX_PATH = 200;

function childPath(parent: string, key: string | number): string {
  if (parent.length > MAX_PATH) return parent;
  const next = typeof key === "number" ? `${parent}[${key}]` : /^[A-Za-z_][\w-]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key.slice(0, 40))}]`;
  return next.length > MAX_PATH ? `${next.slice(0, MAX_PATH)}…` : next;
}

/** The first bound `value` passes, or null when it stays within them. */
export function jsonBoundsBreach(value: unknown, bounds: JsonBounds, root = "value"): JsonBoundsBreach | null {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 1, path: root }];
  let nodes = 0;
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (++nodes > bounds.maxNodes) return { kind: "nodes", path: item.path };
    if (item.depth > bounds.maxDepth) return { kind: "depth", path: item.path };
    const v = item.value;
    if (typeof v !== "object" || v === null) continue;
    const keys = Array.isArray(v) ? null : Object.keys(v);
    const count = keys ? keys.length : (v as unknown[]).length;
    // Every value on the stack will be counted, so a container too big to fit is refused before
    // its children are pushed: the stack never grows past maxNodes.
    if (nodes + stack.length + count > bounds.maxNodes) return { kind: "nodes", path: item.path };
    for (let i = count - 1; i >= 0; i--) {
      const key = keys ? keys[i]! : i;
      stack.push({ value: (v as Record<string | number, unknown>)[key], depth: item.depth + 1, path: childPath(item.path, key) });
    }
  }
  return null;
}
