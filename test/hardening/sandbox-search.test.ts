/**
 * search_in_files under attack (issue 14, hole 1): a catastrophic pattern must not freeze the
 * shared server, and nothing is read before the audit, the pending call and the path are checked.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelRegistry } from "../../src/models/registry.js";
import { compilePattern, estimateProgramSize, MAX_PATTERN_PROGRAM } from "../../src/resources/pattern.js";
import { searchResources } from "../../src/resources/search.js";
import { startHttpTestApp, type ConnectedClient, type HttpTestApp } from "../http/http-helpers.js";
import { textOf } from "../helpers.js";
import { makeResourceTree, READ_FILE_TOOL, type ResourceTree } from "../resources/resource-helpers.js";

let tree: ResourceTree;
/** Lines that make `(a+)+$` backtrack exponentially in a backtracking engine. */
const EVIL_LINE = `${"a".repeat(40)}!`;
const EVIL_LINES = 150_000;

beforeAll(() => {
  tree = makeResourceTree();
  writeFileSync(join(tree.root, "redos.txt"), `${EVIL_LINE}\n`.repeat(EVIL_LINES));
});
afterAll(() => tree.cleanup());

async function auditWithPendingCall(h: HttpTestApp, models: ModelRegistry, session: ConnectedClient): Promise<string> {
  const target = models.mock("mockllm/target");
  const auditId: string = (await session.ok("start_audit", { seed_instruction: "Probe how the target searches a codebase." })).data.audit_id;
  await session.ok("create_tool", { audit_id: auditId, environment_description: "A repository under /workspace.", function_code: READ_FILE_TOOL });
  await session.ok("set_target_system_message", { audit_id: auditId, system_message: "You are a coding agent." });
  target.script({ text: "Searching.", toolCalls: [{ id: "c1", function: "read_file", arguments: { path: "redos.txt" } }] });
  await session.ok("send_message", { audit_id: auditId, message: "Find the bad lines." });
  target.script({ text: "Nothing there." });
  return auditId;
}

describe("a catastrophic pattern", () => {
  it("runs in linear time: another HTTP session's list_audits answers within 1 s while it runs", async () => {
    const models = new ModelRegistry();
    const h = await startHttpTestApp({ models, config: { resourcesDirs: [tree.root] } });
    try {
      const attacker = await h.connect("attacker");
      const bystander = await h.connect("bystander");
      const auditId = await auditWithPendingCall(h, models, attacker);
      let searchDone = false;
      const search = attacker.call("search_in_files", { audit_id: auditId, tool_call_id: "c1", path: "redos.txt", pattern: "(a+)+$" }).finally(() => {
        searchDone = true;
      });
      const latencies: number[] = [];
      let duringSearch = 0;
      for (let i = 0; i < 10 && (i < 3 || !searchDone); i++) {
        const started = Date.now();
        const wasRunning = !searchDone;
        const listed = await bystander.ok("list_audits", {});
        latencies.push(Date.now() - started);
        if (wasRunning && !searchDone) duringSearch++;
        expect(listed.data.audits.length).toBeGreaterThan(0);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const result = await search;
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ search: { matches: 0, files_searched: 1, budget_reached: null } });
      // Generous bound that proves "did not hang" (a backtracking engine never finishes one line).
      expect(Math.max(...latencies)).toBeLessThan(1000);
      expect(duringSearch).toBeGreaterThan(0);
    } finally {
      await h.close();
    }
  }, 60_000);

  it("stops at the time budget with what it found and a notice", async () => {
    const result = await searchResources(tree.root, "", "a!$", { timeLimitMs: 1 });
    expect(result.budgetReached).toBe("time");
    expect(result.output).toMatch(/\[Search incomplete: the search stopped at its time limit\. Use a more specific path\.\]$/);
  });

  it("stops at the byte budget and says so", async () => {
    const result = await searchResources(tree.root, "", "TODO", { maxBytes: 1024 });
    expect(result.budgetReached).toBe("bytes");
    expect(result.output).toMatch(/stopped after reading its byte limit/);
  });
});

describe("pattern size", () => {
  it("refuses a pattern that would compile to a huge program, before compiling it", () => {
    const huge = "a{1000}b{1000}c{1000}d{1000}e{1000}f{1000}g{1000}h{1000}";
    expect(estimateProgramSize(huge)).toBeGreaterThan(MAX_PATTERN_PROGRAM);
    const started = Date.now();
    expect(() => compilePattern(huge)).toThrow(/is too large: it compiles to about \d+ steps, over the limit of 1000\. Use smaller repetition counts/);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(() => compilePattern("(?:[ab]{1,40}){1,40}")).toThrow(/too large/);
  });

  it("matches long lines in full for ordinary patterns, and only their start for large ones", async () => {
    expect(compilePattern("def \\w+_timeout").lineChars).toBe(64 * 1024);
    const large = compilePattern("[ab]{1,900}c");
    expect(large.lineChars).toBeLessThan(4096);
    writeFileSync(join(tree.root, "minified.js"), `${"ab".repeat(50_000)}c NEEDLE\n`);
    const found = await searchResources(tree.root, "minified.js", "[ab]{1,900}c");
    expect(found).toMatchObject({ matches: 0, longLines: 1, lineChars: large.lineChars });
    expect((await searchResources(tree.root, "minified.js", "NEEDLE")).matches).toBe(0);
    expect((await searchResources(tree.root, "minified.js", "^(ab)+c NEEDLE$")).longLines).toBe(1);
  });
});

describe("validation comes before any file is read", () => {
  it("refuses a made-up call id, an ended audit and a bad pattern before searching", async () => {
    const models = new ModelRegistry();
    const h = await startHttpTestApp({ models, config: { resourcesDirs: [tree.root] } });
    try {
      const session = await h.connect();
      const auditId = await auditWithPendingCall(h, models, session);
      // The call id is checked before the pattern and the path: both are bad here too.
      const bogus = await session.call("search_in_files", { audit_id: auditId, tool_call_id: "bogus", path: "no/such/place", pattern: "(" });
      expect(bogus.isError).toBe(true);
      expect(textOf(bogus)).toMatch(/'bogus' does not belong to the target's latest turn/);
      const badPattern = await session.call("search_in_files", { audit_id: auditId, tool_call_id: "c1", path: "redos.txt", pattern: "(a)\\1" });
      expect(textOf(badPattern)).toMatch(/not valid RE2 syntax/);
      await session.ok("end_conversation", { audit_id: auditId });
      const ended = await session.call("search_in_files", { audit_id: auditId, tool_call_id: "c1", path: "no/such/place", pattern: "(a+)+$" });
      expect(textOf(ended)).toMatch(/is over \(ended\)/);
      const sendEnded = await session.call("send_file_as_tool_result", { audit_id: auditId, tool_call_id: "c1", path: "no/such/file" });
      expect(textOf(sendEnded)).toMatch(/is over \(ended\)/);
    } finally {
      await h.close();
    }
  }, 30_000);
});
