/**
 * SDK warnings (console.warn, e.g. Anthropic's model-deprecation notice on every call) go through
 * our logger once each, and while the runner's live panel is on screen they appear inside its frame
 * instead of breaking the redraw.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { routeConsoleWarnings, setLogSink } from "../../src/log.js";
import { RunProgress } from "../../src/runner/progress.js";

const DEPRECATION = "The model 'claude-3-7-sonnet-20250219' is deprecated and will reach end-of-life on February 19th, 2026\nPlease migrate to a newer model.";

const originalWarn = console.warn;
// Warnings are shown at the default level, whatever another test file left in PETRI_LOG_LEVEL.
beforeEach(() => vi.stubEnv("PETRI_LOG_LEVEL", "info"));
afterEach(() => {
  console.warn = originalWarn;
  setLogSink(null);
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("SDK warnings", () => {
  it("console.warn goes through the logger to stderr, each distinct message once", () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (written.push(String(chunk)), true));
    routeConsoleWarnings();
    console.warn(DEPRECATION);
    console.warn(DEPRECATION);
    console.warn("another notice");
    expect(written).toHaveLength(2);
    expect(written[0]).toMatch(/^\[petri-mcp\] warn: The model 'claude-3-7-sonnet-20250219' is deprecated/);
    expect(written[1]).toBe("[petri-mcp] warn: another notice\n");
  });

  it("while the live panel is drawn, a warning is shown inside the frame, never between frames", () => {
    const frames: string[] = [];
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    routeConsoleWarnings();
    const progress = new RunProgress({ write: (text) => frames.push(text), live: true, columns: 200 }, () => ({ inputTokens: 0, outputTokens: 0, costUsd: null }));
    progress.handle({ type: "run_started", runId: "r1", seeds: 1, toRun: 1, resumed: 0, recovered: 0 });
    console.warn(DEPRECATION);
    progress.finish();
    expect(stderr).not.toHaveBeenCalled();
    const last = frames.at(-1)!;
    // One line in the frame (the notice's newline folded), below the counters.
    expect(last).toContain("[petri-mcp] warn: The model 'claude-3-7-sonnet-20250219' is deprecated and will reach end-of-life on February 19th, 2026 Please migrate");
    // Every frame after the first starts by moving up over the previous one: nothing was printed in between.
    for (const frame of frames.slice(1)) expect(frame.startsWith("\x1b[")).toBe(true);
    // After the run, the logger writes to stderr again.
    console.warn("after the run");
    expect(stderr).toHaveBeenCalledWith("[petri-mcp] warn: after the run\n");
  });
});
