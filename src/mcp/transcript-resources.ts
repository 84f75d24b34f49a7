/**
 * MCP resources: `petri://audits` (the most recent audits, JSON) and the template
 * `petri://audits/{audit_id}/transcript` (an audit's Petri v3.0 JSON transcript, always current),
 * with completion of audit ids. Update notifications for subscribers are sent by src/server.ts.
 */
import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { AUDITS_URI, TRANSCRIPT_URI } from "./uris.js";
import { listItem } from "./audit-list-item.js";
import type { AuditRecord, AuditStore } from "../store/types.js";
import type { ToolContext } from "../tools/define.js";
import { loadExportData } from "../export/load.js";
import { buildPetriTranscript } from "../transcript/petri-json.js";

/** How many audits petri://audits and the template listing show. */
export const RECENT_AUDITS = 50;
/** MCP's error code for an unknown resource. */
const RESOURCE_NOT_FOUND = -32002;
const JSON_MIME = "application/json";

function auditSummary(audit: AuditRecord) {
  return { ...listItem(audit), auditor_model: audit.auditorModel, transcript_uri: TRANSCRIPT_URI(audit.id) };
}

/** The body of petri://audits. */
export async function recentAuditsJson(store: AuditStore, limit = RECENT_AUDITS): Promise<string> {
  const { audits, total } = await store.audits.list({ limit });
  return JSON.stringify({ total, shown: audits.length, audits: audits.map(auditSummary) }, null, 2);
}

/** The body of petri://audits/{audit_id}/transcript. */
export async function transcriptJson(store: AuditStore, auditId: string): Promise<string> {
  const data = await loadExportData(store, auditId);
  if (!data) throw new McpError(RESOURCE_NOT_FOUND, `No audit with id '${auditId}'. Read ${AUDITS_URI} (or call list_audits) for existing audit ids.`);
  return JSON.stringify(buildPetriTranscript(data), null, 2);
}

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function registerTranscriptResources(server: McpServer, ctx: ToolContext): void {
  const store = ctx.app.store;

  server.registerResource(
    "audits",
    AUDITS_URI,
    {
      title: "Recent audits",
      description: `The ${RECENT_AUDITS} most recent audits (status, target, seed, turns) with their transcript URIs, newest first. Subscribe to be told when an audit changes.`,
      mimeType: JSON_MIME,
    },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: JSON_MIME, text: await recentAuditsJson(store) }] }),
  );

  server.registerResource(
    "audit-transcript",
    new ResourceTemplate(TRANSCRIPT_URI("{audit_id}"), {
      list: async () => ({
        resources: (await store.audits.list({ limit: RECENT_AUDITS })).audits.map((audit) => ({
          uri: TRANSCRIPT_URI(audit.id),
          name: `transcript-${audit.id}`,
          title: `Transcript of audit ${audit.id} (${audit.status})`,
          description: audit.seedInstruction.slice(0, 200),
          mimeType: JSON_MIME,
        })),
      }),
      complete: { audit_id: (value) => store.audits.idsStartingWith(value) },
    }),
    {
      title: "Audit transcript (Petri v3.0 JSON)",
      description:
        "An audit's transcript in Petri's v3.0 format, as export_transcript writes it: every branch, tool definitions, judge scores and highlights. Subscribe to be told when the audit changes.",
      mimeType: JSON_MIME,
    },
    async (uri, variables) => {
      const raw = variables.audit_id;
      const auditId = decoded(Array.isArray(raw) ? (raw[0] ?? "") : (raw ?? ""));
      return { contents: [{ uri: uri.href, mimeType: JSON_MIME, text: await transcriptJson(store, auditId) }] };
    },
  );
}
