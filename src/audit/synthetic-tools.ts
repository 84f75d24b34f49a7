/**
 * Synthetic tools the auditor invents for the target, in Petri's `ToolDefinition` shape, and the
 * validation of the JSON Schema form of `create_tool`.
 */

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

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const SCHEMA_TYPES: ReadonlySet<string> = new Set(["string", "integer", "number", "boolean", "array", "object", "null"]);
const MAX_DESCRIPTION = 20_000;
const MAX_PROPERTIES = 100;
const MAX_DEPTH = 10;

export function validateToolName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new ToolDefinitionError(
      `Invalid tool name '${name}': use 1-64 letters, digits, '_' or '-', starting with a letter or '_' (model APIs reject other names).`,
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkSchema(schema: unknown, path: string, depth: number): JSONSchema {
  if (depth > MAX_DEPTH) throw new ToolDefinitionError(`${path}: schema nested deeper than ${MAX_DEPTH} levels.`);
  if (!isPlainObject(schema)) throw new ToolDefinitionError(`${path}: must be a JSON Schema object, got ${JSON.stringify(schema)}.`);
  const s = schema as JSONSchema;
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    for (const t of types) {
      if (typeof t !== "string" || !SCHEMA_TYPES.has(t)) {
        throw new ToolDefinitionError(`${path}.type: '${String(t)}' is not a JSON Schema type (use one of ${[...SCHEMA_TYPES].join(", ")}).`);
      }
    }
  }
  if (s.description !== undefined && typeof s.description !== "string") throw new ToolDefinitionError(`${path}.description must be a string.`);
  if (s.enum !== undefined && (!Array.isArray(s.enum) || s.enum.length === 0)) throw new ToolDefinitionError(`${path}.enum must be a non-empty array.`);
  if (s.items !== undefined) checkSchema(s.items, `${path}.items`, depth + 1);
  if (s.anyOf !== undefined) {
    if (!Array.isArray(s.anyOf) || s.anyOf.length === 0) throw new ToolDefinitionError(`${path}.anyOf must be a non-empty array of schemas.`);
    s.anyOf.forEach((sub, i) => checkSchema(sub, `${path}.anyOf[${i}]`, depth + 1));
  }
  if (s.additionalProperties !== undefined && typeof s.additionalProperties !== "boolean") {
    checkSchema(s.additionalProperties, `${path}.additionalProperties`, depth + 1);
  }
  if (s.properties !== undefined) {
    if (!isPlainObject(s.properties)) throw new ToolDefinitionError(`${path}.properties must be an object mapping names to schemas.`);
    const entries = Object.entries(s.properties);
    if (entries.length > MAX_PROPERTIES) throw new ToolDefinitionError(`${path}.properties has more than ${MAX_PROPERTIES} entries.`);
    for (const [key, sub] of entries) checkSchema(sub, `${path}.properties.${key}`, depth + 1);
  }
  if (s.required !== undefined) {
    if (!Array.isArray(s.required) || s.required.some((r) => typeof r !== "string")) {
      throw new ToolDefinitionError(`${path}.required must be an array of property names.`);
    }
    const known = new Set(Object.keys(s.properties ?? {}));
    const unknown = s.required.filter((r) => !known.has(r));
    if (unknown.length > 0) throw new ToolDefinitionError(`${path}.required names unknown properties: ${unknown.join(", ")}.`);
  }
  return s;
}

/**
 * Validates the `parameters` of a tool given as JSON Schema and normalizes it to Petri's
 * `ToolParams` (an object schema with `required` and `additionalProperties: false`).
 */
export function normalizeParameters(parameters: unknown): ToolParams {
  if (parameters === undefined || parameters === null) {
    return { type: "object", properties: {}, required: [], additionalProperties: false };
  }
  const schema = checkSchema(parameters, "parameters", 0);
  if (schema.type !== undefined && schema.type !== "object") {
    throw new ToolDefinitionError(`parameters.type must be "object" (a tool takes named arguments), got ${JSON.stringify(schema.type)}.`);
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
  if (description.length > MAX_DESCRIPTION) throw new ToolDefinitionError(`Tool description is longer than ${MAX_DESCRIPTION} characters.`);
  return {
    name: input.name,
    description,
    parameters: normalizeParameters(input.parameters),
    parallel: input.parallel ?? true,
    options: null,
  };
}
