/**
 * Writing an audit's transcript to a file: the format registry, Petri's file naming
 * (`transcript_<YYYY-MM-DD_HH-MM-SS>_<audit_id>.<ext>`, UTC) and the rule that a client-given path
 * stays inside the transcripts folder, after `..` and symbolic links are resolved.
 */
import { existsSync, lstatSync, mkdirSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import { AuditError } from "../audit/errors.js";
import { showPath } from "../resources/sandbox.js";
import { isInside } from "../util/paths.js";
import type { AuditStore } from "../store/types.js";
import { loadExportData } from "./load.js";
import type { ExportData } from "../transcript/export-data.js";
import { renderHtml } from "../transcript/html.js";
import { renderMarkdown } from "../transcript/markdown.js";
import { buildPetriTranscript } from "../transcript/petri-json.js";
import { writeFileInside } from "./write-inside.js";

export const EXPORT_FORMATS = ["petri", "markdown", "html"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const FORMAT_EXTENSIONS: Record<ExportFormat, string> = { petri: ".json", markdown: ".md", html: ".html" };
export const FORMAT_MIME_TYPES: Record<ExportFormat, string> = { petri: "application/json", markdown: "text/markdown", html: "text/html" };

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

export function renderExport(data: ExportData, format: ExportFormat): string {
  if (format === "markdown") return renderMarkdown(data);
  if (format === "html") return renderHtml(data);
  return JSON.stringify(buildPetriTranscript(data), null, 2) + "\n";
}

/** `transcript_2026-01-22_10-04-05_<audit_id>.json`, the time in UTC. */
export function exportFileName(auditId: string, format: ExportFormat, now = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replace("T", "_").replace(/:/g, "-");
  return `transcript_${stamp}_${auditId}${FORMAT_EXTENSIONS[format]}`;
}

function invalid(message: string): AuditError {
  return new AuditError("invalid", message);
}

/** The nearest folder at or above `path` that exists. */
function existingAncestor(path: string): string {
  let current = path;
  while (!existsSync(current)) {
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return current;
}

/** Where an export goes: the path reported, and the real folders it is written through. */
export interface ExportLocation {
  /** The absolute path of the file (through the transcripts folder as configured). */
  path: string;
  /** The transcripts folder's real path. */
  realRoot: string;
  /** The real path of the file's folder (it may not exist yet), inside `realRoot`. */
  realDir: string;
}

/**
 * Where an export goes: `fileName` in the transcripts folder, or the client's `requested` path
 * (relative to that folder; a folder gets `fileName` inside it; no extension gets the format's).
 * Refuses paths that leave the folder, lexically or through a symbolic link, and paths whose
 * extension does not match the format. Creates the transcripts folder itself; the folders below it
 * are created when the file is written (writeFileInside), which checks every one of them again.
 */
export function resolveExportPath(transcriptsDir: string, fileName: string, format: ExportFormat, requested?: string): ExportLocation {
  const root = resolve(transcriptsDir);
  let target = join(root, fileName);
  if (requested !== undefined) {
    if (requested.trim() === "") throw invalid("path is empty. Leave path out to use the default file name, or give a file name such as 'my-audit.json'.");
    if (requested.includes("\0") || /[\u0001-\u001f\u007f]/.test(requested)) {
      throw invalid(`path ${showPath(requested)} contains a NUL byte or control characters. Give a plain file name such as 'my-audit${FORMAT_EXTENSIONS[format]}'.`);
    }
    target = resolve(root, requested);
    if (/[\\/]$/.test(requested) || (existsSync(target) && statSync(target).isDirectory())) target = join(target, fileName);
    const ext = extname(target);
    if (ext === "") target += FORMAT_EXTENSIONS[format];
    else if (ext.toLowerCase() !== FORMAT_EXTENSIONS[format]) {
      throw invalid(`path ${showPath(requested)} ends with '${ext}', but format '${format}' writes '${FORMAT_EXTENSIONS[format]}' files. Change the extension or the format.`);
    }
    if (!isInside(root, target)) {
      throw invalid(
        `path ${showPath(requested)} leads outside the transcripts folder ${showPath(root)}. Give a path relative to that folder (e.g. 'audits/${fileName}'), or leave path out. The server operator sets the folder with --transcripts-dir.`,
      );
    }
  }
  mkdirSync(root, { recursive: true });
  const realRoot = realpathSync(root);
  const ancestor = existingAncestor(dirname(target));
  const realDir = join(realpathSync(ancestor), relative(ancestor, dirname(target)));
  if (!isInside(realRoot, realDir)) {
    throw invalid(`path ${showPath(requested ?? fileName)} goes through a symbolic link that points outside the transcripts folder ${showPath(root)}. Choose another path inside the folder.`);
  }
  if (existsSync(target) && lstatSync(target).isDirectory()) throw invalid(`path ${showPath(requested ?? fileName)} is a folder. Give a file name.`);
  return { path: target, realRoot, realDir };
}

export interface ExportOptions {
  format?: ExportFormat;
  /** A client-given path inside `transcriptsDir`. */
  path?: string;
  transcriptsDir: string;
  now?: Date;
}

export interface ExportResult {
  auditId: string;
  format: ExportFormat;
  path: string;
  bytes: number;
}

export async function exportAudit(store: AuditStore, auditId: string, options: ExportOptions): Promise<ExportResult> {
  const format = options.format ?? "petri";
  const data = await loadExportData(store, auditId);
  if (!data) throw new AuditError("not_found", `No audit with id '${auditId}'. Call list_audits to see existing audits.`);
  const where = resolveExportPath(options.transcriptsDir, exportFileName(auditId, format, options.now), format, options.path);
  const content = renderExport(data, format);
  writeFileInside(where.realRoot, where.realDir, basename(where.path), content, showPath(options.path ?? basename(where.path)));
  return { auditId, format, path: where.path, bytes: Buffer.byteLength(content, "utf8") };
}
