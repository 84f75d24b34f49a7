/**
 * The runner's way into the audit: our own MCP server and an SDK Client linked in memory, so the
 * built-in auditor goes through exactly the tools, validation and store any external client uses.
 * The server runs in runner mode: max_turns counts auditor turns, audits carry the run id and the
 * auditor model, and auditor calls are not recorded by the server (the loop records the auditor's
 * real conversation itself).
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { AppContext } from "../context.js";
import { createServer } from "../server.js";
import { ERROR_CODE_META } from "../tools/define.js";
import { VERSION } from "../version.js";
import { callSignal } from "./stop.js";

/** The MCP client's own 60 s request timeout would cut off long target calls; model timeouts bound them instead. */
const NO_REQUEST_TIMEOUT_MS = 2 ** 31 - 1;

export interface ToolCallOutcome {
  /** The result's text blocks, joined. */
  text: string;
  isError: boolean;
  /** The error code of an error result (an AuditErrorCode, or "internal" when the server gave none). */
  errorCode: string | null;
  structured: Record<string, unknown> | undefined;
}

export interface SessionOptions {
  runId: string;
  auditorModel: string;
  /** The audit's epoch (repetition of its seed × target), recorded on the audit. */
  epoch?: number;
}

export class AuditorSession {
  private constructor(
    private readonly client: Client,
    private readonly closeServer: () => Promise<void>,
  ) {}

  static async open(app: AppContext, options: SessionOptions): Promise<AuditorSession> {
    const server = createServer(app, { recordAuditorCalls: false, auditDefaults: { turnLimit: "auditor", runId: options.runId, auditorModel: options.auditorModel, epoch: options.epoch } });
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    const client = new Client({ name: "petri-mcp-runner", version: VERSION });
    await client.connect(clientTransport);
    return new AuditorSession(client, () => server.close());
  }

  async listTools(): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.client.listTools(cursor ? { cursor } : undefined);
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  }

  /** Calls a tool. Rejects only when the call itself could not complete (aborted, session closed). */
  async call(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<ToolCallOutcome> {
    const linked = signal ? callSignal(signal) : undefined;
    let result: CallToolResult;
    try {
      result = (await this.client.callTool({ name, arguments: args }, undefined, { signal: linked?.signal, timeout: NO_REQUEST_TIMEOUT_MS })) as CallToolResult;
    } finally {
      linked?.release();
    }
    const text = result.content
      .filter((block) => block.type === "text")
      .map((block) => block.text)
      .join("\n");
    const isError = result.isError === true;
    const code = result._meta?.[ERROR_CODE_META];
    return {
      text,
      isError,
      errorCode: isError ? (typeof code === "string" ? code : "internal") : null,
      structured: result.structuredContent,
    };
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
    await this.closeServer().catch(() => undefined);
  }
}
