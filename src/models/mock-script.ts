/**
 * Scripted `mockllm` models: replies read from a JSON file, so an offline run can show tool calls,
 * a rollback and a scored judge answer (`petri-mcp demo`, tests, your own experiments).
 *
 * Two ways to name a script:
 *   - `mockllm/script:<path>`: the file holds one model's replies (a list, or {replies, when_done});
 *   - `PETRI_MOCKLLM_SCRIPT=<path>`: the file is keyed by model name, and `mockllm/<name>` replies from
 *     its key (`<name>` or `mockllm/<name>`); names without a key stay unscripted. A file that is a
 *     plain list scripts every `mockllm/<name>` model, each from its own copy.
 * Each reply is used once, in order; after the last, the model fails with a clear error
 * (`"when_done": "fail"`, the default) or repeats the last reply (`"when_done": "repeat_last"`).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { MockLLM, type MockOutput } from "./mockllm.js";
import { ModelError } from "./types.js";

const ToolCallSchema = z
  .object({
    id: z.string().min(1).optional().describe("The call's id (answer it with send_tool_call_result); generated when absent"),
    function: z.string().min(1).describe("The tool's name"),
    arguments: z.record(z.string(), z.unknown()).optional().describe("The call's arguments"),
  })
  .strict();

/** A reply: a string is short for {"text": …}. */
const ReplySchema = z.preprocess(
  (value) => (typeof value === "string" ? { text: value } : value),
  z
    .object({
      text: z.string().optional().describe("The reply's text"),
      reasoning: z.string().optional().describe("Reasoning shown as the model's thinking"),
      tool_calls: z.array(ToolCallSchema).optional().describe("Tool calls the model makes"),
      error: z.string().optional().describe("Fail this call with this message instead of replying"),
    })
    .strict(),
);

const RepliesSchema = z.array(ReplySchema).min(1, "a script needs at least one reply");

const EntryObjectSchema = z
  .object({ replies: RepliesSchema, when_done: z.enum(["fail", "repeat_last"]).default("fail").describe("After the last reply: fail, or repeat it") })
  .strict();

/** One model's script: a list of replies, or {replies, when_done}. Dispatched by shape so errors point at the reply at fault. */
const EntrySchema = z.unknown().transform((value, ctx): MockScriptEntry => {
  const isEntryObject = typeof value === "object" && value !== null && !Array.isArray(value) && "replies" in value;
  const result = isEntryObject ? EntryObjectSchema.safeParse(value) : RepliesSchema.safeParse(value);
  if (!result.success) {
    for (const issue of result.error.issues) ctx.addIssue({ ...issue, code: "custom", message: issue.message, path: issue.path } as never);
    return z.NEVER;
  }
  return Array.isArray(result.data) ? { replies: result.data, whenDone: "fail" } : { replies: result.data.replies, whenDone: result.data.when_done };
});

export type MockScriptReply = z.infer<typeof ReplySchema>;
export interface MockScriptEntry {
  replies: MockScriptReply[];
  whenDone: "fail" | "repeat_last";
}
/** A parsed script file: one model's replies, or replies keyed by model name. */
export type MockScript = { path: string; single: MockScriptEntry } | { path: string; byName: Map<string, MockScriptEntry> };

export const SCRIPT_PREFIX = "script:";
export const MOCK_SCRIPT_ENV = "PETRI_MOCKLLM_SCRIPT";

/** `at [0].tool_calls[0].function: expected string, …; at auditor: …` */
function describeIssues(error: z.ZodError): string {
  const where = (path: PropertyKey[]) =>
    path.length === 0 ? "the file" : path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
  return error.issues
    .slice(0, 5)
    .map((issue) => `${where(issue.path)}: ${issue.message.replace(/^Invalid input: /, "")}`)
    .join("; ");
}

/** Reads and validates a script file; throws a ModelError naming the file and what is wrong. */
export function loadMockScript(path: string): MockScript {
  const full = resolve(path);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(full, "utf8"));
  } catch (error) {
    const why = error instanceof SyntaxError ? `is not valid JSON (${error.message.replace(/\s+/g, " ")})` : `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    throw new ModelError("not_configured", `The mockllm script ${full} ${why}.`);
  }
  const keyed = typeof raw === "object" && raw !== null && !Array.isArray(raw) && !("replies" in raw);
  const parsed = keyed ? z.record(z.string(), EntrySchema).safeParse(raw) : EntrySchema.safeParse(raw);
  if (!parsed.success) {
    throw new ModelError(
      "not_configured",
      `The mockllm script ${full} is not valid: ${describeIssues(parsed.error)}. ` +
        `Write a list of replies (text, or {text?, reasoning?, tool_calls?: [{id?, function, arguments}]}), or an object of such lists keyed by model name.`,
    );
  }
  if (!keyed) return { path: full, single: parsed.data as MockScriptEntry };
  return { path: full, byName: new Map(Object.entries(parsed.data as Record<string, MockScriptEntry>)) };
}

function toOutput(reply: MockScriptReply): MockOutput {
  if (reply.error !== undefined) return { error: new ModelError("unknown", reply.error) };
  return {
    text: reply.text,
    reasoning: reply.reasoning,
    toolCalls: reply.tool_calls?.map((call) => ({ id: call.id, function: call.function, arguments: call.arguments })),
  };
}

/** Queues the entry's replies on the model, then what happens after the last one. */
function applyEntry(model: MockLLM, entry: MockScriptEntry, label: string): MockLLM {
  const outputs = entry.replies.map(toOutput);
  model.script(...outputs);
  const last = outputs[outputs.length - 1]!;
  model.respondWith(() => {
    if (entry.whenDone === "repeat_last") return last;
    return {
      error: new ModelError(
        "bad_request",
        `${model.name} has used all ${outputs.length} replies of ${label}; add replies, or set "when_done": "repeat_last" to repeat the last one.`,
      ),
    };
  });
  return model;
}

/**
 * The mock model for `mockllm/<model>`: scripted from `mockllm/script:<path>`, from the shared
 * script (PETRI_MOCKLLM_SCRIPT) when it has replies for this name, else the plain mock.
 */
export function createMockModel(fullName: string, model: string, sharedScript?: string): MockLLM {
  if (model.startsWith(SCRIPT_PREFIX)) {
    const path = model.slice(SCRIPT_PREFIX.length);
    if (path.trim() === "") throw new ModelError("not_configured", `'${fullName}' names no file: write mockllm/script:<path to a JSON file of replies>.`);
    const script = loadMockScript(path);
    if (!("single" in script)) {
      throw new ModelError(
        "not_configured",
        `The mockllm script ${script.path} is keyed by model name (${[...script.byName.keys()].join(", ")}): ` +
          `use it with ${MOCK_SCRIPT_ENV}=${path} and models named mockllm/<key>, or give ${fullName} a list of replies.`,
      );
    }
    return applyEntry(new MockLLM(fullName), script.single, script.path);
  }
  if (sharedScript) {
    const script = loadMockScript(sharedScript);
    const entry = "single" in script ? script.single : (script.byName.get(fullName) ?? script.byName.get(model));
    if (entry) return applyEntry(new MockLLM(fullName), entry, `${script.path}${"single" in script ? "" : ` (key '${script.byName.has(fullName) ? fullName : model}')`}`);
  }
  return new MockLLM(fullName);
}
