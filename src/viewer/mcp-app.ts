/**
 * The HTML of the MCP App pages (ui://petri/…): one self-contained document per view, with the
 * transcript styles of the HTML export and the app script inlined (an app runs in a sandboxed
 * iframe with no server of its own, so nothing is fetched).
 */
import { escapeHtml, STYLE as TRANSCRIPT_STYLE } from "../transcript/html.js";
import { VERSION } from "../version.js";
import type { AppView } from "./app-meta.js";
import { APP_JS } from "./assets/app-client.js";

const APP_STYLE = `
body{background:var(--card)}
#app{padding:8px 14px 14px}
h1{font-size:18px}h2{font-size:16px;margin:18px 0 8px}
.seed{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:8px 10px}
.kind-auditor{border-left-color:#475569;background:#f1f5f9}
.score.mid .n{background:#8f5500}.score.neutral .n{background:#5b6477}
:root[data-theme=dark]{--bg:#161a22;--card:#1e232d;--ink:#e6e9ef;--muted:#a3acbd;--line:#394150;--sys:#1d2a44;--user:#2a2140;--target:#17301f;--prefill:#3a2c12;--tool:#3a2616;--mark:#5c4f00}
:root[data-theme=dark] pre{background:#161a22}
`;

/** The document a host renders for `view`. */
export function appHtml(view: AppView): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>petri-mcp ${escapeHtml(view)}</title>
<style>${TRANSCRIPT_STYLE}${APP_STYLE}</style>
</head>
<body data-view="${escapeHtml(view)}" data-version="${escapeHtml(VERSION)}">
<div id="app" aria-live="polite"><p class="muted">Waiting for the tool result…</p></div>
<script>${APP_JS}</script>
</body>
</html>
`;
}
