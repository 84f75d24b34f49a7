/**
 * MCP Apps resources (the `io.modelcontextprotocol/ui` extension): ui://petri/conversation.html,
 * ui://petri/audit.html and ui://petri/judge-result.html, of MIME type text/html;profile=mcp-app.
 * view_conversation, get_audit and get_judge_result point at them through `_meta.ui.resourceUri`,
 * so hosts that support apps render the result inline; other clients keep reading the text.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { APP_URIS, type AppView, RESOURCE_MIME_TYPE } from "../viewer/app-meta.js";
import { appHtml } from "../viewer/mcp-app.js";

const TITLES: Record<AppView, string> = {
  conversation: "Conversation view (MCP App)",
  audit: "Audit view (MCP App)",
  "judge-result": "Judge result view (MCP App)",
};

/** The app needs no network: an empty CSP allowance, rendered with the host's border. */
const UI_META = { ui: { csp: {}, prefersBorder: true } };

export function registerAppResources(server: McpServer): void {
  for (const view of Object.keys(APP_URIS) as AppView[]) {
    const uri = APP_URIS[view];
    server.registerResource(
      `app-${view}`,
      uri,
      { title: TITLES[view], description: `Renders the ${view.replace("-", " ")} tool result inline in hosts that support MCP Apps.`, mimeType: RESOURCE_MIME_TYPE, _meta: UI_META },
      () => ({ contents: [{ uri, mimeType: RESOURCE_MIME_TYPE, text: appHtml(view), _meta: UI_META }] }),
    );
  }
}
