/**
 * export_transcript: write an audit's transcript (Petri v3.0 JSON, Markdown or HTML) under the
 * transcripts folder and link to the transcript resource.
 */
import * as z from "zod";
import { TOOL } from "../../audit/catalogue.js";
import { TRANSCRIPT_URI } from "../../mcp/uris.js";
import { EXPORT_FORMATS, exportAudit } from "../../export/export.js";
import { auditIdArg, defineTool, toolSpec } from "../define.js";

export const exportTranscript = defineTool(TOOL.export_transcript, (ctx) => {
  const { app } = ctx;
  return toolSpec({
    description:
      "Write the audit's transcript to a file in the server's transcripts folder and return its path. " +
      "format 'petri' (default) is Petri's transcript v3.0 JSON, which the Petri transcript viewer opens, with every branch, the judge's scores and highlights; " +
      "'markdown' and 'html' are readable reports. Works on active and finished audits (a snapshot); exporting again writes a new file.",
    input: z.object({
      audit_id: auditIdArg,
      format: z.enum(EXPORT_FORMATS).optional().describe("'petri' (default): Petri v3.0 JSON for the transcript viewer; 'markdown': a readable .md report; 'html': one self-contained page."),
      path: z
        .string()
        .max(1024)
        .optional()
        .describe(
          "File name or path relative to the transcripts folder (a folder gets the default name inside it; a missing extension is added). Must stay inside the folder. Default: transcript_<date>_<audit_id>.<ext>.",
        ),
    }),
    output: z.object({
      path: z.string().describe("Absolute path of the written file."),
      format: z.enum(EXPORT_FORMATS).describe("The format written."),
      bytes: z.number().int().describe("Size of the file in bytes."),
      resource_uri: z.string().describe("MCP resource with this audit's Petri JSON transcript, always current."),
    }),
    handler: async (args) => {
      const result = await exportAudit(app.store, args.audit_id, { format: args.format, path: args.path, transcriptsDir: app.config.transcriptsDir });
      const uri = TRANSCRIPT_URI(args.audit_id);
      const viewerHint = result.format === "petri" ? ` Open it with: npx @kaifronsdal/transcript-viewer --dir "${app.config.transcriptsDir}"` : "";
      return {
        text: `Exported audit ${args.audit_id} as ${result.format} (${result.bytes} bytes) to ${result.path}.${viewerHint}`,
        structured: { path: result.path, format: result.format, bytes: result.bytes, resource_uri: uri },
        content: [
          {
            type: "resource_link",
            uri,
            name: `transcript-${args.audit_id}`,
            title: `Petri transcript of audit ${args.audit_id}`,
            description: "The audit's Petri v3.0 JSON transcript (read it with resources/read).",
            mimeType: "application/json",
          },
        ],
      };
    },
  });
});
