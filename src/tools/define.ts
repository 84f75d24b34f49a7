/**
 * One way to declare an MCP tool: zod input and output schemas, annotations derived from the
 * tool's operation type in the catalogue (as MongoDB's MCP server does), a text block plus
 * `structuredContent`, expected failures returned as `isError` results with actionable text, and
 * the auditor-view record of every successful call the catalogue marks `recorded`.
 */
import type { McpServer, RegisteredTool } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ContentBlock, ServerNotification, ServerRequest, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";
import { CATALOGUE, type OperationType, type ToolName } from "../audit/catalogue.js";
import { AuditError } from "../audit/errors.js";
import type { AuditService } from "../audit/service.js";
import type { AuditorCall, OperationOptions } from "../audit/service-types.js";
import type { AppContext } from "../context.js";
import type { TurnLimit } from "../store/types.js";
import { log, redactSecrets } from "../log.js";
import { storageProblem } from "../store/errors.js";
import { KeyedQueue } from "../util/keyed-queue.js";

export type { OperationType };

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

/** What a handler gets besides its arguments. */
export interface ToolCall {
  extra: ToolExtra;
  /**
   * Options for the AuditService operation the call performs: the request's abort signal and, when
   * the catalogue records this tool (and the session records calls), the auditor-view record, which
   * the operation writes in its own transaction. A recorded call whose handler never asks for them
   * (a read) is recorded by registerTool once it succeeds.
   */
  operationOptions(): OperationOptions;
}

/** What a tool's handler file declares; name, title, operation and recording come from the catalogue. */
export interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  description: string;
  input: I;
  output: O;
  /**
   * Run this session's calls of this tool on one audit in order with its other turn-taking calls
   * (default: for "replace" and "model" operations, which change the conversation).
   */
  serialize?: boolean;
  /** The tool's `_meta` (e.g. the MCP App page that renders its result). */
  meta?: Record<string, unknown>;
  handler: (args: z.infer<I>, call: ToolCall) => ToolOutput<z.input<O>> | Promise<ToolOutput<z.input<O>>>;
}

/** A tool's spec, built per session from its ToolContext. */
export interface DefinedTool<N extends ToolName = ToolName> {
  name: N;
  build(ctx: ToolContext): ToolSpec<z.ZodObject, z.ZodObject>;
}

/** Declares the MCP side of a catalogue entry (one per file under src/tools/<group>/). */
export function defineTool<N extends ToolName, I extends z.ZodObject, O extends z.ZodObject>(name: N, build: (ctx: ToolContext) => ToolSpec<I, O>): DefinedTool<N> {
  return { name, build: build as unknown as DefinedTool<N>["build"] };
}

/** Identity: lets TypeScript infer a spec's argument types from its input schema. */
export function toolSpec<I extends z.ZodObject, O extends z.ZodObject>(spec: ToolSpec<I, O>): ToolSpec<I, O> {
  return spec;
}

/** A spec with what the catalogue adds to it. */
export interface NamedToolSpec<I extends z.ZodObject, O extends z.ZodObject> extends ToolSpec<I, O> {
  name: string;
  title: string;
  operation: OperationType;
  recorded?: boolean;
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

/** Registers a catalogue tool: its spec from its handler file, the rest from its catalogue entry. */
export function registerCatalogueTool(server: McpServer, ctx: ToolContext, tool: DefinedTool): RegisteredTool {
  const entry = CATALOGUE[tool.name];
  return registerTool(server, ctx, { ...tool.build(ctx), name: tool.name, title: entry.title, operation: entry.operation, recorded: entry.recorded });
}

export function registerTool<I extends z.ZodObject, O extends z.ZodObject>(server: McpServer, ctx: ToolContext, spec: NamedToolSpec<I, O>): RegisteredTool {
  const serialize = spec.serialize ?? (spec.operation === "replace" || spec.operation === "model");
  const run = async (args: z.infer<I>, extra: ToolExtra): Promise<CallToolResult> => {
    try {
      const auditId = (args as { audit_id?: unknown }).audit_id;
      let record: AuditorCall | undefined = spec.recorded && ctx.recordAuditorCalls && typeof auditId === "string" ? { tool: spec.name, arguments: recordedArguments(args) } : undefined;
      const call: ToolCall = {
        extra,
        operationOptions: () => {
          const options = { signal: extra.signal, record };
          record = undefined;
          return options;
        },
      };
      const out = await spec.handler(args, call);
      const structured = spec.output.parse(out.structured) as Record<string, unknown>;
      if (record) await ctx.service.recordAuditorCall(auditId as string, record, out.text);
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
      ...(spec.meta ? { _meta: spec.meta } : {}),
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
