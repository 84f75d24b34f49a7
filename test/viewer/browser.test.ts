/**
 * The viewer in real headless Chromium (Debian's chromium, driven by playwright-core; one browser
 * for the file): every page loads without a console error, the audits list shows the seeded store,
 * the audit page switches branches and views and scrolls to a cited span, a message sent through
 * MCP appears on an open audit page without reload, the run page shows the heat table and the
 * side-by-side view. The MCP App page renders a conversation fed by the ext-apps AppBridge, as a
 * host does. Screenshots go to test/viewer/screenshots/ (git-ignored).
 */
import { build } from "esbuild";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MockLLM } from "../../src/models/mockllm.js";
import { APP_URIS } from "../../src/viewer/app-meta.js";
import type { RunningViewerServer } from "../../src/viewer/server.js";
import { BROWSER_ARGS, CHROMIUM, HAS_CHROMIUM, RUN_ID, type Seeded, seedStore, startTestViewer } from "./viewer-helpers.js";

const SHOTS = join(import.meta.dirname, "screenshots");

// Functions given to page.evaluate run in the browser; the project compiles without the DOM library.
declare const window: any;
declare const document: any;

if (!HAS_CHROMIUM) console.warn(`SKIPPED: the viewer browser tests need Chromium at ${CHROMIUM} (Debian: apt-get install chromium).`);

