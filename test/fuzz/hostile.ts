/**
 * Hostile input shapes (issue 14): deep nesting, huge repetition and catastrophic regexes, as an
 * auditor model or a network client could send them. The random fuzzer mixes them into its
 * arguments (arbitraries.ts); hostile-shapes.test.ts sends each one on purpose.
 *
 * Values are built once, iteratively (a recursive builder would itself overflow the stack).
 */

/** `[[[…1…]]]` nested `depth` deep. */
export function nestedArray(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** `{"a":{"a":…1…}}` nested `depth` deep. */
export function nestedObject(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

const DOC = '\n    """Do it.\n\n    Args:\n        x: The input.\n    """\n    ...';

/** function_code that is deep, repetitive, or made to backtrack. */
export const HOSTILE_FUNCTION_CODE: readonly string[] = [
  `def f(x: ${"list[".repeat(16_000)}int${"]".repeat(16_000)}):${DOC}`,
  `def f(x: "${"dict[str, ".repeat(8_000)}int${"]".repeat(8_000)}"):${DOC}`,
  `def f(${"(".repeat(40_000)}${")".repeat(40_000)}):${DOC}`,
  `def f(x: ${"int | ".repeat(16_000)}int):${DOC}`,
  `def f(x: Literal[${"'a', ".repeat(19_000)}'a']):${DOC}`,
  `def f(x: float = ${"1".repeat(99_000)}x):${DOC}`,
  `def f(x: int)${" ".repeat(99_000)}x`,
  `def f(x: int) -> a${" ".repeat(99_000)}x`,
  `def f(x: int):\n    """Doc.\n\n    Args:\n        x${" ".repeat(99_000)}y\n    """`,
  `def f(x: int):\n    """Doc.\n\n    Args:\n        x: X.\n${"        more\n".repeat(2_000)}    """`,
];

/** JSON Schema `parameters` whose values nest deep or repeat a lot. */
export const HOSTILE_PARAMETERS: readonly Record<string, unknown>[] = [
  { type: "object", properties: { x: { type: "array", default: nestedArray(3_500) } } },
  { type: "object", properties: { x: { type: "array", default: nestedArray(100_000) } } },
  { type: "object", properties: { x: { type: "object", default: nestedObject(3_000) } } },
  { type: "object", properties: { x: { enum: [nestedArray(50)] } } },
  { type: "object", properties: { x: { examples: [nestedObject(50)] } } },
  { type: "object", properties: { x: { const: nestedArray(50) } } },
  { type: "object", properties: { x: { type: "integer", enum: Array.from({ length: 100_000 }, (_, i) => i) } } },
  { type: "object", properties: { x: { type: "string", default: "ab".repeat(50_000) } } },
  { type: "object", properties: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, { type: "string" }])) },
  { type: "object", properties: { x: nestedObjectSchema(12) } },
];

function nestedObjectSchema(depth: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: "string" };
  for (let i = 0; i < depth; i++) schema = { type: "object", properties: { y: schema } };
  return schema;
}

/**
 * Patterns that backtrack exponentially in a backtracking engine. search_in_files runs RE2 syntax
 * on a linear-time engine; the fuzz fixture's lines stay short (see episode.ts) so that even a
 * backtracking engine would finish, and each call must answer within a generous bound.
 */
export const CATASTROPHIC_PATTERNS: readonly string[] = [
  "(a+)+$",
  "(a|aa)*b",
  "(.*a){20}",
  "^(a|a?)+$",
  "(\\w+\\s?)*$",
  "(x+x+)+y",
  "([a-z]+)*[0-9]",
  `${"(".repeat(400)}a${")".repeat(400)}`,
  "a{1000}{1000}",
];

/**
 * Strings that repeat something a lot: backticks (fenced in views), brackets, one character. Kept
 * to tens of kilobytes because accepted ones are stored, and the fuzzer dumps the store after
 * every successful call.
 */
export const HUGE_REPETITIONS: readonly string[] = ["`a".repeat(20_000), "[".repeat(40_000), `${"a".repeat(40_000)}!`, "\u0000".repeat(10_000)];

/** Deeply nested JSON, as a value of the wrong type for any argument. */
export const DEEP_VALUES: readonly unknown[] = [nestedArray(3_500), nestedObject(3_000)];

/** Lines of the fuzz fixture's `redos.txt`: what the catastrophic patterns backtrack on. */
export const REDOS_LINES: readonly string[] = [`${"a".repeat(20)}!`, `${"a".repeat(19)}`, "x".repeat(20), `${"word ".repeat(8)}!`, "a a a a a a a a a a a a a a a a a a a"];
