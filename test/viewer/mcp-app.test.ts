/**
 * MCP Apps over MCP: the ui:// resources are listed and read as text/html;profile=mcp-app, the
 * three tools point at them through _meta.ui.resourceUri (and the older ui/resourceUri key), and
 * the tools' text is what clients without the extension always got.
 */
import { RESOURCE_MIME_TYPE } from "@modelcontextprotocol/ext-apps/app-bridge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_URIS } from "../../src/viewer/app-meta.js";
import { createTestApp, type TestApp } from "../helpers.js";
import { everything } from "../export/scenarios.js";

let t: TestApp;
let auditId: string;

beforeAll(async () => {
  t = await createTestApp();
  auditId = await everything(t);
});

afterAll(async () => {
  await t.close();
});

describe("MCP Apps", () => {
  it("lists the ui://petri resources with the MCP App MIME type", async () => {
    expect(RESOURCE_MIME_TYPE).toBe("text/html;profile=mcp-app");
    const { resources } = await t.client.listResources();
    const apps = resources.filter((r) => r.uri.startsWith("ui://"));
    expect(apps.map((r) => r.uri).sort()).toEqual(Object.values(APP_URIS).sort());
    for (const app of apps) {
      expect(app.uri).toMatch(/^ui:\/\/petri\//);
      expect(app.mimeType).toBe(RESOURCE_MIME_TYPE);
    }
  });

  it("reads a self-contained app page: inline script and styles, nothing fetched", async () => {
    for (const uri of Object.values(APP_URIS)) {
      const { contents } = await t.client.readResource({ uri });
      expect(contents).toHaveLength(1);
      const page = contents[0] as { uri: string; mimeType: string; text: string; _meta?: { ui?: { csp?: unknown } } };
      expect(page.uri).toBe(uri);
      expect(page.mimeType).toBe(RESOURCE_MIME_TYPE);
      expect(page.text).toMatch(/^<!doctype html>/);
      expect(page.text).toContain("ui/initialize");
      expect(page.text).toContain("ui/notifications/tool-result");
      expect(page.text).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\//);
      expect(page._meta?.ui?.csp).toEqual({});
    }
  });

  it("declares _meta.ui.resourceUri on view_conversation, get_audit and get_judge_result only", async () => {
    const { tools } = await t.client.listTools();
    const withUi = Object.fromEntries(tools.filter((tool) => tool._meta?.ui).map((tool) => [tool.name, tool._meta]));
    expect(Object.keys(withUi).sort()).toEqual(["get_audit", "get_judge_result", "view_conversation"]);
    expect(withUi.view_conversation).toEqual({ ui: { resourceUri: APP_URIS.conversation }, "ui/resourceUri": APP_URIS.conversation });
    expect(withUi.get_audit).toEqual({ ui: { resourceUri: APP_URIS.audit }, "ui/resourceUri": APP_URIS.audit });
    expect(withUi.get_judge_result).toEqual({ ui: { resourceUri: APP_URIS["judge-result"] }, "ui/resourceUri": APP_URIS["judge-result"] });
  });

  it("keeps the tools' text and structured results for clients without the extension", async () => {
    const view = await t.ok("view_conversation", { audit_id: auditId });
    expect(view.text).toMatch(/^target view, messages 0-2 of 3:/);
    expect(view.data.messages).toHaveLength(3);
    const audit = await t.ok("get_audit", { audit_id: auditId });
    expect(audit.text).toMatch(new RegExp(`^Audit ${auditId}: ended`));
    const run = await t.ok("get_judge_result", { run_id: `run-${auditId}` });
    expect(run.data.status).toBe("complete");
  });
});
