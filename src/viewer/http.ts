/**
 * The viewer's request handler: the HTTP server's Host and Origin checks (src/http/guards.ts), the
 * token (as a cookie after the first visit, see auth.ts), then a fixed set of read-only GET routes.
 * Anything else is refused. Used by `petri-mcp view` and mounted by `serve --http --viewer`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isAllowedHostHeader, isAllowedOrigin } from "../http/guards.js";
import { log } from "../log.js";
import { VIEWER_JS } from "./assets/client.js";
import { VIEWER_CSS } from "./assets/style.js";
import { auditPage, auditLive, type AuditPageOptions } from "./audit-page.js";
import { auditsPage, auditsQuery, listFilter } from "./audits-page.js";
import { TOKEN_PARAM, viewerAuth } from "./auth.js";
import { VIEW_TABS, type ViewTab } from "./conversation.js";
import type { ViewerData } from "./data.js";
import { ASSET_PATHS, notFoundPage, page } from "./layout.js";
import { comparePage, runPage, runsPage } from "./run-page.js";

export interface ViewerOptions {
  data: ViewerData;
  /** The token of the HTTP server (PETRI_MCP_TOKEN or the token file next to the database). */
  token: string;
  /** Browser origins allowed besides loopback ones. */
  allowedOrigins: readonly string[];
  /** Host headers answered (null: any, when bound to a non-loopback address). Known after listen. */
  allowedHosts: () => readonly string[] | null;
}

export type ViewerHandler = (req: IncomingMessage, res: ServerResponse) => void;

const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cache-Control": "no-store",
};

const ROUTES = [/^\/$/, /^\/audits\/[^/]+(\/fragment)?$/, /^\/api\/audits\/[^/]+\/version$/, /^\/runs(\/[^/]+)?$/, /^\/compare$/, /^\/assets\/viewer\.(css|js)$/];

/** True for the paths the viewer answers (for mounting it next to /mcp). */
export function isViewerPath(pathname: string): boolean {
  return ROUTES.some((route) => route.test(pathname));
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": `${type}; charset=utf-8`, "Content-Length": String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

const html = (res: ServerResponse, status: number, body: string) => send(res, status, "text/html", body);
const text = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => send(res, status, "text/plain", body, headers);

/** A path segment as an id: decoded, at most `max` characters; null when malformed. */
function segment(raw: string | undefined, max = 200): string | null {
  if (raw === undefined) return null;
  try {
    const value = decodeURIComponent(raw);
    return value.length > 0 && value.length <= max ? value : null;
  } catch {
    return null;
  }
}

function auditOptions(params: URLSearchParams): AuditPageOptions {
  const view = params.get("view") as ViewTab | null;
  const branch = Number(params.get("branch"));
  return { view: view && VIEW_TABS.includes(view) ? view : "target", branch: Number.isInteger(branch) && branch >= 1 && branch <= 1_000_000 ? branch : undefined };
}

export function createViewerHandler(options: ViewerOptions): ViewerHandler {
  const { data } = options;
  const auth = viewerAuth(options.token);

  const route = async (res: ServerResponse, pathname: string, params: URLSearchParams): Promise<void> => {
    const parts = pathname.split("/").slice(1);
    if (pathname === "/") return html(res, 200, auditsPage(auditsQuery(params), await data.listAudits(listFilter(auditsQuery(params)))));
    if (parts[0] === "api") {
      const state = await data.version(segment(parts[2], 64) ?? "");
      if (!state) return send(res, 404, "application/json", JSON.stringify({ error: "no such audit" }));
      return send(res, 200, "application/json", JSON.stringify(state));
    }
    if (parts[0] === "audits") {
      const auditId = segment(parts[1], 64);
      const detail = auditId ? await data.audit(auditId) : undefined;
      if (!detail) return html(res, 404, notFoundPage(`No audit with id '${auditId ?? ""}' in this store.`));
      const view = auditOptions(params);
      return parts[2] === "fragment" ? html(res, 200, auditLive(detail, view)) : html(res, 200, auditPage(detail, view));
    }
    if (parts[0] === "runs") {
      if (parts.length === 1) return html(res, 200, runsPage(await data.listRuns()));
      const runId = segment(parts[1]);
      const run = runId ? await data.run(runId) : undefined;
      if (!run) return html(res, 404, notFoundPage(`No audits belong to run '${runId ?? ""}'.`));
      return html(res, 200, runPage(run));
    }
    // /compare?a=…&b=…
    const left = await data.audit(params.get("a")?.slice(0, 64) ?? "");
    const right = await data.audit(params.get("b")?.slice(0, 64) ?? "");
    if (!left || !right) return html(res, 404, notFoundPage("Side by side needs two existing audits: /compare?a=<audit id>&b=<audit id>."));
    return html(res, 200, comparePage(left, right));
  };

  return (req, res) => {
    const host = req.headers.host;
    const hosts = options.allowedHosts();
    if (hosts && !isAllowedHostHeader(host, hosts)) {
      return text(res, 403, `Forbidden: Host '${host ?? ""}' is not one this viewer answers to (${hosts.join(", ")}). This protects against DNS rebinding; open the URL the viewer printed.`);
    }
    const origin = req.headers.origin;
    if (!isAllowedOrigin(origin, options.allowedOrigins)) {
      return text(res, 403, `Forbidden: Origin '${origin}' is not allowed. Open the viewer from the URL it printed (allow other origins with --allowed-origin).`);
    }
    if (req.method !== "GET" && req.method !== "HEAD") return text(res, 405, "Method not allowed: the viewer is read-only (GET only).", { Allow: "GET, HEAD" });
    const url = new URL(req.url ?? "/", "http://viewer.invalid");
    const given = url.searchParams.get(TOKEN_PARAM);
    if (given !== null) {
      if (!auth.tokenMatches(given)) return text(res, 401, "Unauthorized: wrong token in the URL. Open the URL `petri-mcp view` printed.");
      url.searchParams.delete(TOKEN_PARAM);
      const location = isViewerPath(url.pathname) ? url.pathname + url.search : "/";
      return send(res, 303, "text/plain", "Signed in.", { Location: location, "Set-Cookie": auth.setCookie });
    }
    // The stylesheet and script hold no data: the sign-in page may use them.
    if (url.pathname === ASSET_PATHS.css) return send(res, 200, "text/css", VIEWER_CSS);
    if (url.pathname === ASSET_PATHS.js) return send(res, 200, "text/javascript", VIEWER_JS);
    if (!auth.allows(req)) {
      return html(res, 401, page("Sign in", `<h1>Sign in</h1><p>Open the URL <code>petri-mcp view</code> printed (it carries the token once), or send <code>Authorization: Bearer &lt;token&gt;</code>.</p>`));
    }
    if (!isViewerPath(url.pathname)) return html(res, 404, notFoundPage(`Nothing at ${url.pathname}.`));
    route(res, url.pathname, url.searchParams).catch((error: unknown) => {
      log.error(`viewer ${url.pathname} failed`, error);
      if (!res.headersSent) text(res, 500, "The viewer could not read the store; see the server log.");
      else res.end();
    });
  };
}
