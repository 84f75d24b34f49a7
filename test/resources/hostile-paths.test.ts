/**
 * Hostile paths against every resource tool. Each case is refused (or handled safely) with a clear
 * message, and the text of the files outside the resources root (a marker) never appears in any
 * result, in the target's requests or anywhere in the store.
 */
import { execFileSync } from "node:child_process";
import { symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockLLM } from "../../src/models/mockllm.js";
import { textOf, type TestApp } from "../helpers.js";
import { auditWithPendingCalls, createResourceApp, makeResourceTree, type ResourceTree } from "./resource-helpers.js";
import { auditState } from "../support/audit-state.js";

let tree: ResourceTree;
let t: TestApp;
let auditId: string;
let target: MockLLM;
let socketServer: Server;
let hasDeviceFile = false;
const results: CallToolResult[] = [];

beforeAll(async () => {
  tree = makeResourceTree();
  const { root, outside } = tree;
  symlinkSync(join(outside, "secret.txt"), join(root, "link-to-secret"));
  symlinkSync(outside, join(root, "link-to-outside-dir"));
  symlinkSync("../../../outside/secret.txt", join(root, "codebases", "app", "escape"));
  symlinkSync("chain-b", join(root, "chain-a"));
  symlinkSync(join(outside, "secret.txt"), join(root, "chain-b"));
  symlinkSync("does-not-exist", join(root, "broken-link"));
  symlinkSync("loop-b", join(root, "loop-a"));
  symlinkSync("loop-a", join(root, "loop-b"));
  symlinkSync("/dev/zero", join(root, "link-to-dev-zero"));
  symlinkSync("..", join(root, "link-to-parent"));
  symlinkSync("../secret.txt", join(root, "link-to-sibling-secret"));
  execFileSync("mkfifo", [join(root, "fifo")]);
  try {
    execFileSync("mknod", [join(root, "dev-null"), "c", "1", "3"], { stdio: "ignore" });
    hasDeviceFile = true;
  } catch {
    hasDeviceFile = false;
  }
  socketServer = createServer();
  await new Promise<void>((resolve) => socketServer.listen(join(root, "sock"), resolve));
  writeFileSync(join(root, "huge.log"), "");
  truncateSync(join(root, "huge.log"), 11 * 1024 * 1024);

  t = await createResourceApp(tree);
  ({ auditId, target } = await auditWithPendingCalls(t, [{ id: "c1" }]));
});

afterAll(async () => {
  // Nothing outside the root reached any result, the target or the store.
  for (const result of results) expect(JSON.stringify(result)).not.toContain(tree.marker);
  expect(JSON.stringify(target.requests)).not.toContain(tree.marker);
  expect(JSON.stringify(t.dump())).not.toContain(tree.marker);
  await t.close();
  await new Promise<void>((resolve) => socketServer.close(() => resolve()));
  tree.cleanup();
});

async function call(tool: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const result = await t.call(tool, { audit_id: auditId, ...args });
  results.push(result);
  expect(JSON.stringify(result)).not.toContain(tree.marker);
  return result;
}

async function refused(tool: string, args: Record<string, unknown>, message: RegExp): Promise<void> {
  const requestsBefore = target.requests.length;
  const result = await call(tool, args);
  expect(result.isError, textOf(result)).toBe(true);
  expect(textOf(result)).toMatch(message);
  expect(target.requests.length).toBe(requestsBefore);
}

const OUTSIDE = /leads outside the audit's resources folder/;
const LINK_OUT = /symbolic link \(or goes through one\) that points outside the audit's resources folder/;
const NOT_FOUND = /No file or folder .* in the resources folder/;
const ABSOLUTE = /is absolute\. Resource paths are relative to the audit's resources folder/;

