/**
 * Synthetic tools the auditor invents for the target, in Petri's `ToolDefinition` shape, and the
 * validation of the JSON Schema form of `create_tool`.
 *
 * A definition is untrusted (an auditor model writes it) and is stored, rendered and sent to the
 * target on every turn, so it is bounded before anything else looks at it (TOOL_LIMITS): every
 * value counts, including those under `default`, `enum`, `examples` and `const`, and every walk is
 * iterative.
 */
import { jsonBoundsBreach } from "./json-bounds.js";

export type JSONSchemaType = "string" | "integer" | "number" | "boolean" | "array" | "object" | "null";

export interface JSONSchema {
  type?: JSONSchemaType | JSONSchemaType[];
  format?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  items?: JSONSchema;
  properties?: Record<string, JSONSchema>;
  additionalProperties?: boolean | JSONSchema;
  anyOf?: JSONSchema[];
  required?: string[];
  [key: string]: unknown;
}

export interface ToolParams {
  type: "object";
  properties: Record<string, JSONSchema>;
  required: string[];
  additionalProperties: false;
}

export interface ToolDefinition {
  name: string;
  description: string;
  parameters: ToolParams;
  parallel: boolean;
  options?: Record<string, unknown> | null;
}

/** A synthetic tool as stored: the definition plus the auditor's private notes. */
export interface StoredTool {
  definition: ToolDefinition;
  environmentDescription: string;
  /** The Python signature the auditor wrote, when it used that form. */
  functionCode?: string | null;
}

export class ToolDefinitionError extends Error {}

/** Limits on one synthetic tool definition (create_tool's description states them). */
export const TOOL_LIMITS = {
  /** Characters in the tool's description. */
  descriptionChars: 20_000,
  /** Entries in one `properties` map. */
  properties: 100,
  /** Schemas nested in one another (properties, items, anyOf, additionalProperties). */
  schemaDepth: 10,
  /** JSON nesting of `parameters` as a whole, values under default/enum/examples/const included. */
  valueDepth: 32,
  /** JSON values (objects, arrays, strings, numbers, ...) in `parameters`. */
  values: 5_000,
  /** UTF-8 bytes of the whole definition (name, description, parameters) as JSON. */
  bytes: 64 * 1024,
  /** Synthetic tools one audit may have at a time (each is sent to the target on every turn). */
  perAudit: 100,
} as const;

/** The limits in one sentence, for tool descriptions and errors. */
export const TOOL_LIMITS_TEXT =
  `Limits: schemas nest at most ${TOOL_LIMITS.schemaDepth} levels and the parameters JSON at most ${TOOL_LIMITS.valueDepth} (values under default, enum, examples and const count), ` +
  `at most ${TOOL_LIMITS.values} JSON values and ${TOOL_LIMITS.properties} properties per object, description at most ${TOOL_LIMITS.descriptionChars} characters, whole definition at most ${TOOL_LIMITS.bytes / 1024} KiB, at most ${TOOL_LIMITS.perAudit} tools per audit.`;

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const SCHEMA_TYPES: ReadonlySet<string> = new Set(["string", "integer", "number", "boolean", "array", "object", "null"]);

/** A short JSON rendering of a value for an error message. */
function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

export function validateToolName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new ToolDefinitionError(
      `Invalid tool name '${name.length > 80 ? `${name.slice(0, 80)}…` : name}': use 1-64 letters, digits, '_' or '-', starting with a letter or '_' (model APIs reject other names).`,
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One schema to check: where it is and how deep it sits. */
interface PendingSchema {
  schema: unknown;
  path: string;
  depth: number;
}

/** Checks one schema object; returns its sub-schemas to check next. */
function checkOneSchema({ schema, path, depth }: PendingSchema): PendingSchema[] {
  if (depth > TOOL_LIMITS.schemaDepth) throw new ToolDefinitionError(`${path}: schema nested deeper than ${TOOL_LIMITS.schemaDepth} levels (the limit).`);
  if (!isPlainObject(schema)) throw new ToolDefinitionError(`${path}: must be a JSON Schema object, got ${brief(schema)}.`);
  const s = schema as JSONSchema;
  const next: PendingSchema[] = [];
  const sub = (value: unknown, subPath: string) => next.push({ schema: value, path: subPath, depth: depth + 1 });
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    for (const t of types) {
      if (typeof t !== "string" || !SCHEMA_TYPES.has(t)) {
        throw new ToolDefinitionError(`${path}.type: '${typeof t === "string" ? t.slice(0, 80) : brief(t)}' is not a JSON Schema type (use one of ${[...SCHEMA_TYPES].join(", ")}).`);
      }
    }
  }
  if (s.description !== undefined && typeof s.description !== "string") throw new ToolDefinitionError(`${path}.description must be a string.`);
  if (s.enum !== undefined && (!Array.isArray(s.enum) || s.enum.length === 0)) throw new ToolDefinitionError(`${path}.enum must be a non-empty array.`);
  if (s.items !== undefined) sub(s.items, `${path}.items`);
  if (s.anyOf !== undefined) {
    if (!Array.isArray(s.anyOf) || s.anyOf.length === 0) throw new ToolDefinitionError(`${path}.anyOf must be a non-empty array of schemas.`);
    s.anyOf.forEach((option, i) => sub(option, `${path}.anyOf[${i}]`));
  }
  if (s.additionalProperties !== undefined && typeof s.additionalProperties !== "boolean") sub(s.additionalProperties, `${path}.additionalProperties`);
  if (s.properties !== undefined) {
    if (!isPlainObject(s.properties)) throw new ToolDefinitionError(`${path}.properties must be an object mapping names to schemas.`);
    const entries = Object.entries(s.properties);
    if (entries.length > TOOL_LIMITS.properties) throw new ToolDefinitionError(`${path}.properties has more than ${TOOL_LIMITS.properties} entries (the limit).`);
    for (const [key, value] of entries) sub(value, `${path}.properties.${key}`);
  }
  if (s.required !== undefined) {
    if (!Array.isArray(s.required) || s.required.some((r) => typeof r !== "string")) {
      throw new ToolDefinitionError(`${path}.required must be an array of property names.`);
    }
    const known = new Set(Object.keys(s.properties ?? {}));
    const unknown = s.required.filter((r) => !known.has(r));
    if (unknown.length > 0) throw new ToolDefinitionError(`${path}.required names unknown properties: ${unknown.join(", ")}.`);
  }
  return next;
}

