/**
 * The MCP Apps side of the viewer that tools need: the `ui://petri/…` resource URIs and the tool
 * `_meta` that points a host at them (both the current `ui.resourceUri` and the older
 * `ui/resourceUri` key, as the ext-apps server helpers write them). Hosts without the
 * `io.modelcontextprotocol/ui` extension ignore `_meta` and show the tool's text as before.
 */
import { RESOURCE_MIME_TYPE, RESOURCE_URI_META_KEY } from "@modelcontextprotocol/ext-apps/server";

export { RESOURCE_MIME_TYPE };

/** What each app page renders: one tool's structured result. */
export type AppView = "conversation" | "audit" | "judge-result";

export const APP_URIS: Record<AppView, string> = {
  conversation: "ui://petri/conversation.html",
  audit: "ui://petri/audit.html",
  "judge-result": "ui://petri/judge-result.html",
};

export function appToolMeta(view: AppView): Record<string, unknown> {
  return { ui: { resourceUri: APP_URIS[view] }, [RESOURCE_URI_META_KEY]: APP_URIS[view] };
}