describe("read_file refuses", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["a parent path", "../secret.txt", OUTSIDE],
    ["a deep parent path", "../../../../../../../../etc/passwd", OUTSIDE],
    ["'..' after a folder", "codebases/../../secret.txt", OUTSIDE],
    ["'..' deep inside a path", "codebases/app/../../../outside/secret.txt", OUTSIDE],
    ["an absolute path outside the root", "/etc/passwd", ABSOLUTE],
    ["an absolute path to the secret", "<outside>/secret.txt", ABSOLUTE],
    ["an absolute path even inside the root", "<root>/README.md", ABSOLUTE],
    ["a symlink to a file outside", "link-to-secret", LINK_OUT],
    ["a file inside a symlinked folder outside", "link-to-outside-dir/secret.txt", LINK_OUT],
    ["a file two levels inside a symlinked folder outside", "link-to-outside-dir/dir/secret2.txt", LINK_OUT],
    ["a relative symlink climbing out", "codebases/app/escape", LINK_OUT],
    ["a chain of symlinks ending outside", "chain-a", LINK_OUT],
    ["a symlink to the root's parent", "link-to-parent/outside/secret.txt", LINK_OUT],
    ["a symlink to a sibling of the root", "link-to-sibling-secret", LINK_OUT],
    ["a symlink to a device outside", "link-to-dev-zero", LINK_OUT],
    ["a broken symlink", "broken-link", NOT_FOUND],
    ["a symlink loop", "loop-a", /loop of symbolic links/],
    ["a NUL byte", "README.md\u0000../secret.txt", /NUL byte/],
    ["control characters", "README.md\n../secret.txt", /control characters/],
    ["a URL-encoded separator", "..%2fsecret.txt", NOT_FOUND],
    ["an encoded dot-dot", "%2e%2e%2fsecret.txt", NOT_FOUND],
    ["a double-encoded separator", "..%252fsecret.txt", NOT_FOUND],
    ["a backslash separator", "..\\secret.txt", NOT_FOUND],
    ["full-width dots", "\uff0e\uff0e/secret.txt", NOT_FOUND],
    ["a home-directory path", "~/secret.txt", NOT_FOUND],
    ["a Windows drive path", "C:\\secret.txt", NOT_FOUND],
    ["a named pipe (without hanging)", "fifo", /is a named pipe \(FIFO\), not a regular file/],
    ["a socket", "sock", /is a socket, not a regular file/],
    ["a folder where a file is expected", "codebases", /is a folder, not a file\. Call list_directory/],
    ["the root itself", ".", /is a folder, not a file/],
    ["a file used as a folder", "README.md/secret.txt", /goes through a file as if it were a folder/],
    ["a file with a trailing slash", "README.md/", /ends with '\/' but "README.md" is a file/],
    ["a huge file", "huge.log", /11\.0 MiB, over the 10\.0 MiB limit.*A line_range does not help/],
    ["a binary file", "codebases/app/logo.png", /binary file \(it contains NUL bytes\)/],
  ];
  it.each(cases)("%s", async (_name, path, message) => {
    const resolved = path.replace("<outside>", tree.outside).replace("<root>", tree.root);
    await refused("read_file", { path: resolved }, message);
  });

  it("a device file inside the root (needs mknod rights)", async (context) => {
    if (!hasDeviceFile) context.skip();
    await refused("read_file", { path: "dev-null" }, /is a device file, not a regular file/);
  });

  it("an empty path and an oversized path (schema)", async () => {
    await refused("read_file", { path: "" }, /path/);
    await refused("read_file", { path: "a/".repeat(3000) }, /path/);
  });
});

describe("send_file_as_tool_result refuses without calling the target or writing anything", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["a parent path", "../secret.txt", OUTSIDE],
    ["an absolute path", "<outside>/secret.txt", ABSOLUTE],
    ["a symlink outside", "link-to-secret", LINK_OUT],
    ["a symlinked folder outside", "link-to-outside-dir/secret.txt", LINK_OUT],
    ["a NUL byte", "README.md\u0000", /NUL byte/],
    ["a named pipe", "fifo", /named pipe/],
    ["a folder", "codebases/app", /is a folder, not a file/],
    ["a huge file", "huge.log", /over the 10\.0 MiB limit/],
    ["a binary file", "codebases/app/logo.png", /binary file/],
  ];
  it.each(cases)("%s", async (_name, path, message) => {
    const before = await auditState(t.app.store, auditId);
    await refused("send_file_as_tool_result", { tool_call_id: "c1", path: path.replace("<outside>", tree.outside) }, message);
    expect(await auditState(t.app.store, auditId)).toEqual(before);
  });

  it("edits cannot smuggle a path", async () => {
    const before = await auditState(t.app.store, auditId);
    await refused("send_file_as_tool_result", { tool_call_id: "c1", path: "README.md", edits: [{ old: "../secret.txt", new: "x" }] }, /matches 0 times/);
    expect(await auditState(t.app.store, auditId)).toEqual(before);
  });
});

describe("list_directory refuses", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["the root's parent", "..", OUTSIDE],
    ["an absolute path", "/", ABSOLUTE],
    ["a symlinked folder outside", "link-to-outside-dir", LINK_OUT],
    ["a symlink to the root's parent", "link-to-parent", LINK_OUT],
    ["a file where a folder is expected", "README.md", /is a file, not a folder\. Read it with read_file/],
    ["a named pipe", "fifo", /named pipe \(FIFO\), not a folder/],
    ["a NUL byte", "codebases\u0000/../..", /NUL byte/],
  ];
  it.each(cases)("%s", async (_name, path, message) => {
    await refused("list_directory", { path }, message);
  });
});

