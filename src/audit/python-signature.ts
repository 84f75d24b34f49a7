/**
 * Parses a Petri-style `function_code`: one Python `def` with type hints, literal defaults and a
 * Google-style docstring, into a ToolDefinition. Only the signature and the docstring matter; the
 * body is never run.
 *
 * The code is untrusted (an auditor model writes it), so every step is bounded: bracket scanning is
 * iterative, brackets and type annotations nest at most MAX_NESTING levels (checked before going
 * deeper, so the work stays linear in the code's length), and no regex here can backtrack
 * super-linearly.
 */
import { buildToolDefinition, type JSONSchema, type ToolDefinition, ToolDefinitionError } from "./synthetic-tools.js";

/** How deep brackets, and type annotations inside one another, may nest in function_code. */
export const MAX_NESTING = 32;

function fail(reason: string): never {
  throw new ToolDefinitionError(`Error creating tool from function_code: ${reason}`);
}

function dedent(code: string): string {
  const lines = code.replace(/\r\n?/g, "\n").replace(/\t/g, "    ").split("\n");
  let min = Infinity;
  for (const l of lines) if (l.trim() !== "") min = Math.min(min, /^ */.exec(l)![0].length);
  if (min === Infinity) min = 0;
  return lines.map((l) => l.slice(min)).join("\n");
}

/** Index just past the string literal starting at `i` (handles ''' """ ' " and escapes). */
function skipString(src: string, i: number): number {
  const triple = src.startsWith('"""', i) || src.startsWith("'''", i);
  const quote = triple ? src.slice(i, i + 3) : src[i]!;
  let j = i + quote.length;
  while (j < src.length) {
    if (src[j] === "\\") {
      j += 2;
      continue;
    }
    if (src.startsWith(quote, j)) return j + quote.length;
    if (!triple && src[j] === "\n") fail("unterminated string literal.");
    j++;
  }
  return fail("unterminated string literal.");
}

const OPEN: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

function nestingError(): never {
  return fail(`brackets or type annotations are nested deeper than ${MAX_NESTING} levels (the limit).`);
}

/** Pushes the closing bracket for an opening one, refusing nesting past MAX_NESTING. */
function push(stack: string[], open: string): void {
  if (stack.length >= MAX_NESTING) nestingError();
  stack.push(OPEN[open]!);
}

/** Splits `text` on top-level occurrences of `sep`, respecting brackets and strings. */
function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  const stack: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      i = skipString(text, i) - 1;
    } else if (OPEN[c]) {
      push(stack, c);
    } else if (c === ")" || c === "]" || c === "}") {
      if (stack.pop() !== c) fail(`unbalanced '${c}'.`);
    } else if (c === sep && stack.length === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (stack.length > 0) fail("unbalanced brackets.");
  parts.push(text.slice(start));
  return parts;
}

/** Finds the index of the bracket closing the one at `open`. */
function matchBracket(src: string, open: number): number {
  const stack: string[] = [];
  for (let i = open; i < src.length; i++) {
    const c = src[i]!;
    if (c === '"' || c === "'") i = skipString(src, i) - 1;
    else if (OPEN[c]) push(stack, c);
    else if (c === ")" || c === "]" || c === "}") {
      if (stack.pop() !== c) fail(`unbalanced '${c}'.`);
      if (stack.length === 0) return i;
    }
  }
  return fail("the parameter list is not closed.");
}