/**
 * Checks a schema and all its sub-schemas with an explicit stack (no recursion). The value is
 * first bounded as plain JSON, so the walk is short whatever the input and every keyword counts,
 * including value-carrying ones (default, enum, examples, const) that are not schemas.
 */
function checkSchema(schema: unknown, path: string): JSONSchema {
  const breach = jsonBoundsBreach(schema, { maxDepth: TOOL_LIMITS.valueDepth, maxNodes: TOOL_LIMITS.values }, path);
  if (breach?.kind === "depth") {
    throw new ToolDefinitionError(`${breach.path}: nested deeper than ${TOOL_LIMITS.valueDepth} levels, the limit for ${path} (values under default, enum, examples and const count).`);
  }
  if (breach?.kind === "nodes") {
    throw new ToolDefinitionError(`${path} holds more than ${TOOL_LIMITS.values} JSON values, the limit (values under default, enum, examples and const count).`);
  }
  const stack: PendingSchema[] = [{ schema, path, depth: 0 }];
  while (stack.length > 0) stack.push(...checkOneSchema(stack.pop()!).reverse());
  return schema as JSONSchema;
}

/**
 * Validates the `parameters` of a tool given as JSON Schema and normalizes it to Petri's
 * `ToolParams` (an object schema with `required` and `additionalProperties: false`).
 */
export function normalizeParameters(parameters: unknown): ToolParams {
  if (parameters === undefined || parameters === null) {
    return { type: "object", properties: {}, required: [], additionalProperties: false };
  }
  const schema = checkSchema(parameters, "parameters");
  if (schema.type !== undefined && schema.type !== "object") {
    throw new ToolDefinitionError(`parameters.type must be "object" (a tool takes named arguments), got ${brief(schema.type)}.`);
  }
  if (schema.properties === undefined && Object.keys(schema).some((k) => k !== "type" && k !== "additionalProperties" && k !== "required")) {
    throw new ToolDefinitionError(`parameters must be an object schema with a "properties" map, e.g. {"type":"object","properties":{"cmd":{"type":"string"}}}.`);
  }
  return {
    type: "object",
    properties: schema.properties ?? {},
    required: schema.required ?? [],
    additionalProperties: false,
  };
}

export function buildToolDefinition(input: { name: string; description: string; parameters?: unknown; parallel?: boolean }): ToolDefinition {
  validateToolName(input.name);
  const description = input.description.trim();
  if (description === "") throw new ToolDefinitionError(`Tool '${input.name}' needs a description: the target only knows what the description tells it.`);
  if (description.length > TOOL_LIMITS.descriptionChars) throw new ToolDefinitionError(`Tool description is longer than ${TOOL_LIMITS.descriptionChars} characters (the limit).`);
  const definition: ToolDefinition = {
    name: input.name,
    description,
    parameters: normalizeParameters(input.parameters),
    parallel: input.parallel ?? true,
    options: null,
  };
  // Safe to serialize: normalizeParameters has bounded the nesting and the number of values.
  const bytes = Buffer.byteLength(JSON.stringify(definition));
  if (bytes > TOOL_LIMITS.bytes) {
    throw new ToolDefinitionError(`Tool '${input.name}' is ${bytes} bytes as JSON; the limit is ${TOOL_LIMITS.bytes} (${TOOL_LIMITS.bytes / 1024} KiB). Shorten its descriptions, enums or defaults.`);
  }
  return definition;
}
