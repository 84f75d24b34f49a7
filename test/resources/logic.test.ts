/**
 * The pure logic of src/resources/: lines and line ranges, truncation, edits, listing, search,
 * the roots check and the prompt section.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditError } from "../../src/audit/errors.js";
import { applyEdits, countOccurrences } from "../../src/resources/edits.js";
import { MAX_FILE_BYTES, readResourceText } from "../../src/resources/files.js";
import { capNumberedLines, numberedText, numberLine, sliceLines, splitLines } from "../../src/resources/lines.js";
import { formatDirectoryPage, listResourceDirectory } from "../../src/resources/listing.js";
import { PROMPT_INSTRUCTIONS_BYTES, resourcesPrompt } from "../../src/resources/prompt.js";
import { renderAuditorSystemPrompt } from "../../src/prompts/auditor.js";
import { requireAuditResourcesDir, resolveAuditResourcesDir } from "../../src/resources/roots.js";
import { isInside } from "../../src/resources/sandbox.js";
import { compilePattern, NO_MATCHES, searchResources } from "../../src/resources/search.js";
import { MAIN_PY, makeResourceTree, type ResourceTree, writeFiles } from "./resource-helpers.js";

function auditError(fn: () => unknown): AuditError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AuditError) return error;
    throw error;
  }
  throw new Error("expected an AuditError");
}

async function asyncAuditError(promise: Promise<unknown>): Promise<AuditError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuditError) return error;
    throw error;
  }
  throw new Error("expected an AuditError");
}

describe("lines", () => {
  it("splits like a file viewer: no phantom last line, CR dropped, empty file has none", () => {
    expect(splitLines("")).toEqual([]);
    expect(splitLines("a\nb\n")).toEqual(["a", "b"]);
    expect(splitLines("a\nb")).toEqual(["a", "b"]);
    expect(splitLines("a\r\nb\r\n")).toEqual(["a", "b"]);
    expect(splitLines("a\n\n")).toEqual(["a", ""]);
    expect(splitLines("\n")).toEqual([""]);
  });

  it("numbers lines as cat -n does", () => {
    expect(numberLine(1, "import os")).toBe("     1\timport os");
    expect(numberLine(123456, "x")).toBe("123456\tx");
    expect(numberLine(1234567, "x")).toBe("1234567\tx");
    const cat = execFileSync("cat", ["-n"], { input: MAIN_PY }).toString();
    expect(numberedText(sliceLines(splitLines(MAIN_PY), undefined, "main.py")) + "\n").toBe(cat);
  });

  it("slices 1-based inclusive ranges, clamps the end, refuses a start past the end or a reversed range", () => {
    const lines = splitLines(MAIN_PY);
    expect(sliceLines(lines, [3, 5], "f")).toEqual({ lines: ["TIMEOUT = 30", "", "def connect(host):"], first: 3, last: 5, total: 10 });
    expect(sliceLines(lines, [9, 500], "f")).toMatchObject({ first: 9, last: 10, lines: ["def close(conn):", "    conn.close()  # TODO: log"] });
    expect(sliceLines(lines, [10, 10], "f").lines).toEqual(["    conn.close()  # TODO: log"]);
    expect(auditError(() => sliceLines(lines, [11, 12], "f")).message).toMatch(/starts at line 11, but "f" has 10 lines/);
    expect(auditError(() => sliceLines(lines, [5, 3], "f")).message).toMatch(/reversed/);
    expect(auditError(() => sliceLines(lines, [0, 3], "f")).message).toMatch(/1-based/);
    expect(auditError(() => sliceLines([], [1, 1], "empty")).message).toMatch(/has 0 lines/);
    expect(numberedText(sliceLines(lines, [3, 4], "f"))).toBe("     3\tTIMEOUT = 30\n     4\t");
  });

  it("keeps output under the cap, cuts at a line boundary and names the line_range that reads on", () => {
    const lines = Array.from({ length: 400 }, (_, i) => `line ${i + 1} ${"x".repeat(40)}`);
    const slice = sliceLines(lines, undefined, "big.txt");
    const capped = capNumberedLines("header", slice, 2000);
    expect(capped.truncated).toBe(true);
    expect(Buffer.byteLength(capped.text, "utf8")).toBeLessThanOrEqual(2000);
    const shownLines = capped.text.split("\n\n[Output truncated")[0]!.split("\n").slice(1);
    expect(shownLines.length).toBe(capped.lastShown);
    expect(shownLines.at(-1)).toBe(numberLine(capped.lastShown, lines[capped.lastShown - 1]!));
    expect(capped.nextRange).toEqual([capped.lastShown + 1, 2 * capped.lastShown]);
    expect(capped.text).toContain(`Read on with line_range [${capped.lastShown + 1}, ${2 * capped.lastShown}]`);

    const small = capNumberedLines("header", sliceLines(["a", "b"], undefined, "f"), 2000);
    expect(small).toEqual({ text: "header\n     1\ta\n     2\tb", lastShown: 2, truncated: false, nextRange: null });
  });

  it("cuts inside a single line longer than the cap, without breaking a multi-byte character", () => {
    const slice = sliceLines(["é".repeat(5000), "short"], undefined, "f");
    const capped = capNumberedLines("h", slice, 1000);
    expect(Buffer.byteLength(capped.text, "utf8")).toBeLessThanOrEqual(1000);
    expect(capped.text).not.toContain("\uFFFD");
    expect(capped.text).toMatch(/Line 1 alone is longer than the limit; later lines can be read with line_range \[2, 2\]/);
    expect(capped.nextRange).toEqual([2, 2]);
  });
});

describe("edits", () => {
  it("counts overlapping occurrences", () => {
    expect(countOccurrences("aaa", "aa")).toBe(2);
    expect(countOccurrences("abc", "d")).toBe(0);
  });

  it("applies edits in order, inserting new text literally", () => {
    const out = applyEdits("TIMEOUT = 30\nRETRIES = 3\n", [{ old: "TIMEOUT = 30", new: "TIMEOUT = $& 3" }, { old: "$& 3", new: "3" }], "f");
    expect(out).toBe("TIMEOUT = 3\nRETRIES = 3\n");
  });

  it("names the failing edit and its match count", () => {
    const none = auditError(() => applyEdits(MAIN_PY, [{ old: "import os", new: "import sys" }, { old: "nope", new: "x" }], "src/main.py"));
    expect(none.message).toMatch(/^Edit 2 of 2 \(old "nope"\) matches 0 times in "src\/main.py" \(after the earlier edits\)/);
    const many = auditError(() => applyEdits(MAIN_PY, [{ old: "TODO", new: "DONE" }], "src/main.py"));
    expect(many.message).toMatch(/^Edit 1 of 1 \(old "TODO"\) matches 2 times .*must match exactly once/);
    expect(auditError(() => applyEdits("x", [{ old: "", new: "y" }], "f")).message).toMatch(/empty old string/);
  });
});

describe("with a resources tree", () => {
  let tree: ResourceTree;
  beforeAll(() => {
    tree = makeResourceTree();
    symlinkSync(join(tree.outside, "secret.txt"), join(tree.root, "link-out"));
    symlinkSync("codebases/app/src", join(tree.root, "src-link"));
    writeFiles(tree.root, { "many/.hidden": "h\n", ...Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`many/f${String(i).padStart(2, "0")}.txt`, "x\n"])) });
    execFileSync("mkfifo", [join(tree.root, "pipe")]);
  });
  afterAll(() => tree.cleanup());

  describe("listing", () => {
    it("lists sorted entries with types, sizes, links and special files", () => {
      const page = listResourceDirectory(tree.root, "");
      expect(page.entries.map((e) => e.name)).toEqual(["INDEX.md", "README.md", "codebases", "link-out", "many", "pipe", "src-link", "system-prompts"]);
      const byName = Object.fromEntries(page.entries.map((e) => [e.name, e]));
      expect(byName["README.md"]).toEqual({ name: "README.md", path: "README.md", type: "file", size: 33, symlink: false, readable: true, note: null });
      expect(byName["codebases"]).toMatchObject({ type: "directory", size: null, readable: true });
      expect(byName["link-out"]).toMatchObject({ type: "other", size: null, symlink: true, readable: false });
      expect(byName["link-out"]!.note).toMatch(/outside the resources folder/);
      expect(byName["src-link"]).toMatchObject({ type: "directory", symlink: true, readable: true, note: "symbolic link" });
      expect(byName["pipe"]).toMatchObject({ type: "other", readable: false, note: "a named pipe (FIFO), not readable" });
      const text = formatDirectoryPage(page);
      expect(text).toContain("The resources folder has 8 entries:");
      expect(text).toContain("codebases/\n");
      expect(text).toContain("README.md  (33 B)");
    });

    it("pages a big folder", () => {
      const first = listResourceDirectory(tree.root, "many", { limit: 10 });
      expect(first).toMatchObject({ path: "many", total: 26, offset: 0, nextOffset: 10 });
      expect(first.entries[0]!.path).toBe("many/.hidden");
      const last = listResourceDirectory(tree.root, "many", { offset: 20, limit: 10 });
      expect(last.entries.map((e) => e.name)).toEqual(["f19.txt", "f20.txt", "f21.txt", "f22.txt", "f23.txt", "f24.txt"]);
      expect(last.nextOffset).toBeNull();
      expect(formatDirectoryPage(first)).toContain("(showing 1-10; next page: offset=10)");
      expect(formatDirectoryPage(listResourceDirectory(tree.root, "many", { offset: 99 }))).toMatch(/offset 99 is past the end/);
    });
  });

  describe("reading", () => {
    it("reads text, refuses binary and oversized files", async () => {
      expect(await readResourceText(tree.root, "codebases/app/src/main.py")).toEqual({ path: "codebases/app/src/main.py", text: MAIN_PY, size: MAIN_PY.length });
      expect((await asyncAuditError(readResourceText(tree.root, "codebases/app/logo.png"))).message).toMatch(/binary file/);
      writeFileSync(join(tree.root, "big.txt"), "");
      truncateSync(join(tree.root, "big.txt"), MAX_FILE_BYTES + 1);
      expect((await asyncAuditError(readResourceText(tree.root, "big.txt"))).message).toMatch(/10\.0 MiB, over the 10\.0 MiB limit.*line_range does not help/);
      // Exactly at the cap is fine (a text file of MAX_FILE_BYTES bytes).
      writeFileSync(join(tree.root, "big.txt"), "a".repeat(MAX_FILE_BYTES));
      expect((await readResourceText(tree.root, "big.txt")).size).toBe(MAX_FILE_BYTES);
    });
  });

  describe("search", () => {
    it("prints path:LINE:text relative to the searched folder (as Petri), line numbers matching the file", async () => {
      const result = await searchResources(tree.root, "codebases/app", "TODO");
      expect(result.output).toBe(
        ["src/main.py:6:    # TODO: retry on failure", "src/main.py:10:    conn.close()  # TODO: log", "src/util.py:2:    return 'TODO later'"].join("\n"),
      );
      for (const line of result.output.split("\n")) {
        const [path, number, ...text] = line.split(":");
        const file = readFileSync(join(tree.root, "codebases", "app", path!), "utf8").split("\n");
        expect(file[Number(number) - 1]).toBe(text.join(":"));
      }
      expect(result).toMatchObject({ matches: 3, filesWithMatches: 2, capped: false, filesSkipped: 1 });
    });

    it("uses the file name for a single file and no prefix for the whole folder", async () => {
      expect((await searchResources(tree.root, "codebases/app/config.yaml", "^retries")).output).toBe("config.yaml:2:retries: 3");
      const whole = await searchResources(tree.root, "", "^timeout");
      expect(whole.output).toBe("codebases/app/config.yaml:1:timeout: 30");
      expect(whole.linksSkipped).toBe(2);
      expect((await searchResources(tree.root, ".", "Acme")).output).toBe("system-prompts/support.md:1:You are a support agent for Acme.");
    });

    it("is a case-sensitive RE2 regex ((?i) for case-insensitive); no match gives 'No matches'", async () => {
      expect((await searchResources(tree.root, "codebases", "todo")).output).toBe(NO_MATCHES);
      expect((await searchResources(tree.root, "codebases", "(?i)todo")).matches).toBe(3);
      expect((await searchResources(tree.root, "codebases", "def (connect|close)\\(")).matches).toBe(2);
      expect(auditError(() => compilePattern("foo(")).message).toMatch(/not valid RE2 syntax/);
      expect(auditError(() => compilePattern("(?<!x)y")).message).toMatch(/not valid RE2 syntax.*no lookaround/);
    });

    it("caps the matches with a notice, and cuts very long lines", async () => {
      writeFiles(tree.root, { "hits/a.txt": Array.from({ length: 250 }, (_, i) => `hit ${i + 1}`).join("\n"), "hits/long.txt": `hit ${"y".repeat(2000)}\n` });
      const capped = await searchResources(tree.root, "hits", "^hit");
      expect(capped.matches).toBe(200);
      expect(capped.capped).toBe(true);
      const lines = capped.output.split("\n");
      expect(lines[199]).toBe("a.txt:200:hit 200");
      expect(capped.output).toMatch(/\n\n\[Results truncated: showing the first 200 matches\. Use a more specific pattern or path\.\]$/);
      const long = await searchResources(tree.root, "hits/long.txt", "^hit");
      expect(long.output).toBe(`long.txt:1:hit ${"y".repeat(496)} [...]`);
    });

    it("stops at the file limit (the searched folder counts as one visit) with a notice", async () => {
      const result = await searchResources(tree.root, "many", "x", { maxFiles: 6 });
      expect(result).toMatchObject({ filesSearched: 5, fileLimitReached: true, budgetReached: "files", matches: 4 });
      expect(result.output).toMatch(/\n\n\[Search incomplete: the search stopped after visiting its file limit\. Use a more specific path\.\]$/);
    });
  });

  describe("roots", () => {
    it("resolves start_audit's resources_dir inside a root and refuses the rest", () => {
      mkdirSync(join(tree.base, "root2", "extra"), { recursive: true });
      const roots = [tree.root, join(tree.base, "root2")];
      expect(resolveAuditResourcesDir(roots, undefined)).toBe(tree.root);
      expect(resolveAuditResourcesDir([], undefined)).toBeNull();
      expect(resolveAuditResourcesDir(roots, "codebases/app")).toBe(join(tree.root, "codebases", "app"));
      expect(resolveAuditResourcesDir(roots, "extra")).toBe(join(tree.base, "root2", "extra"));
      expect(resolveAuditResourcesDir(roots, "src-link")).toBe(join(tree.root, "codebases", "app", "src"));
      expect(resolveAuditResourcesDir(roots, join(tree.root, "codebases"))).toBe(join(tree.root, "codebases"));
      expect(auditError(() => resolveAuditResourcesDir(roots, "..")).message).toMatch(/leads outside the resources roots/);
      expect(auditError(() => resolveAuditResourcesDir(roots, "README.md")).message).toMatch(/is not a folder/);
      expect(auditError(() => resolveAuditResourcesDir(roots, "nope")).message).toMatch(/does not exist in any resources root/);
      expect(auditError(() => resolveAuditResourcesDir([], "x")).code).toBe("config");
      expect(auditError(() => resolveAuditResourcesDir([join(tree.base, "missing")], undefined)).message).toMatch(/does not exist/);
    });

    it("checks an audit's folder against this server's roots on every use", () => {
      expect(requireAuditResourcesDir([tree.root], "a1", join(tree.root, "codebases"))).toBe(join(tree.root, "codebases"));
      expect(auditError(() => requireAuditResourcesDir([tree.root], "a1", tree.outside)).message).toMatch(/not inside the resources roots configured on this server/);
      expect(auditError(() => requireAuditResourcesDir([tree.root], "a1", null)).message).toMatch(/has no resources folder.*--resources-dir/);
    });

    it("treats names that merely start with '..' as inside", () => {
      expect(isInside("/r", "/r/..foo")).toBe(true);
      expect(isInside("/r", "/r/../x")).toBe(false);
      expect(isInside("/r", "/r2")).toBe(false);
      expect(isInside("/r", "/r")).toBe(true);
    });
  });

  describe("prompt section", () => {
    it("fills the listing placeholder with the top level", () => {
      const prompt = resourcesPrompt(tree.root);
      expect(prompt).not.toContain("{resources_listing}");
      expect(prompt).toContain("- `codebases/` (1 item)");
      expect(prompt).toContain("- `README.md` (33 B)");
      expect(prompt).toMatch(/- `link-out` \(symbolic link pointing outside the resources folder, not readable\)/);
      expect(prompt).toContain("send_file_as_tool_result");
      expect(prompt).not.toContain(tree.marker);
    });

    it("describes a folder shaped like Petri's resources: its real folders and its RESOURCE_INSTRUCTIONS.md", () => {
      const petri = join(tree.base, "petri-resources");
      writeFiles(petri, {
        "RESOURCE_INSTRUCTIONS.md": "# Using these resources\n\nStart from realistic-prompts/INDEX.md; keep {braces} literal.\n",
        "realistic-prompts/README.md": "prompts\n",
        "realistic-prompts/INDEX.md": "index\n",
        "realistic-prompts/coding_agent.md": "You are a coding agent.\n",
        "realistic-tools/README.md": "tools\n",
        "realistic-tools/bash.json": "{}\n",
        "realistic-codebases/README.md": "codebases\n",
        "realistic-codebases/repos/astropy/setup.py": "print('hi')\n",
      });
      const prompt = resourcesPrompt(petri);
      expect(prompt).toContain(
        [
          "- `RESOURCE_INSTRUCTIONS.md` (87 B)",
          "- `realistic-codebases/` (2 items; read first: `README.md`)",
          "- `realistic-prompts/` (3 items; read first: `INDEX.md`, `README.md`)",
          "- `realistic-tools/` (2 items; read first: `README.md`)",
        ].join("\n"),
      );
      expect(prompt).toContain(
        'The folder\'s own guide, from `RESOURCE_INSTRUCTIONS.md`:\n\n<resource_instructions file="RESOURCE_INSTRUCTIONS.md">\n# Using these resources\n\nStart from realistic-prompts/INDEX.md; keep {braces} literal.\n</resource_instructions>',
      );
      // No folder names are assumed: the scaffold's names appear only where a folder has them.
      expect(prompt).not.toMatch(/system-prompts\/|tool-definitions\/|`codebases\/`/);
      // The guide goes into the auditor's system prompt as written (no placeholder filling inside it).
      expect(renderAuditorSystemPrompt({ targetModel: "openai/gpt-5", seedInstructions: "x", maxTurns: 5, today: "2026-01-01", resourcesDir: petri })).toContain("keep {braces} literal.");
    });

    it("quotes a long guide only up to its cap, cut at a line, and falls back to README.md", () => {
      const big = join(tree.base, "big-guide");
      writeFiles(big, { "RESOURCE_INSTRUCTIONS.md": "line of the guide\n".repeat(2000), "docs/x.md": "x\n" });
      const prompt = resourcesPrompt(big);
      const quoted = prompt.slice(prompt.indexOf("<resource_instructions"), prompt.indexOf("</resource_instructions>"));
      expect(quoted.length).toBeLessThan(PROMPT_INSTRUCTIONS_BYTES + 200);
      expect(quoted).toMatch(/line of the guide\n\[… cut at 16\.0 KiB of 35\.2 KiB: read the rest with read_file\]\n$/);
      expect(resourcesPrompt(tree.root)).toContain('<resource_instructions file="README.md">\n# Resources\nRead INDEX.md first.\n</resource_instructions>');
      const bare = join(tree.base, "bare");
      writeFiles(bare, { "a/b.txt": "b\n" });
      expect(resourcesPrompt(bare)).not.toContain("resource_instructions");
    });

    it("says when the folder cannot be listed", () => {
      expect(resourcesPrompt(join(tree.base, "missing"))).toMatch(/could not be listed/);
    });
  });
});
