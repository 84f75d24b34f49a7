/**
 * The resource tools through the MCP client: browsing, answering target calls with files and
 * search results under send_tool_call_result's rules, truncation, recording, configuration errors.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { GateContext } from "../../src/audit/service.js";
import { ModelError } from "../../src/models/types.js";
import { createTestApp, type TestApp } from "../helpers.js";
import { auditWithPendingCalls, conversationState, createResourceApp, MAIN_PY, makeResourceTree, type ResourceTree, toolResultsSent, writeFiles } from "./resource-helpers.js";
import { auditState } from "../support/audit-state.js";

let tree: ResourceTree;
let t: TestApp;

beforeAll(() => {
  tree = makeResourceTree();
  writeFiles(tree.root, { "codebases/app/long.txt": Array.from({ length: 3000 }, (_, i) => `line number ${i + 1} of the long file`).join("\n") + "\n" });
});
afterAll(() => tree.cleanup());
beforeEach(async () => {
  t = await createResourceApp(tree);
});
afterEach(async () => t.close());

const CAT_N_MAIN = MAIN_PY.trimEnd()
  .split("\n")
  .map((line, i) => `${String(i + 1).padStart(6)}\t${line}`)
  .join("\n");

async function startAudit(args: Record<string, unknown> = {}): Promise<string> {
  return (await t.ok("start_audit", { seed_instruction: "Look around.", ...args })).data.audit_id;
}

describe("list_directory", () => {
  it("lists the audit's resources folder, sorted, and records the call in the auditor view", async () => {
    const auditId = await startAudit();
    const { text, data } = await t.ok("list_directory", { audit_id: auditId });
    expect(text).toBe("The resources folder has 4 entries:\nINDEX.md  (58 B)\nREADME.md  (33 B)\ncodebases/\nsystem-prompts/");
    expect(data).toMatchObject({ path: "", total: 4, offset: 0, next_offset: null });
    expect(data.entries.map((e: any) => [e.path, e.type])).toEqual([
      ["INDEX.md", "file"],
      ["README.md", "file"],
      ["codebases", "directory"],
      ["system-prompts", "directory"],
    ]);
    const auditorView = (await t.ok("view_conversation", { audit_id: auditId, view: "auditor" })).data.messages;
    expect(auditorView.map((m: any) => m.role)).toEqual(["assistant", "tool"]);
    expect(auditorView[0].tool_calls[0]).toMatchObject({ function: "list_directory", arguments: {} });
    expect(auditorView[1].content).toBe(text);
  });

  it("lists a subfolder with paging", async () => {
    const auditId = await startAudit();
    const first = await t.ok("list_directory", { audit_id: auditId, path: "codebases/app", limit: 2 });
    expect(first.data.entries.map((e: any) => e.path)).toEqual(["codebases/app/README.md", "codebases/app/config.yaml"]);
    expect(first.data.next_offset).toBe(2);
    expect(first.text).toContain('Folder "codebases/app" has 5 entries (showing 1-2; next page: offset=2)');
    const rest = await t.ok("list_directory", { audit_id: auditId, path: "codebases/app/", offset: 2 });
    expect(rest.data.entries.map((e: any) => e.name)).toEqual(["logo.png", "long.txt", "src"]);
    expect(rest.data.next_offset).toBeNull();
  });

  it("works inside a resources_dir chosen at start_audit: paths are relative to it", async () => {
    const auditId = await startAudit({ resources_dir: "codebases/app" });
    const { data } = await t.ok("list_directory", { audit_id: auditId, path: "src" });
    expect(data.entries.map((e: any) => e.path)).toEqual(["src/main.py", "src/util.py"]);
    expect(await t.fails("read_file", { audit_id: auditId, path: "../../README.md" })).toMatch(/leads outside the audit's resources folder/);
  });

  it("explains how to configure resources when the server has none", async () => {
    const bare = await createTestApp();
    try {
      const auditId = (await bare.ok("start_audit", { seed_instruction: "x" })).data.audit_id;
      for (const [tool, args] of [
        ["list_directory", {}],
        ["read_file", { path: "README.md" }],
        ["search_in_files", { tool_call_id: "c1", path: "", pattern: "x" }],
        ["send_file_as_tool_result", { tool_call_id: "c1", path: "README.md" }],
      ] as const) {
        expect(await bare.fails(tool, { audit_id: auditId, ...args })).toMatch(/has no resources folder.*--resources-dir DIR.*PETRI_RESOURCES_DIR.*resources init/);
      }
      expect(await bare.fails("start_audit", { seed_instruction: "x", resources_dir: "a" })).toMatch(/No resources root is configured/);
    } finally {
      await bare.close();
    }
  });

  it("refuses an unknown audit", async () => {
    expect(await t.fails("list_directory", { audit_id: "nope" })).toMatch(/No audit with id 'nope'/);
  });
});

describe("read_file", () => {
  it("returns cat -n numbered lines to the auditor only", async () => {
    const { auditId, target } = await auditWithPendingCalls(t, [{ id: "c1" }]);
    const { text, data } = await t.ok("read_file", { audit_id: auditId, path: "codebases/app/src/main.py" });
    expect(text).toBe(`"codebases/app/src/main.py": all 10 lines (${MAIN_PY.length} B)\n${CAT_N_MAIN}`);
    expect(data).toMatchObject({ path: "codebases/app/src/main.py", first_line: 1, last_line: 10, total_lines: 10, truncated: false, next_line_range: null, size_bytes: MAIN_PY.length });
    expect(target.requests).toHaveLength(1);
    const targetView = (await t.ok("view_conversation", { audit_id: auditId })).data.messages;
    expect(targetView.some((m: any) => m.content.includes("TIMEOUT"))).toBe(false);
  });

  it("reads a line range", async () => {
    const auditId = await startAudit();
    const { text, data } = await t.ok("read_file", { audit_id: auditId, path: "codebases/app/src/main.py", line_range: [5, 7] });
    expect(text).toBe(`"codebases/app/src/main.py": lines 5-7 of 10 (${MAIN_PY.length} B)\n     5\tdef connect(host):\n     6\t    # TODO: retry on failure\n     7\t    return os.environ.get(host)`);
    expect(data).toMatchObject({ first_line: 5, last_line: 7, total_lines: 10 });
    expect(await t.fails("read_file", { audit_id: auditId, path: "codebases/app/src/main.py", line_range: [11, 20] })).toMatch(/starts at line 11, but .* has 10 lines/);
    expect(await t.fails("read_file", { audit_id: auditId, path: "codebases/app/src/main.py", line_range: [3] })).toMatch(/line_range/);
    expect(await t.fails("read_file", { audit_id: auditId, path: "codebases/app/src/main.py", line_range: [0, 2] })).toMatch(/line_range/);
  });

  it("caps output at max_tool_output, and the notice's line_range reads on until the whole file is seen", async () => {
    await t.close();
    t = await createResourceApp(tree, { maxToolOutput: 4096 });
    const auditId = await startAudit();
    const seen: string[] = [];
    let range: number[] | undefined;
    let notices = 0;
    for (let reads = 0; reads < 100; reads++) {
      const { text, data } = await t.ok("read_file", { audit_id: auditId, path: "codebases/app/long.txt", ...(range ? { line_range: range } : {}) });
      expect(Buffer.byteLength(text, "utf8")).toBeLessThanOrEqual(4096);
      seen.push(...text.split("\n\n[Output truncated")[0]!.split("\n").slice(1));
      if (data.last_line === data.total_lines) break;
      if (data.truncated) {
        notices++;
        expect(text).toMatch(new RegExp(`Read on with line_range \\[${data.next_line_range[0]}, ${data.next_line_range[1]}\\]\\.\\]$`));
        range = data.next_line_range;
      } else {
        // A range that fitted whole: ask for the next hundred lines.
        range = [data.last_line + 1, data.last_line + 100];
      }
    }
    expect(notices).toBeGreaterThan(0);
    expect(seen).toHaveLength(3000);
    expect(seen.map((l) => l.split("\t")[1])).toEqual(Array.from({ length: 3000 }, (_, i) => `line number ${i + 1} of the long file`));
    expect(seen.map((l) => Number(l.split("\t")[0]))).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
  });
});

describe("send_file_as_tool_result", () => {
  it("answers the pending call with cat -n content and returns the target's reply", async () => {
    const { auditId, target } = await auditWithPendingCalls(t, [{ id: "c1" }]);
    target.script({ text: "I see a 30 second timeout." });
    const { text, data } = await t.ok("send_file_as_tool_result", { audit_id: auditId, tool_call_id: "c1", path: "codebases/app/src/main.py" });
    expect(toolResultsSent(target)).toEqual([{ id: "c1", content: CAT_N_MAIN, error: null }]);
    expect(text).toMatch(/^Answered tool call c1 with "codebases\/app\/src\/main.py" \(all 10 lines\)\.\n\n<target_response message_index="4">\nI see a 30 second timeout\.\n<\/target_response>/);
    expect(data).toMatchObject({ target_called: true, message_index: 4, turns_used: 2, sent: { path: "codebases/app/src/main.py", first_line: 1, last_line: 10, total_lines: 10, edits_applied: 0, characters: CAT_N_MAIN.length } });
    const stored = (await t.ok("view_conversation", { audit_id: auditId })).data.messages[3];
    expect(stored).toMatchObject({ role: "tool", tool_call_id: "c1", content: CAT_N_MAIN, source: "Auditor" });
    const auditorView = (await t.ok("view_conversation", { audit_id: auditId, view: "auditor" })).data.messages;
    const call = auditorView.filter((m: any) => m.role === "assistant").at(-1).tool_calls[0];
    expect(call).toMatchObject({ function: "send_file_as_tool_result", arguments: { tool_call_id: "c1", path: "codebases/app/src/main.py" } });
  });

  it("applies edits before slicing, and sends a line range", async () => {
    const { auditId, target } = await auditWithPendingCalls(t, [{ id: "c1" }]);
    const { data } = await t.ok("send_file_as_tool_result", {
      audit_id: auditId,
      tool_call_id: "c1",
      path: "codebases/app/src/main.py",
      edits: [
        { old: "import os\n", new: "import os\nimport sys\n" },
        { old: "TIMEOUT = 30", new: "TIMEOUT = 3  # do not raise" },
      ],
      line_range: [3, 5],
    });
    expect(toolResultsSent(target)[0]!.content).toBe("     3\t\n     4\tTIMEOUT = 3  # do not raise\n     5\t");
    expect(data.sent).toMatchObject({ first_line: 3, last_line: 5, total_lines: 11, edits_applied: 2 });
  });

  it("refuses an edit that does not match exactly once, changing nothing", async () => {
    const { auditId, target } = await auditWithPendingCalls(t, [{ id: "c1" }]);
    const before = await auditState(t.app.store, auditId);
    expect(await t.fails("send_file_as_tool_result", { audit_id: auditId, tool_call_id: "c1", path: "codebases/app/src/main.py", edits: [{ old: "TODO", new: "x" }] })).toMatch(
      /Edit 1 of 1 \(old "TODO"\) matches 2 times/,
    );
    expect(await t.fails("send_file_as_tool_result", { audit_id: auditId, tool_call_id: "c1", path: "codebases/app/src/main.py", edits: [{ old: "     3\tTIMEOUT", new: "x" }] })).toMatch(
      /matches 0 times.*without the line-number prefixes/,
    );
    expect(await auditState(t.app.store, auditId)).toEqual(before);
    expect(target.requests).toHaveLength(1);
  });

  it("follows the pending-call rules: stores a result until the turn's last call is answered", async () => {
    const { auditId, target } = await auditWithPendingCalls(t, [{ id: "c1" }, { id: "c2", function: "grep", arguments: { pattern: "TODO" } }]);
    const first = await t.ok("send_file_as_tool_result", { audit_id: auditId, tool_call_id: "c1", path: "codebases/app/config.yaml" });
    expect(first.data).toMatchObject({ target_called: false, remaining_tool_call_ids: ["c2"] });
    expect(first.text).toMatch(/still waiting for: c2/);
    expect(target.requests).toHaveLength(1);
    expect(await t.fails("send_file_as_tool_result", { audit_id: auditId, tool_call_id: "c1", path: "codebases/app/config.yaml" })).toMatch(/already has a result/);
    expect(await t.fails("send_message", { audit_id: auditId, message: "hi" })).toMatch(/pending tool calls \(c2\)/);
    const second = await t.ok("search_in_files", { audit_id: auditId, tool_call_id: "c2", path: "codebases/app/src", pattern: "TODO" });
    expect(second.data).toMatchObject({ target_called: true, search: { matches: 3, files_with_matches: 2, capped: false } });
    expect(toolResultsSent(target)).toEqual([
      { id: "c1", content: "     1\ttimeout: 30\n     2\tretries: 3", error: null },
      { id: "c2", content: "main.py:6:    # TODO: retry on failure\nmain.py:10:    conn.close()  # TODO: log\nutil.py:2:    return 'TODO later'", error: null },
    ]);
  });

  it("refuses a call id that is not pending, or when no call is pending, changing nothing", async () => {
    const { auditId, target } = await auditWithPendingCalls(t, [{ id: "c1" }]);
    const before = conversationState(t);
    expect(await t.fails("send_file_as_tool_result", { audit_id: auditId, tool_call_id: "zzz", path: "README.md" })).toMatch(/'zzz' does not belong to the target's latest turn. Pending ids: c1/);
    expect(conversationState(t)).toEqual(before);
    target.script({ text: "Done." });
    await t.ok("send_file_as_tool_result", { audit_id: auditId, tool_call_id: "c1", path: "README.md" });
    expect(await t.fails("send_file_as_tool_result", { audit_id: auditId, tool_call_id: "c1", path: "README.md" })).toMatch(/no pending tool calls/);
    expect(await t.fails("search_in_files", { audit_id: auditId, tool_call_id: "c1", path: "", pattern: "x" })).toMatch(/no pending tool calls/);
  });

  it("passes a prefill on the last result, and nothing is written when the target call fails", async () => {
    const { auditId, target } = await auditWithPendingCalls(t, [{ id: "c1" }]);
    target.script({ error: new ModelError("overloaded", "boom") });
    const before = conversationState(t);
    expect(await t.fails("send_file_as_tool_result", { audit_id: auditId, tool_call_id: "c1", path: "README.md", prefill: "The README" })).toMatch(/Error calling the target model/);
    expect(conversationState(t)).toEqual(before);
    target.script({ text: " says to read INDEX.md." });
    await t.ok("send_file_as_tool_result", { audit_id: auditId, tool_call_id: "c1", path: "README.md", prefill: "The README  " });
    const last = target.requests.at(-1)!.messages.at(-1)!;
    expect(last).toMatchObject({ role: "assistant", content: "The README" });
  });

  it("has no prefill argument when the server runs with --no-prefill", async () => {
    await t.close();
    t = await createResourceApp(tree, { prefill: false });
    const tools = (await t.client.listTools()).tools;
    for (const name of ["send_file_as_tool_result", "search_in_files"]) {
      expect(Object.keys(tools.find((tool) => tool.name === name)!.inputSchema.properties ?? {})).not.toContain("prefill");
    }
  });

  it("goes through the realism gate with the content it would send; a rejection sends nothing", async () => {
    const { auditId, target } = await auditWithPendingCalls(t, [{ id: "c1" }], { realism_filter: true, realism_model: "mockllm/realism" });
    const seen: GateContext["action"][] = [];
    t.app.service.setGate({
      check: async (context) => {
        seen.push(context.action);
        return { allowed: false, message: "Realism check rejected this action (score 0.2): too convenient." };
      },
    });
    const before = conversationState(t);
    expect(await t.fails("send_file_as_tool_result", { audit_id: auditId, tool_call_id: "c1", path: "codebases/app/config.yaml", line_range: [1, 1] })).toMatch(/too convenient/);
    expect(await t.fails("search_in_files", { audit_id: auditId, tool_call_id: "c1", path: "codebases", pattern: "retries" })).toMatch(/too convenient/);
    expect(conversationState(t)).toEqual(before);
    expect(target.requests).toHaveLength(1);
    expect(seen).toEqual([
      { tool: "send_file_as_tool_result", toolCallId: "c1", arguments: { tool_call_id: "c1", path: "codebases/app/config.yaml", line_range: [1, 1], result: "     1\ttimeout: 30" } },
      { tool: "search_in_files", toolCallId: "c1", arguments: { tool_call_id: "c1", path: "codebases", pattern: "retries", result: "app/config.yaml:2:retries: 3" } },
    ]);
  });

  it("refuses when the audit is over", async () => {
    const { auditId } = await auditWithPendingCalls(t, [{ id: "c1" }]);
    await t.ok("end_conversation", { audit_id: auditId });
    expect(await t.fails("send_file_as_tool_result", { audit_id: auditId, tool_call_id: "c1", path: "README.md" })).toMatch(/is over \(ended\)/);
    // Browsing still works after the end.
    expect((await t.ok("read_file", { audit_id: auditId, path: "README.md" })).data.total_lines).toBe(2);
  });
});

describe("search_in_files", () => {
  it("sends 'No matches' when nothing matches", async () => {
    const { auditId, target } = await auditWithPendingCalls(t, [{ id: "c1", function: "grep" }]);
    const { text, data } = await t.ok("search_in_files", { audit_id: auditId, tool_call_id: "c1", path: "codebases", pattern: "NoSuchThing" });
    expect(toolResultsSent(target)[0]!.content).toBe("No matches");
    expect(text).toMatch(/^Answered tool call c1 with no matches \(sent "No matches"\)/);
    expect(data.search).toMatchObject({ matches: 0, capped: false });
  });

  it("sends line numbers that match the file", async () => {
    const { auditId, target } = await auditWithPendingCalls(t, [{ id: "c1", function: "grep" }]);
    await t.ok("search_in_files", { audit_id: auditId, tool_call_id: "c1", path: "codebases/app/long.txt", pattern: "number (7|2999) of" });
    expect(toolResultsSent(target)[0]!.content).toBe("long.txt:7:line number 7 of the long file\nlong.txt:2999:line number 2999 of the long file");
  });

  it("tells the auditor and the target when the match count is capped", async () => {
    const { auditId, target } = await auditWithPendingCalls(t, [{ id: "c1", function: "grep" }]);
    const { text, data } = await t.ok("search_in_files", { audit_id: auditId, tool_call_id: "c1", path: "codebases/app", pattern: "line number" });
    expect(data.search).toMatchObject({ matches: 200, capped: true, files_skipped: 1 });
    expect(text).toMatch(/200 matches in 1 file for \/line number\/ in "codebases\/app", 4 files searched; capped at 200: more matches exist.*1 binary, oversized or special file skipped/);
    const sent = toolResultsSent(target)[0]!.content.split("\n");
    expect(sent[199]).toBe("long.txt:200:line number 200 of the long file");
    expect(sent.at(-1)).toBe("[Results truncated: showing the first 200 matches. Use a more specific pattern or path.]");
  });

  it("refuses an invalid regular expression, changing nothing", async () => {
    const { auditId, target } = await auditWithPendingCalls(t, [{ id: "c1", function: "grep" }]);
    const before = await auditState(t.app.store, auditId);
    expect(await t.fails("search_in_files", { audit_id: auditId, tool_call_id: "c1", path: "codebases", pattern: "def (" })).toMatch(/not valid RE2 syntax/);
    // Backreferences and lookaround are not RE2: refused with a reason, not a silent mismatch.
    expect(await t.fails("search_in_files", { audit_id: auditId, tool_call_id: "c1", path: "codebases", pattern: "(a)\\1" })).toMatch(/not valid RE2 syntax.*no backreferences/);
    expect(await t.fails("search_in_files", { audit_id: auditId, tool_call_id: "c1", path: "codebases", pattern: "foo(?=bar)" })).toMatch(/not valid RE2 syntax.*no lookaround/);
    expect(await auditState(t.app.store, auditId)).toEqual(before);
    expect(target.requests).toHaveLength(1);
  });

  it("declares that pattern is RE2 syntax, and every argument is described", async () => {
    const tools = (await t.client.listTools()).tools;
    const search = tools.find((tool) => tool.name === "search_in_files")!;
    expect(search.description).toMatch(/pattern uses RE2 syntax .*no backreferences, no lookaround/);
    for (const name of ["list_directory", "read_file", "send_file_as_tool_result", "search_in_files"]) {
      const tool = tools.find((x) => x.name === name)!;
      expect(tool.outputSchema).toBeDefined();
      for (const [arg, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
        expect((schema as { description?: string }).description, `${name}.${arg}`).toBeTruthy();
      }
    }
    expect(Object.keys(tools.find((x) => x.name === "send_file_as_tool_result")!.inputSchema.properties!)).toEqual(["audit_id", "tool_call_id", "path", "line_range", "edits", "prefill"]);
    expect(Object.keys(search.inputSchema.properties!)).toEqual(["audit_id", "tool_call_id", "path", "pattern", "prefill"]);
    expect(Object.keys(tools.find((x) => x.name === "list_directory")!.inputSchema.properties!)).toEqual(["audit_id", "path", "offset", "limit"]);
    expect(Object.keys(tools.find((x) => x.name === "read_file")!.inputSchema.properties!)).toEqual(["audit_id", "path", "line_range"]);
  });
});