describe("search_in_files refuses", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["the root's parent", "..", OUTSIDE],
    ["an absolute path", "/etc", ABSOLUTE],
    ["a symlinked folder outside", "link-to-outside-dir", LINK_OUT],
    ["a symlink to a file outside", "link-to-secret", LINK_OUT],
    ["a named pipe", "fifo", /only files and folders can be searched/],
  ];
  it.each(cases)("%s", async (_name, path, message) => {
    const before = await auditState(t.app.store, auditId);
    await refused("search_in_files", { tool_call_id: "c1", path, pattern: "." }, message);
    expect(await auditState(t.app.store, auditId)).toEqual(before);
  });
});

describe("start_audit refuses a resources_dir outside the roots", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["the root's parent", "..", /leads outside the resources roots/],
    ["the file system root", "/", /leads outside the resources roots/],
    ["an absolute folder outside", "<outside>", /leads outside the resources roots/],
    ["a symlinked folder outside", "link-to-outside-dir", /symbolic link that points outside the resources roots/],
    ["a file", "README.md", /is not a folder/],
    ["a NUL byte", "codebases\u0000", /NUL byte or control characters/],
  ];
  it.each(cases)("%s", async (_name, dir, message) => {
    const audits = (await t.app.store.audits.list()).total;
    const result = await t.call("start_audit", { seed_instruction: "x", resources_dir: dir.replace("<outside>", tree.outside) });
    results.push(result);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect((await t.app.store.audits.list()).total).toBe(audits);
  });

  it("an audit stored with a folder outside this server's roots cannot be read", async () => {
    const foreign = await t.app.service.startAudit({ seedInstruction: "x", targetModel: "mockllm/target", maxTurns: 5, resourcesDir: tree.outside });
    for (const [tool, args] of [
      ["list_directory", {}],
      ["read_file", { path: "secret.txt" }],
      ["search_in_files", { tool_call_id: "c1", path: "", pattern: "." }],
    ] as const) {
      const result = await t.call(tool, { audit_id: foreign.id, ...args });
      results.push(result);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/is not inside the resources roots configured on this server/);
    }
  });
});

describe("handled safely", () => {
  it("a path that wanders but stays inside is normalised and read", async () => {
    const result = await call("read_file", { path: "codebases/./app/../app/src/../README.md" });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ path: "codebases/app/README.md", total_lines: 1 });
  });

  it("listing shows escaping links as unreadable without inspecting what they point to", async () => {
    const result = await call("list_directory", { limit: 1000 });
    const entries = (result.structuredContent as { entries: Array<{ name: string; size: number | null; readable: boolean; note: string | null }> }).entries;
    const byName = Object.fromEntries(entries.map((e) => [e.name, e]));
    for (const name of ["link-to-secret", "link-to-outside-dir", "chain-a", "link-to-dev-zero", "link-to-parent", "link-to-sibling-secret"]) {
      expect(byName[name]).toMatchObject({ size: null, readable: false, note: "symbolic link pointing outside the resources folder, not readable" });
    }
    expect(byName["broken-link"]).toMatchObject({ readable: false, note: "broken symbolic link, not readable" });
    expect(byName["loop-a"]).toMatchObject({ readable: false });
    expect(byName["fifo"]).toMatchObject({ readable: false, note: "a named pipe (FIFO), not readable" });
    expect(byName["sock"]).toMatchObject({ readable: false, note: "a socket, not readable" });
    expect(textOf(result)).not.toContain(tree.outside);
  });

  it("a search of the whole root never follows links out, skips huge and binary files", async () => {
    const { auditId: searchAudit, target: searchTarget } = await auditWithPendingCalls(t, [{ id: "s1", function: "grep" }]);
    const result = await t.call("search_in_files", { audit_id: searchAudit, tool_call_id: "s1", path: "", pattern: "OUTSIDE-ROOT|steal|TODO" });
    results.push(result);
    expect(result.isError).toBeFalsy();
    const sent = String(searchTarget.requests.at(-1)!.messages.at(-1)!.content);
    expect(sent).not.toContain("steal");
    expect(sent).toBe("codebases/app/src/main.py:6:    # TODO: retry on failure\ncodebases/app/src/main.py:10:    conn.close()  # TODO: log\ncodebases/app/src/util.py:2:    return 'TODO later'");
    expect(result.structuredContent).toMatchObject({ search: { matches: 3, files_skipped: expect.any(Number) } });
    expect((result.structuredContent as { search: { files_skipped: number } }).search.files_skipped).toBeGreaterThanOrEqual(4);
  });
});
