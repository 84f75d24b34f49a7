/**
 * `petri-mcp export <audit_id>... | --all [--out DIR] [--format petri|markdown|html]`: writes
 * transcripts of stored audits, one file each, and prints their paths.
 */
import { AuditError } from "../audit/errors.js";
import { loadConfig, parseCommandArgs } from "../config.js";
import type { AuditStore } from "../store/types.js";
import { EXPORT_FORMATS, exportAudit, isExportFormat } from "../export/export.js";
import { NO_DATABASE, openExistingStore } from "./existing-store.js";
import type { CommandIO } from "./io.js";

const USAGE = `Usage: petri-mcp export <audit_id>... [--out DIR] [--format petri|markdown|html] [--db PATH|URL]
       petri-mcp export --all [--out DIR] [--format petri|markdown|html] [--db PATH|URL]

Writes transcript_<date>_<audit_id>.<ext> files into DIR (default: --transcripts-dir,
PETRI_TRANSCRIPTS_DIR, or ./outputs) and prints each path. The default format, petri, is
Petri's transcript v3.0 JSON: view it with npx @kaifronsdal/transcript-viewer --dir DIR.`;

const PAGE = 200;

async function allAuditIds(store: AuditStore): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const { audits } = await store.audits.list({ limit: PAGE, offset });
    ids.push(...audits.map((a) => a.id));
    if (audits.length < PAGE) return ids;
  }
}

export async function runExportCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { all: { type: "boolean" }, out: { type: "string" }, format: { type: "string" } }, true);
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const format = values.format ?? "petri";
  if (!isExportFormat(format)) {
    io.stderr(`petri-mcp export: --format must be one of ${EXPORT_FORMATS.join(", ")}, got '${format}'.`);
    return 2;
  }
  if (Boolean(values.all) === positionals.length > 0) {
    io.stderr(`petri-mcp export: give audit ids or --all (not both).\n\n${USAGE}`);
    return 2;
  }
  const config = loadConfig({ ...values, "transcripts-dir": values.out ?? values["transcripts-dir"] });
  const store = await openExistingStore("export", config.dbPath, io);
  if (!store) return NO_DATABASE;
  try {
    const ids = values.all ? await allAuditIds(store) : positionals;
    if (ids.length === 0) {
      io.stderr(`petri-mcp export: no audits in ${store.location}.`);
      return 0;
    }
    let failures = 0;
    for (const id of ids) {
      try {
        const result = await exportAudit(store, id, { format, transcriptsDir: config.transcriptsDir });
        io.stdout(result.path);
      } catch (error) {
        if (!(error instanceof AuditError)) throw error;
        failures++;
        const message = error.code === "not_found" ? `no audit with id '${id}' in ${store.location} (petri-mcp list shows the stored audits).` : error.message;
        io.stderr(`petri-mcp export: ${message}`);
      }
    }
    if (values.all) io.stderr(`Exported ${ids.length - failures} of ${ids.length} audit(s) to ${config.transcriptsDir}.`);
    return failures > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}
