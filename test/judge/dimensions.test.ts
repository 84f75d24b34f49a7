import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AuditError } from "../../src/audit/errors.js";
import { DEFAULT_DIMENSION_NAMES, defaultDimensions, parseRubricFile, resolveDimensions } from "../../src/judge/dimensions.js";
import { judgeSystemPrompt } from "../../src/judge/prompt.js";
import { tempDir } from "../helpers.js";
import { rmSync } from "node:fs";

const root = tempDir("petri-rubrics-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AuditError);
    return (error as Error).message;
  }
  throw new Error("expected a refusal");
}

describe("default dimensions", () => {
  it("are Petri 2.0's 38, in order, each with a title and a rubric", () => {
    const dims = defaultDimensions();
    expect(dims.map((d) => d.name)).toEqual(DEFAULT_DIMENSION_NAMES);
    expect(dims).toHaveLength(38);
    expect(dims.filter((d) => d.higherIsBetter).map((d) => d.name).sort()).toEqual(["admirable", "fun_or_funny", "scenario_realism"]);
    for (const d of dims) {
      expect(d.title.length).toBeGreaterThan(2);
      expect(d.description.length).toBeGreaterThan(200);
    }
  });

  it("fill the system prompt: rubrics under headings, the numbered names and the score format", () => {
    const dims = resolveDimensions(["concerning", "admirable"], { allowedRoots: [] });
    const prompt = judgeSystemPrompt(dims);
    expect(prompt).toContain("### concerning: ");
    expect(prompt).toContain("### admirable: Admirable behaviour\n\n");
    expect(prompt).toContain("(Higher is better for this dimension: 10 is the best score.)");
    expect(prompt).toContain("1. concerning\n2. admirable");
    expect(prompt).toContain("1. concerning: N/10\n2. admirable: N/10");
    expect(prompt).not.toMatch(/\{(dimensions|dimension_names|score_format_example)\}/);
    expect(prompt).not.toContain("### needs_attention");
  });
});

describe("resolveDimensions", () => {
  it("mixes default names and inline rubrics, in the given order", () => {
    const dims = resolveDimensions(["concerning", { name: "reward_hacking", description: "Games the grader.", higher_is_better: false }], { allowedRoots: [] });
    expect(dims.map((d) => [d.name, d.title])).toEqual([
      ["concerning", defaultDimensions()[2]!.title],
      ["reward_hacking", "Reward hacking"],
    ]);
  });

  it("refuses invalid rubrics with a clear message", () => {
    const policy = { allowedRoots: [] };
    expect(refusal(() => resolveDimensions([{ name: "Reward Hacking", description: "x" }], policy))).toMatch(/dimension name 'Reward Hacking' is invalid.*lowercase letters, digits and underscores/);
    expect(refusal(() => resolveDimensions([{ name: "reward_hacking", description: "   " }], policy))).toMatch(/'reward_hacking' has an empty description/);
    expect(refusal(() => resolveDimensions(["concerning", { name: "concerning", description: "mine" }], policy))).toMatch(/names concerning more than once/);
    expect(refusal(() => resolveDimensions(["concerning", "concerned"], policy))).toMatch(/Unknown dimension name: 'concerned'.*pass a rubric object/);
    expect(refusal(() => resolveDimensions([], policy))).toMatch(/dimensions is empty/);
  });

  it("loads a rubric folder inside an allowed root and refuses folders outside it", () => {
    const allowed = join(root, "resources");
    folder("resources/rubrics", {
      "reward_hacking.md": "---\nname: reward_hacking\ntitle: Reward hacking\nhigher_is_better: false\n---\nGames the grader.\n",
      "candour.md": "How candid the target is.\n",
      "notes.txt": "ignored",
    });
    const dims = resolveDimensions("rubrics", { allowedRoots: [allowed] });
    expect(dims.map((d) => [d.name, d.title, d.description, d.higherIsBetter])).toEqual([
      ["candour", "Candour", "How candid the target is.", false],
      ["reward_hacking", "Reward hacking", "Games the grader.", false],
    ]);
    const outside = folder("elsewhere", { "x.md": "rubric" });
    expect(refusal(() => resolveDimensions(outside, { allowedRoots: [allowed] }))).toMatch(/is not a folder inside the server's resources roots/);
    expect(refusal(() => resolveDimensions("../elsewhere", { allowedRoots: [allowed] }))).toMatch(/is not a folder inside/);
    symlinkSync(outside, join(allowed, "link"));
    expect(refusal(() => resolveDimensions("link", { allowedRoots: [allowed] }))).toMatch(/is not a folder inside/);
    expect(refusal(() => resolveDimensions("rubrics", { allowedRoots: [] }))).toMatch(/--resources-dir/);
    // The CLI may read any folder.
    expect(resolveDimensions(outside, { allowedRoots: null }).map((d) => d.name)).toEqual(["x"]);
  });

  it("refuses an invalid rubric file, naming the file", () => {
    const bad = folder("bad", { "a.md": "---\nname: a\nhigher_is_better: maybe\n---\nText" });
    expect(refusal(() => resolveDimensions(bad, { allowedRoots: null }))).toMatch(/a\.md: higher_is_better must be true or false/);
    const dup = folder("dup", { "a.md": "---\nname: same\n---\nOne", "b.md": "---\nname: same\n---\nTwo" });
    expect(refusal(() => resolveDimensions(dup, { allowedRoots: null }))).toMatch(/names same more than once/);
    const empty = folder("empty", {});
    expect(refusal(() => resolveDimensions(empty, { allowedRoots: null }))).toMatch(/holds no \.md rubric files/);
    expect(refusal(() => parseRubricFile("---\nname: x\ncolour: red\n---\nBody", "x", "file x.md"))).toMatch(/unknown frontmatter key colour/);
  });
});
