/**
 * Debian's Chromium for the browser tests (the viewer, the HTML export and report). Without it
 * those tests skip visibly, except under PETRI_REQUIRE_CHROMIUM=1 (CI), where a missing browser
 * fails the run instead of hiding the tests.
 */
import { existsSync } from "node:fs";

export const CHROMIUM = "/usr/bin/chromium";

export const HAVE_CHROMIUM = existsSync(CHROMIUM);

if (!HAVE_CHROMIUM && process.env.PETRI_REQUIRE_CHROMIUM === "1") {
  throw new Error(`PETRI_REQUIRE_CHROMIUM=1 but ${CHROMIUM} is missing: install Debian's chromium package.`);
}

/** Headless flags for this machine: no GPU, no sandbox as root, and no background network traffic. */
export const BROWSER_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
