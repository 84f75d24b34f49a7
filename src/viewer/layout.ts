/**
 * The page shell of the viewer and the small formatting helpers its pages share. Pages are
 * server-rendered; /assets/viewer.js only adds live refresh, branch switching and citation scrolling.
 */
import { escapeHtml } from "../transcript/html.js";
import { VERSION } from "../version.js";

export { escapeHtml };

export const ASSET_PATHS = { css: "/assets/viewer.css", js: "/assets/viewer.js" } as const;

export interface PageOptions {
  /** Which top navigation entry is current. */
  section?: "audits" | "runs";
  /** data-* attributes of <body>, read by viewer.js (e.g. the audit id and version for live refresh). */
  data?: Record<string, string>;
}

export function page(title: string, body: string, options: PageOptions = {}): string {
  const data = Object.entries(options.data ?? {})
    .map(([k, v]) => ` data-${k}="${escapeHtml(v)}"`)
    .join("");
  const nav = (key: "audits" | "runs", href: string, label: string) =>
    `<a href="${href}"${options.section === key ? ' aria-current="page"' : ""}>${label}</a>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · petri-mcp viewer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSET_PATHS.css}">
<script src="${ASSET_PATHS.js}" defer></script>
</head>
<body${data}>
<a class="skip" href="#content">Skip to content</a>
<header class="site"><span class="brand">petri-mcp</span><nav aria-label="Sections">${nav("audits", "/", "Audits")}${nav("runs", "/runs", "Runs")}</nav></header>
<main id="content" tabindex="-1">
${body}
</main>
<footer class="site">petri-mcp ${escapeHtml(VERSION)} viewer · read-only</footer>
</body>
</html>
`;
}

/** A query string from the defined, non-empty values (`?a=1&b=x`), or "" when there are none. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") search.set(k, String(v));
  const text = search.toString();
  return text ? `?${text}` : "";
}

export function cost(usd: number | null): string {
  if (usd === null) return '<span class="muted">n/a</span>';
  return usd < 0.01 && usd > 0 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

export function statusBadge(status: string): string {
  return `<span class="status status-${escapeHtml(status)}">${escapeHtml(status.replace("_", " "))}</span>`;
}

export function auditLink(auditId: string, text = auditId): string {
  return `<a href="/audits/${encodeURIComponent(auditId)}">${escapeHtml(text)}</a>`;
}

export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function notFoundPage(what: string): string {
  return page("Not found", `<h1>Not found</h1><p>${escapeHtml(what)}</p><p><a href="/">All audits</a></p>`);
}
