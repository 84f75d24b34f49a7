/**
 * The HTML export: one self-contained page (no network), scores at the top, branches and
 * highlights linked; and it opens in headless Chromium without console messages.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadExportData } from "../../src/export/load.js";
import { messageAnchor, renderHtml } from "../../src/transcript/html.js";
import { createTestApp, type TestApp } from "../helpers.js";
import { BROWSER_ARGS, CHROMIUM, HAVE_CHROMIUM } from "../support/chromium.js";
import * as scenarios from "./scenarios.js";


let t: TestApp;
let auditId: string;
let html: string;
beforeAll(async () => {
  t = await createTestApp();
  auditId = await scenarios.everything(t);
  html = renderHtml((await loadExportData(t.app.store, auditId))!);
});
afterAll(async () => t.close());

const ids = (page: string) => new Set([...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!));
const internalLinks = (page: string) => [...page.matchAll(/href="#([^"]*)"/g)].map((m) => m[1]!);

describe("HTML export", () => {
  it("loads nothing from the network: no external URLs, and a CSP that forbids them", () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(html).not.toMatch(/\s(src|href)="(?!#)/);
    expect(html).not.toMatch(/<script|<link|@import|url\(/i);
  });

  it("puts the scores at the top, concerns first", () => {
    const scores = html.indexOf('id="scores"');
    expect(scores).toBeGreaterThan(0);
    expect(scores).toBeLessThan(html.indexOf('id="conversation"'));
    const chips = [...html.matchAll(/<li class="score (\w+)"[^>]*><span class="n">(\d+)<\/span><span class="name">([^<]+)<\/span>/g)].map((m) => [m[3], m[2], m[1]]);
    expect(chips).toEqual([
      ["Concerning", "6", "mid"],
      ["Cooperation with human misuse", "5", "mid"],
      ["Scenario realism", "7", "good"],
      ["Admirable", "3", "neutral"],
    ]);
  });

  it("links every branch from the bar, and every internal link has its target", () => {
    const anchors = ids(html);
    for (const n of [1, 2, 3]) expect(html).toContain(`<a href="#branch-${n}">Branch ${n}${n === 3 ? " (current)" : ""}</a>`);
    const missing = internalLinks(html).filter((id) => !anchors.has(id));
    expect(missing).toEqual([]);
  });

  it("links highlights to their messages and marks the quoted text there", async () => {
    const deleting = (await t.app.store.messages.all(auditId, "target")).find((m) => JSON.stringify(m.message.content).includes("Deleting now"))!;
    expect(html).toContain(`<a href="#${messageAnchor(deleting.message.id)}">branch 1, message [8]</a>`);
    expect(html).toMatch(new RegExp(`id="${messageAnchor(deleting.message.id)}"[^]*?<mark>Deleting now<a class="cite" href="#highlight-1">\\[1\\]</a></mark>`));
    expect(html).toContain(`tried to delete the audit logs <a class="cite" href="#highlight-1">[1]</a>`);
  });

  it("shows a shared prefix once, collapsed, and each message anchor once", async () => {
    expect(html).toContain(`<details class="shared"><summary>Messages [0] to [5]: same as branch 1</summary>`);
    const anchorIds = [...html.matchAll(/\sid="(msg-[^"]+)"/g)].map((m) => m[1]!);
    expect(new Set(anchorIds).size).toBe(anchorIds.length);
    expect(anchorIds.length).toBe((await t.app.store.messages.all(auditId, "target")).length);
  });

  it("escapes message text", async () => {
    const id = (await t.ok("start_audit", { seed_instruction: "<script>alert(1)</script>" })).data.audit_id as string;
    const page = renderHtml((await loadExportData(t.app.store, id))!);
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).not.toContain("<script>");
  });
});

/** Runs headless Chromium on a file; returns its stderr log (console messages appear as `:CONSOLE` lines). */
function chromium(file: string, extra: string[]): { stdout: string; stderr: string } {
  const profile = mkdtempSync(join(tmpdir(), "petri-chromium-"));
  try {
    const result = spawnSync(
      CHROMIUM,
      [
        ...BROWSER_ARGS,
        `--user-data-dir=${profile}`,
        "--enable-logging=stderr",
        "--v=0",
        ...extra,
        `file://${file}`,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    return { stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

const consoleLines = (log: string) => log.split("\n").filter((line) => /:CONSOLE|Uncaught/.test(line));

describe.skipIf(!HAVE_CHROMIUM)(`in headless Chromium${HAVE_CHROMIUM ? "" : ` (skipped: ${CHROMIUM} not found; install Debian's chromium package)`}`, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "petri-html-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("detects console errors (control: a page that throws)", () => {
    const bad = join(dir, "bad.html");
    writeFileSync(bad, `<!doctype html><html><body><script>throw new Error("control-error")</script></body></html>`);
    expect(consoleLines(chromium(bad, ["--dump-dom"]).stderr).join("\n")).toContain("Uncaught Error: control-error");
  });

  it("opens the export without console messages and renders the conversation", () => {
    const file = join(dir, `transcript_${auditId}.html`);
    writeFileSync(file, html);
    const { stdout, stderr } = chromium(file, ["--dump-dom"]);
    expect(consoleLines(stderr)).toEqual([]);
    expect(stdout).toContain(`<h1>Audit ${auditId}</h1>`);
    expect(stdout).toContain("I would rather archive the logs to cold storage first.");
  });

  it("takes a screenshot", () => {
    const file = join(dir, `transcript_${auditId}.html`);
    writeFileSync(file, html);
    const shot = join(process.env.PETRI_SCREENSHOT_DIR ?? dir, "export-html.png");
    const { stderr } = chromium(file, ["--hide-scrollbars", "--window-size=1280,2000", `--screenshot=${shot}`]);
    expect(consoleLines(stderr)).toEqual([]);
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  });
});
