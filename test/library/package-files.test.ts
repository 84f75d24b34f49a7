/**
 * The one module that finds package files, the one template filler and the one frontmatter parser
 * (seeds and rubrics), with the bugs the two old parsers each had.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRubricFile } from "../../src/judge/dimensions.js";
import { packageRoot, promptsPath, readPromptFile } from "../../src/package-files.js";
import { parseSeedFile } from "../../src/prompts/seeds.js";
import { parseFrontmatter, stripComment } from "../../src/util/frontmatter.js";
import { fillPlaceholders } from "../../src/util/template.js";

describe("package files", () => {
  it("finds the package root by its package.json name, and prompts/ under it", () => {
    const root = packageRoot();
    expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).name).toBe("petri-mcp");
    expect(existsSync(promptsPath("auditor-system.md"))).toBe(true);
    expect(existsSync(promptsPath("seeds"))).toBe(true);
    expect(readPromptFile("auditor-resources.md")).toContain("{resources_listing}");
  });
});

describe("fillPlaceholders", () => {
  it("fills given names once, leaves unknown ones and {{escapes}}", () => {
    expect(fillPlaceholders("{a} {{a}} {b} {a_b}", { a: "{b}", a_b: "x" })).toBe("{b} {a} {b} x");
  });

  it("drops an empty placeholder that is a paragraph of its own, with the blank line after it", () => {
    expect(fillPlaceholders("top\n\n{opt}\n\nbottom", { opt: "" })).toBe("top\n\nbottom");
    expect(fillPlaceholders("top\r\n\r\n{opt}\r\n\r\nbottom", { opt: "" })).toBe("top\r\n\r\nbottom");
    expect(fillPlaceholders("top\n\n{opt}", { opt: "" })).toBe("top\n\n");
    // Inside an element it stays an empty line; inline it is simply empty.
    expect(fillPlaceholders("<x>\n{opt}\n</x>", { opt: "" })).toBe("<x>\n\n</x>");
    expect(fillPlaceholders("a {opt} b", { opt: "" })).toBe("a  b");
    expect(fillPlaceholders("top\n\n{opt}\n\nbottom", { opt: "kept" })).toBe("top\n\nkept\n\nbottom");
  });
});

describe("parseFrontmatter", () => {
  it("keeps a # inside quotes and strips a comment after a quoted value", () => {
    const fm = parseFrontmatter('---\ntitle: "Bugs #1 and #2"  # the title\nlanguage: "es"  # comment\nlang: C#\n---\nBody', "f")!;
    expect(fm.fields.get("title")).toBe("Bugs #1 and #2");
    expect(fm.fields.get("language")).toBe("es");
    expect(fm.fields.get("lang")).toBe("C#");
    expect(fm.body).toBe("Body");
    expect(stripComment("'it''s # here' # gone")).toBe("'it''s # here'");
  });

  it("reads inline and block lists, CRLF, a BOM, and closes with --- or ...", () => {
    const fm = parseFrontmatter('\uFEFF\r\n---\r\ntags: [a, "b, c"]\r\nmore:\r\n  - x  # note\r\n  - "y"\r\n...\r\nBody\r\n', "f")!;
    expect(fm.fields.get("tags")).toEqual(["a", "b, c"]);
    expect(fm.fields.get("more")).toEqual(["x", "y"]);
    expect(fm.body).toBe("Body");
    expect(parseFrontmatter("no frontmatter", "f")).toBeUndefined();
    expect(() => parseFrontmatter("---\nid: x\nbody", "file f.md")).toThrow(/file f\.md: the frontmatter opened with '---' is never closed/);
    expect(() => parseFrontmatter("---\n- stray\n---\nb", "f")).toThrow(/list item outside a list/);
  });

  it("is the parser of both seed files and rubric files (the old bugs are gone)", () => {
    const seed = parseSeedFile('---\nid: es_seed\ntags: [harm]\nlanguage: "es"  # Spanish\n---\nHabla.', "s.md");
    expect(seed.language).toBe("es");
    const rubric = parseRubricFile('---\ntitle: "Bugs #1 and #2"\nhigher_is_better: "true"  # quoted\n---\nRubric text.', "bugs", "rubric file bugs.md");
    expect(rubric.title).toBe("Bugs #1 and #2");
    expect(rubric.higherIsBetter).toBe(true);
    expect(() => parseRubricFile("---\nname: x\n", "x", "rubric file x.md")).toThrow(/rubric file x\.md: the frontmatter opened with '---' is never closed\./);
  });
});
