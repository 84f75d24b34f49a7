/**
 * One way to declare an MCP tool: zod input and output schemas, annotations derived from the
 * tool's operation type (as MongoDB's MCP server does), a text block plus `structuredContent`, and
 * expected failures returned as `isError` results with actionable text.
 */
import type { McpServer, RegisteredTool } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ContentBlock, ServerNotification, ServerRequest, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";
import { AuditError } from "../audit/errors.js";
import type { AuditService } from "../audit/service.js";
import type { AppContext } from "../context.js";
import type { TurnLimit } from "../store/types.js";
import { log, redactSecrets } from "../log.js";
import { storageProblem } from "../store/errors.js";
import { KeyedQueue } from "../util/keyed-queue.js";

/**
 * - read: looks only (views, listings, file reads).
 * - create: adds something new (an audit).
 * - replace: changes or removes existing state; repeating it changes nothing more.
 * - model: may call a model and appends to the conversation.
 * - file: writes a file outside the store.
 */
export type OperationType = "read" | "create" | "replace" | "model" | "file";

export const OPERATION_ANNOTATIONS: Record<OperationType, Omit<ToolAnnotations, "title">> = {
  read: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  create: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  replace: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  model: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  file: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
};

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Per-session state of the tool layer. */
export interface ToolContext {
  app: AppContext;
  service: AuditService;
  /** Serializes this session's calls on one audit. */
  queue: KeyedQueue;
  /** Record each successful audit call in the auditor view (MCP mode). */
  recordAuditorCalls: boolean;
  /** The connected client's `name version`, from the MCP handshake. */
  clientName(): string | undefined;
  /** Settings applied to every audit this session starts (the runner sets them). */
  auditDefaults: AuditDefaults;
}

export interface AuditDefaults {
  turnLimit?: TurnLimit;
  runId?: string;
  auditorModel?: string;
  /** The repetition of its seed × target in the run (the runner's --epochs). */
  epoch?: number;
}

export function createToolContext(app: AppContext, clientName: () => string | undefined, recordAuditorCalls = true, auditDefaults: AuditDefaults = {}): ToolContext {
  return { app, service: app.service, queue: new KeyedQueue(), recordAuditorCalls, clientName, auditDefaults };
}

export interface ToolOutput<T> {
  text: string;
  structured: T;
  /** Extra content blocks after the text (e.g. a resource_link). */
  content?: ContentBlock[];
}

export interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  operation: OperationType;
  input: I;
  output: O;
  /**
   * Run this session's calls of this tool on one audit in order with its other turn-taking calls
   * (default: for "replace" and "model" operations, which change the conversation).
   */
  serialize?: boolean;
  handler: (args: z.infer<I>, extra: ToolExtra) => ToolOutput<z.input<O>> | Promise<ToolOutput<z.input<O>>>;
}

/** Key of the error code (an AuditErrorCode or "internal") in an error result's `_meta`. */
export const ERROR_CODE_META = "petri-mcp/error_code";

export function errorResult(text: string, code = "internal"): CallToolResult {
  return { isError: true, content: [{ type: "text", text }], _meta: { [ERROR_CODE_META]: code } };
}

/** The argument object as recorded in the auditor view (audit_id is implied). */
export function recordedArguments(args: Record<string, unknown>): Record<string, unknown> {
  const { audit_id: _auditId, ...rest } = args;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}

export function registerTool<I extends z.ZodObject, O extends z.ZodObject>(server: McpServer, ctx: ToolContext, spec: ToolSpec<I, O>): RegisteredTool {
  const serialize = spec.serialize ?? (spec.operation === "replace" || spec.operation === "model");
  const run = async (args: z.infer<I>, extra: ToolExtra): Promise<CallToolResult> => {
    try {
      const out = await spec.handler(args, extra);
      const structured = spec.output.parse(out.structured) as Record<string, unknown>;
      return { content: [{ type: "text", text: out.text }, ...(out.content ?? [])], structuredContent: structured };
    } catch (error) {
      if (error instanceof AuditError) return errorResult(error.message, error.code);
      const storage = storageProblem(error);
      if (storage) {
        log.warn(`tool ${spec.name}: ${storage.message}`);
        return errorResult(storage.message, storage.code);
      }
      log.error(`tool ${spec.name} failed unexpectedly`, error);
      return errorResult(redactSecrets(`Internal error in ${spec.name}: ${error instanceof Error ? error.message : String(error)}. This is a petri-mcp bug; please report it.`));
    }
  };
  return server.registerTool(
    spec.name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema: spec.input,
      outputSchema: spec.output,
      annotations: { title: spec.title, ...OPERATION_ANNOTATIONS[spec.operation] },
    },
    (async (args: z.infer<I>, extra: ToolExtra) => {
      const auditId = (args as { audit_id?: unknown }).audit_id;
      if (typeof auditId !== "string") return run(args, extra);
      // Changes are announced by the store once they commit (app.changes, fed by store.onChange), not here.
      return ctx.app.activity.track(() => (serialize ? ctx.queue.run(auditId, () => run(args, extra)) : run(args, extra)));
    }) as never,
  );
}

/** The `audit_id` argument every audit tool takes. */
export const auditIdArg = z
  .string()
  .min(1)
  .max(64)
  .describe("The audit to act on: the audit_id returned by start_audit (list_audits shows existing ones).");