function parseStringLiteral(text: string): string {
  const m = /^([rRbBuU]{0,2})("""|'''|"|')([\s\S]*)\2$/.exec(text.trim());
  if (!m) fail(`expected a string literal, got ${text.trim()}`);
  const raw = /r/i.test(m[1]!);
  const body = m[3]!;
  if (raw) return body;
  return body.replace(/\\(n|t|r|\\|'|"|\n)/g, (_, e: string) => ({ n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', "\n": "" })[e]!);
}

function parseLiteral(text: string, param: string): unknown {
  const t = text.trim();
  if (t === "None") return null;
  if (t === "True") return true;
  if (t === "False") return false;
  if (/^[+-]?\d[\d_]*$/.test(t)) return Number(t.replace(/_/g, ""));
  // Unambiguous (no two parts can match the same digits), so a long run of digits cannot backtrack.
  if (/^[+-]?(?:\d[\d_]*(?:\.\d[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?$/.test(t)) return Number(t.replace(/_/g, ""));
  if (/^[rRuU]?("""|'''|"|')/.test(t)) return parseStringLiteral(t);
  return fail(`the default of parameter '${param}' must be a literal (a string, number, True, False or None), got '${t}'.`);
}

const SIMPLE_TYPES: Record<string, JSONSchema> = {
  str: { type: "string" },
  int: { type: "integer" },
  float: { type: "number" },
  bool: { type: "boolean" },
  None: { type: "null" },
  NoneType: { type: "null" },
  list: { type: "array" },
  List: { type: "array" },
  tuple: { type: "array" },
  Tuple: { type: "array" },
  set: { type: "array" },
  Sequence: { type: "array" },
  dict: { type: "object" },
  Dict: { type: "object" },
  Mapping: { type: "object" },
  Any: {},
  object: {},
};

function stripModule(name: string): string {
  return name.replace(/^(typing|t|typing_extensions|builtins)\./, "");
}

/**
 * Converts a Python type annotation to a JSON Schema. `depth` counts the annotations this one sits
 * in; past MAX_NESTING the annotation is refused before it is looked at, so the recursion is
 * bounded whatever the input (a quoted forward reference hides its brackets from the scan of the
 * whole signature, so it is counted here).
 */
export function annotationToSchema(annotation: string, depth = 0): JSONSchema {
  if (depth >= MAX_NESTING) nestingError();
  const inner = (a: string) => annotationToSchema(a, depth + 1);
  const text = annotation.trim();
  const union = splitTopLevel(text, "|");
  if (union.length > 1) return unionSchema(union.map(inner));
  const generic = /^([A-Za-z_][\w.]*)\s*\[([\s\S]*)\]$/.exec(text);
  if (!generic) {
    if (/^["']/.test(text)) return inner(parseStringLiteral(text));
    const schema = SIMPLE_TYPES[stripModule(text)];
    if (!schema) fail(`unsupported type annotation '${text}' (use str, int, float, bool, list[...], dict[str, ...], Optional[...], Literal[...] or Any).`);
    return { ...schema };
  }
  const base = stripModule(generic[1]!);
  const args = splitTopLevel(generic[2]!, ",").map((a) => a.trim()).filter((a) => a !== "");
  switch (base) {
    case "list":
    case "List":
    case "set":
    case "Set":
    case "Sequence":
      return { type: "array", items: inner(args[0] ?? "Any") };
    case "tuple":
    case "Tuple":
      return { type: "array", items: args.length === 1 || args[1] === "..." ? inner(args[0] ?? "Any") : unionSchema(args.map(inner)) };
    case "dict":
    case "Dict":
    case "Mapping":
      return { type: "object", additionalProperties: inner(args[1] ?? "Any") };
    case "Optional":
      return unionSchema([inner(args[0] ?? "Any"), { type: "null" }]);
    case "Union":
      return unionSchema(args.map(inner));
    case "Literal": {
      const values = args.map((a) => parseLiteral(a, "Literal"));
      const kinds = new Set(values.map((v) => (v === null ? "null" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v)));
      const schema: JSONSchema = { enum: values };
      if (kinds.size === 1) schema.type = [...kinds][0] as JSONSchema["type"];
      return schema;
    }
    case "Annotated":
      return inner(args[0] ?? "Any");
    default:
      return fail(`unsupported type annotation '${text}'.`);
  }
}

function unionSchema(options: JSONSchema[]): JSONSchema {
  const flat = options.flatMap((o) => (o.anyOf && Object.keys(o).length === 1 ? o.anyOf : [o]));
  return flat.length === 1 ? flat[0]! : { anyOf: flat };
}

/** Like Python's inspect.cleandoc: the first line is trimmed, the rest dedented together. */
function cleandoc(doc: string): string {
  const [first = "", ...rest] = doc.replace(/\r\n?/g, "\n").replace(/\t/g, "    ").split("\n");
  return [first.trim(), ...dedent(rest.join("\n")).split("\n")].join("\n").trim();
}

interface Docstring {
  description: string;
  args: Map<string, string>;
}

const SECTION = /^(Args|Arguments|Parameters|Params|Returns|Return|Yields|Raises|Examples?|Notes?|Attributes|See Also|Warnings?):\s*$/;

/** Parses a Google-style docstring into its description and `Args:` entries. */
export function parseDocstring(doc: string): Docstring {
  const lines = cleandoc(doc).split("\n");
  const description: string[] = [];
  // Continuation lines are collected and joined once (appending to a growing string is quadratic).
  const parts = new Map<string, string[]>();
  let section: string | null = null;
  let current: string | null = null;
  let argIndent = -1;
  for (const line of lines) {
    const trimmed = line.trim();
    const header = SECTION.exec(trimmed);
    if (header && /^\S/.test(line)) {
      section = header[1]!.toLowerCase();
      current = null;
      argIndent = -1;
      continue;
    }
    if (section === null) {
      description.push(line);
      continue;
    }
    if (!["args", "arguments", "parameters", "params"].includes(section) || trimmed === "") continue;
    const indent = /^ */.exec(line)![0].length;
    // The optional "(type)" carries its own trailing spaces, so no two \s* meet (no backtracking).
    const entry = /^\*{0,2}([A-Za-z_]\w*)\s*(?:(\([^)]*\))\s*)?:\s*(.*)$/.exec(trimmed);
    if (entry && (argIndent === -1 || indent <= argIndent)) {
      argIndent = indent;
      current = entry[1]!;
      parts.set(current, [entry[3]!.trim()]);
    } else if (current !== null) {
      parts.get(current)!.push(trimmed);
    }
  }
  const args = new Map([...parts].map(([name, text]) => [name, text.filter((t) => t !== "").join(" ")] as const));
  return { description: description.join("\n").trim(), args };
}

interface ParsedParam {
  name: string;
  annotation?: string;
  defaultText?: string;
}

function parseParam(text: string): ParsedParam | null {
  const t = text.trim();
  if (t === "" || t === "*" || t === "/") return null;
  if (t.startsWith("*")) fail(`variadic parameters ('${t}') are not supported; give every argument a name.`);
  const [head, ...rest] = splitTopLevel(t, "=");
  const defaultText = rest.length > 0 ? rest.join("=") : undefined;
  const [name, ...ann] = splitTopLevel(head!, ":");
  const cleanName = name!.trim();
  if (!/^[A-Za-z_]\w*$/.test(cleanName)) fail(`'${cleanName}' is not a valid parameter name.`);
  if (cleanName === "self" || cleanName === "cls") fail(`'${cleanName}' parameters are not allowed: write a plain function, not a method.`);
  return { name: cleanName, annotation: ann.length > 0 ? ann.join(":") : undefined, defaultText };
}

/**
 * What follows the signature's ':' (optionally after '-> ReturnType'). Scanned by hand: the regex
 * form of this check backtracks quadratically on a long run of spaces.
 */
function signatureEnd(afterParams: string): string {
  let rest = afterParams.trimStart();
  if (rest.startsWith("->")) {
    const colon = rest.indexOf(":");
    if (colon === -1 || rest.slice(2, colon).trim() === "") fail("the signature must end with ':' (optionally after '-> ReturnType').");
    rest = rest.slice(colon);
  }
  if (!rest.startsWith(":")) fail("the signature must end with ':' (optionally after '-> ReturnType').");
  return rest.slice(1);
}

/** Parses Petri-style function code into a tool definition. */
export function parseFunctionCode(code: string): ToolDefinition {
  const src = dedent(code).replace(/^\s*\n/, "").trimEnd();
  const withoutComments = src
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .join("\n")
    .trim();
  const header = /^(async\s+)?def\s+([A-Za-z_]\w*)\s*\(/.exec(withoutComments);
  if (!header) fail("code must contain exactly one function definition and nothing else (it must start with 'def name(').");
  const name = header[2]!;
  const open = header[0].length - 1;
  const close = matchBracket(withoutComments, open);
  const body = signatureEnd(withoutComments.slice(close + 1));

  const docStart = body.search(/\S/);
  const doc = docStart === -1 ? null : /^([rRuU]?)("""|'''|"|')/.exec(body.slice(docStart));
  if (!doc) fail(`function '${name}' must have a docstring: it becomes the tool's description.`);
  const docEnd = skipString(body, docStart + doc[1]!.length);
  const docstring = parseDocstring(parseStringLiteral(body.slice(docStart, docEnd)));
  // After the docstring, everything must still be the function's indented body.
  if (body.slice(docEnd).split("\n").slice(1).some((l) => /^\S/.test(l))) {
    fail("code must contain exactly one function definition and nothing else.");
  }
  if (docstring.description === "") fail(`the docstring of '${name}' needs a description before its Args: section.`);

  // A Map, so names like '__proto__' or 'constructor' are plain names, not Object's members.
  const properties = new Map<string, JSONSchema>();
  const required: string[] = [];
  for (const paramText of splitTopLevel(withoutComments.slice(open + 1, close), ",")) {
    const param = parseParam(paramText);
    if (!param) continue;
    if (properties.has(param.name)) fail(`parameter '${param.name}' appears twice.`);
    if (param.annotation === undefined) fail(`parameter '${param.name}' needs a type annotation (e.g. '${param.name}: str').`);
    const schema = annotationToSchema(param.annotation);
    const description = docstring.args.get(param.name);
    if (!description) fail(`parameter '${param.name}' has no description: add '${param.name}: ...' under 'Args:' in the docstring.`);
    schema.description = description;
    if (param.defaultText !== undefined) schema.default = parseLiteral(param.defaultText, param.name);
    else required.push(param.name);
    properties.set(param.name, schema);
  }
  const unknownArgs = [...docstring.args.keys()].filter((a) => !properties.has(a));
  if (unknownArgs.length > 0) fail(`the docstring describes parameters that the signature lacks: ${unknownArgs.join(", ")}.`);
  return buildToolDefinition({ name, description: docstring.description, parameters: { type: "object", properties: Object.fromEntries(properties), required } });
}