describe.skipIf(!HAS_CHROMIUM)("the viewer in headless Chromium", () => {
  let seeded: Seeded;
  let viewer: RunningViewerServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    seeded = await seedStore();
    viewer = await startTestViewer(seeded.t);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Sign in once: the token URL sets the cookie every later page uses.
    const first = await context.newPage();
    await first.goto(viewer.url);
    await first.close();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await viewer?.close();
    await seeded?.t.close();
  });

  /** A new tab that records console errors and warnings; at `path` of the viewer unless null. */
  const open = async (path: string | null): Promise<Page> => {
    page = await context.newPage();
    problems = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    if (path === null) return page;
    const response = await page.goto(viewer.origin + path);
    expect(response?.status(), path).toBe(200);
    return page;
  };

  afterEach(async () => {
    expect(problems).toEqual([]);
    await page?.close();
  });

  it("signs in from the printed URL: the token becomes an HttpOnly cookie and leaves the address bar", async () => {
    await open("/");
    const fresh = await browser.newContext();
    try {
      const tab = await fresh.newPage();
      await tab.goto(viewer.url);
      expect(tab.url()).toBe(`${viewer.origin}/`);
      expect(await tab.locator("h1").textContent()).toBe("Audits");
      const cookies = await fresh.cookies();
      expect(cookies).toHaveLength(1);
      expect(cookies[0]!.httpOnly).toBe(true);
      expect(cookies[0]!.sameSite).toBe("Strict");
      expect(await tab.evaluate(() => document.cookie)).toBe("");
    } finally {
      await fresh.close();
    }
  });

  it("lists the seeded audits with their columns, and the keyboard reaches the skip link first", async () => {
    await open("/");
    const total = (await seeded.t.app.store.audits.list({ limit: 1 })).total;
    await expect.poll(() => page.locator("table.audits tbody tr").count()).toBe(total);
    for (const id of [seeded.everything, seeded.rollbacks, ...seeded.run]) expect(await page.locator(`a[href="/audits/${id}"]`).count()).toBe(1);
    const headers = await page.locator("table.audits thead th").allTextContents();
    expect(headers).toEqual(["Seed", "Target", "Status", "Turns", "Judge", "Top scores", "Cost"]);
    const everythingRow = page.locator("tr", { has: page.locator(`a[href="/audits/${seeded.everything}"]`) });
    expect(await everythingRow.textContent()).toMatch(/Concerning/);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.className)).toBe("skip");
    await page.screenshot({ path: join(SHOTS, "audits.png"), fullPage: true });

    await page.selectOption("select[name=status]", "ended");
    await page.click("form.filters button");
    await page.waitForURL(/status=ended/);
    const statuses = await page.locator("table.audits tbody tr td:nth-child(3)").allTextContents();
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set(["ended"]));
  });

  it("switches branches and views on the audit page without a page load", async () => {
    await open(`/audits/${seeded.everything}`);
    const branchLinks = page.locator(".branches a[data-branch]");
    expect(await branchLinks.count()).toBe(3);
    expect(await page.locator(".branches").textContent()).toMatch(/rollback to \[5\] of branch 1.*restart: new system message/s);
    expect(await page.locator("section.branch").getAttribute("data-branch")).toBe("3");
    await page.evaluate(() => (window.marker = 1));

    await page.click('.branches a[data-branch="1"]');
    await page.waitForURL(/branch=1/);
    await page.locator('section.branch[data-branch="1"]').waitFor();
    expect(await page.locator("section.branch").textContent()).toContain("Deleting now");
    expect(await page.locator(".kind-prefill").count()).toBeGreaterThan(0);
    expect(await page.locator("details.thinking").count()).toBeGreaterThan(0);
    await page.click('.branches a[data-branch="2"]');
    await page.locator('section.branch[data-branch="2"]').waitFor();
    expect(await page.locator("section.branch").textContent()).toContain("archive the logs");
    await page.screenshot({ path: join(SHOTS, "audit-branch-2.png"), fullPage: false });

    await page.click('.tabs a[data-view="combined"]');
    await page.waitForURL(/view=combined/);
    await page.locator('.view-panel[data-view="combined"]').waitFor();
    expect(await page.locator(".view-panel").textContent()).toContain("Sent User Message");
    await page.click('.tabs a[data-view="auditor"]');
    await page.locator('.view-panel[data-view="auditor"]').waitFor();
    expect(await page.locator(".view-panel .kind-auditor").count()).toBeGreaterThan(0);
    await page.goBack();
    await page.locator('.view-panel[data-view="combined"]').waitFor();
    // Every switch happened in place.
    expect(await page.evaluate(() => window.marker)).toBe(1);
  });

  it("opens the cited branch and scrolls to the cited span when a highlight is clicked", async () => {
    await open(`/audits/${seeded.everything}`);
    expect(await page.locator("section.branch").getAttribute("data-branch")).toBe("3");
    await page.locator("#highlight-1 .quote a").click();
    const mark = page.locator("section.branch mark.flash");
    await mark.waitFor();
    expect(await page.locator("section.branch").getAttribute("data-branch")).toBe("1");
    expect(await mark.textContent()).toContain("Deleting now");
    expect(await mark.locator('a.cite[href="#highlight-1"]').count()).toBe(1);
    const inView = await mark.evaluate((node) => {
      const box = node.getBoundingClientRect();
      return box.top >= 0 && box.bottom <= window.innerHeight;
    });
    expect(inView).toBe(true);
    await page.screenshot({ path: join(SHOTS, "audit-citation.png"), fullPage: false });
  });

  it("shows a message sent through MCP on the open page of an active audit, without reload", async () => {
    const { t } = seeded;
    const id = (await t.ok("start_audit", { seed_instruction: "Watch this audit live." })).data.audit_id as string;
    await t.ok("set_target_system_message", { audit_id: id, system_message: "You are a helpful assistant." });
    (t.models.mock("mockllm/target") as MockLLM).script({ text: "Hello there." });
    await t.ok("send_message", { audit_id: id, message: "Hi." });
    await open(`/audits/${id}`);
    expect(await page.locator(".live").count()).toBe(1);
    await page.evaluate(() => (window.marker = 1));
    await page.locator("details.calls summary").click();
    (t.models.mock("mockllm/target") as MockLLM).script({ text: "A LIVE REPLY from the target." });
    const sent = Date.now();
    await t.ok("send_message", { audit_id: id, message: "Are you watching?" });
    await page.getByText("A LIVE REPLY from the target.").waitFor({ timeout: 10_000 });
    console.info(`live: the reply appeared ${Date.now() - sent} ms after send_message returned`);
    expect(await page.locator("section.branch").textContent()).toContain("Are you watching?");
    // The fold the reader opened stays open across the refresh.
    expect(await page.locator("details.calls").getAttribute("open")).toBe("");
    expect(await page.evaluate(() => window.marker)).toBe(1);
    await page.screenshot({ path: join(SHOTS, "audit-live.png"), fullPage: true });
  });

  it("shows the run's heat table and two audits of one seed side by side", async () => {
    await open("/runs");
    await page.click(`a[href="/runs/${RUN_ID}"]`);
    await page.waitForURL(new RegExp(`/runs/${RUN_ID}$`));
    const rows = page.locator("table.heat tbody tr");
    expect(await rows.count()).toBe(2);
    expect(await page.locator("table.heat thead th").allTextContents()).toEqual(["Target", "Concerning", "Cooperation with human misuse", "Admirable", "Scenario realism"]);
    expect(await rows.filter({ hasText: "mockllm/other" }).textContent()).toMatch(/2 of 2 conclusive.*n=2/s);
    await page.screenshot({ path: join(SHOTS, "run.png"), fullPage: true });

    await page.locator("form.compare-form button").first().click();
    await page.waitForURL(/\/compare\?a=.*&b=/);
    expect(await page.locator("table.compare thead th").count()).toBe(3);
    const turnRows = await page.locator("table.compare tbody tr th").allTextContents();
    expect(turnRows).toEqual(["Turn 1", "Turn 2", "Turn 3"]);
    await page.screenshot({ path: join(SHOTS, "compare.png"), fullPage: true });
  });

  it("renders tool results as MCP Apps fed by the ext-apps AppBridge, the way a host does", async () => {
    const { t } = seeded;
    const bundle = await build({
      stdin: { contents: 'import { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge"; globalThis.Host = { AppBridge, PostMessageTransport };', resolveDir: import.meta.dirname, loader: "ts" },
      bundle: true,
      format: "iife",
      platform: "browser",
      write: false,
      logLevel: "silent",
    });
    await open(null);
    await page.setContent("<!doctype html><html><body></body></html>");
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    /** Loads the ui:// page of `view` into a new sandboxed iframe, connects a bridge, sends the tool result. */
    const show = async (view: keyof typeof APP_URIS, toolResult: unknown) => {
      const resource = await t.client.readResource({ uri: APP_URIS[view] });
      return page.evaluate(
        async ({ html, result }) => {
          const { AppBridge, PostMessageTransport } = window.Host;
          document.getElementById("app")?.remove();
          const iframe = document.createElement("iframe");
          iframe.id = "app";
          iframe.setAttribute("sandbox", "allow-scripts");
          iframe.style.cssText = "width:900px;height:700px";
          document.body.appendChild(iframe);
          const bridge = new AppBridge(null, { name: "test-host", version: "1.0.0" }, { openLinks: {} }, { hostContext: { theme: "light" } });
          const sizes: unknown[] = [];
          bridge.onsizechange = (size: unknown) => sizes.push(size);
          const initialized = new Promise<void>((resolve) => (bridge.oninitialized = () => resolve()));
          await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
          iframe.srcdoc = html;
          await initialized;
          await bridge.sendToolResult(result);
          for (let i = 0; i < 100 && sizes.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
          return { sizes: sizes.length, app: bridge.getAppVersion()?.name as string };
        },
        { html: (resource.contents[0] as { text: string }).text, result: toolResult },
      );
    };
    const frame = page.frameLocator("#app");

    const conversation = await t.call("view_conversation", { audit_id: seeded.everything });
    const rendered = await show("conversation", conversation);
    expect(rendered).toEqual({ sizes: expect.any(Number), app: "petri-mcp conversation" });
    expect(rendered.sizes).toBeGreaterThan(0);
    const structured = conversation.structuredContent as { messages: unknown[] };
    await expect.poll(() => frame.locator("article.msg").count()).toBe(structured.messages.length);
    expect(await frame.locator("h1").textContent()).toBe("Conversation (target view)");
    expect(await frame.locator("article.kind-target").first().textContent()).toContain("Hello! What do you need?");
    await page.screenshot({ path: join(SHOTS, "mcp-app.png") });

    await show("audit", await t.call("get_audit", { audit_id: seeded.everything }));
    await expect.poll(() => frame.locator("h1").textContent()).toBe(`Audit ${seeded.everything} (ended)`);
    expect(await frame.locator(".score-grid li").count()).toBe(4);

    await show("judge-result", await t.call("get_judge_result", { run_id: `run-${seeded.everything}` }));
    await expect.poll(() => frame.locator("h1").textContent()).toBe(`Judge run run-${seeded.everything} (complete)`);
    expect(await frame.locator("ol.highlights li").count()).toBe(2);
    expect(await frame.locator(".score-grid li").first().textContent()).toBe("6Concerning");

    await show("conversation", await t.call("view_conversation", { audit_id: "no-such-audit" }));
    await expect.poll(() => frame.locator("pre.error").textContent()).toMatch(/no-such-audit/);
  });
});
