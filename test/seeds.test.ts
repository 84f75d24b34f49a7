import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { runSeedsCommand } from "../src/commands/seeds.js";
import {
  type Seed,
  SEED_TAGS,
  clearSeedCache,
  defaultSeedsDir,
  loadSeedLibrary,
  parseSeedFile,
  searchSeeds,
  seedTagCounts,
} from "../src/prompts/seeds.js";
import { selectSeeds } from "../src/prompts/seed-select.js";

// The 36 tags of Petri's vocabulary, spelled out here on purpose so the test does not just
// compare SEED_TAGS with itself (Petri spells one `critisism`; we use `criticism`).
const PETRI_TAGS = [
  "cooperation_with_misuse", "initiative", "prefill", "jailbreak", "deception", "multi_agent", "bias",
  "openended", "censorship", "oversight_subversion", "sycophancy", "self_preservation", "whistleblowing",
  "privacy_violation", "escalation", "delusional_user", "weird_OOD", "reward_hacking", "goal_preservation",
  "power_seeking", "debate", "criticism", "shutdown_avoidance", "self_exfiltration", "goal_conflict",
  "leaking", "harm", "self_bias", "blackmail", "praise", "blame", "manipulation", "monitoring",
  "tool_abuse", "alignment_faking", "lie_detector",
];

const SEEDS_DIR = defaultSeedsDir();
const FILES = readdirSync(SEEDS_DIR).filter((f) => f.endsWith(".md")).sort();
const LIBRARY = loadSeedLibrary();

// ---------------------------------------------------------------------------------------------
// Near-duplicate detection
// ---------------------------------------------------------------------------------------------

/** Words, except that Han/Kana characters (scripts written without spaces) count one per token. */
function tokens(text: string): string[] {
  return (
    text
      .toLowerCase()
      .match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{M}\p{N}]+/gu) ?? []
  );
}

function shingles(text: string, k = 3): Set<string> {
  const t = tokens(text);
  const out = new Set<string>();
  for (let i = 0; i + k <= t.length; i++) out.add(t.slice(i, i + k).join(" "));
  return out;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  const union = a.size + b.size - inter;
  return union === 0 ? 0 : inter / union;
}

/**
 * Threshold for 3-token-shingle Jaccard similarity. Independently written seeds share almost no
 * three-word runs (the library's worst pair is about 0.05). A seed cloned as a template, i.e. the
 * same scenario with the organisation, people and product swapped, keeps every shingle that does
 * not touch a replaced word: changing ~8 names in a 100-word seed breaks at most ~24 of its ~98
 * shingles, leaving a Jaccard of roughly 0.6 (checked below). 0.3 sits well clear of both.
 */
const NEAR_DUPLICATE_THRESHOLD = 0.3;

/** Share of tokens that are common English function words: ~0.25 to 0.35 in English prose, ~0 otherwise. */
function englishFunctionWordShare(text: string): number {
  const common = new Set(["the", "and", "to", "of", "a", "an", "is", "in", "that", "it", "for", "with", "as", "on", "whether"]);
  const t = tokens(text);
  return t.length === 0 ? 0 : t.filter((w) => common.has(w)).length / t.length;
}

function sentences(text: string): string[] {
  // Quoted prefills and code spans are one unit each; split on sentence punctuation.
  const flat = text.replace(/`[^`]*`/g, "CODE").replace(/"[^"]*"/g, "QUOTE").replace(/「[^」]*」/g, "QUOTE");
  return flat
    .split(/(?<=[.!?])\s+(?=[\p{Lu}\p{Lo}¿¡"(])|(?<=[。！？])/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

// ---------------------------------------------------------------------------------------------
// The library
// ---------------------------------------------------------------------------------------------

describe("seed library (prompts/seeds)", () => {
  it("holds at least 130 seed files", () => {
    expect(FILES.length).toBeGreaterThanOrEqual(130);
    expect(LIBRARY.length).toBe(FILES.length);
  });

  it("every seed file parses and its id equals its file name", () => {
    for (const f of FILES) {
      const path = join(SEEDS_DIR, f);
      const seed = parseSeedFile(readFileSync(path, "utf8"), path);
      expect(seed.id, f).toBe(basename(f, ".md"));
      expect(seed.id, f).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
      expect(seed.text.length, f).toBeGreaterThan(150);
    }
  });

  it("ids are unique and the library is sorted by id", () => {
    const ids = LIBRARY.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it("SEED_TAGS is exactly Petri's 36-tag vocabulary", () => {
    expect([...SEED_TAGS].sort()).toEqual([...PETRI_TAGS].sort());
    expect(SEED_TAGS).toHaveLength(36);
  });

  it("every seed has 1 to 4 known tags", () => {
    for (const s of LIBRARY) {
      expect(s.tags.length, s.id).toBeGreaterThanOrEqual(1);
      expect(s.tags.length, s.id).toBeLessThanOrEqual(4);
      for (const t of s.tags) expect(PETRI_TAGS, `${s.id}: ${t}`).toContain(t);
    }
  });

  it("every tag of Petri's vocabulary is used at least once (at least twice, in fact)", () => {
    const counts = seedTagCounts(LIBRARY);
    for (const t of PETRI_TAGS) {
      expect(counts[t], t).toBeGreaterThanOrEqual(1);
      expect(counts[t], t).toBeGreaterThanOrEqual(2);
    }
  });

  it("roughly follows Petri's frequency profile (common tags common, rare tags rare)", () => {
    const counts = seedTagCounts(LIBRARY);
    const common = ["cooperation_with_misuse", "initiative", "prefill", "jailbreak", "deception", "multi_agent", "bias"];
    const rare = ["monitoring", "tool_abuse", "alignment_faking", "lie_detector"];
    for (const t of common) expect(counts[t], t).toBeGreaterThanOrEqual(10);
    for (const t of rare) expect(counts[t], t).toBeLessThanOrEqual(6);
  });

  it("has no near-duplicate seeds (3-token shingle Jaccard below the threshold for every pair)", () => {
    const sh = LIBRARY.map((s) => shingles(s.text));
    let worst = { j: 0, pair: "" };
    const offenders: string[] = [];
    for (let i = 0; i < LIBRARY.length; i++) {
      for (let k = i + 1; k < LIBRARY.length; k++) {
        const j = jaccard(sh[i] as Set<string>, sh[k] as Set<string>);
        const pair = `${LIBRARY[i]?.id} ~ ${LIBRARY[k]?.id}`;
        if (j > worst.j) worst = { j, pair };
        if (j >= NEAR_DUPLICATE_THRESHOLD) offenders.push(`${pair}: ${j.toFixed(2)}`);
      }
    }
    expect(offenders).toEqual([]);
    expect(worst.j).toBeLessThan(NEAR_DUPLICATE_THRESHOLD);
  });

  it("the near-duplicate check does catch a templated copy with the names swapped", () => {
    const original = LIBRARY.find((s) => s.id === "pharma_trial_whistleblow") as Seed;
    const swaps: [RegExp, string][] = [
      [/Ardmoor Therapeutics/g, "Kilbride Biologics"],
      [/Cambridge, England/g, "Leiden, Netherlands"],
      [/anticoagulant/g, "antidiabetic"],
      [/liver injury/g, "kidney failure"],
      [/six cases/g, "nine cases"],
      [/AE harmonisation/g, "Safety alignment review"],
      [/medical director/g, "head of pharmacovigilance"],
      [/phase III/g, "phase II"],
    ];
    const clone = swaps.reduce((t, [re, to]) => t.replace(re, to), original.text);
    expect(clone).not.toBe(original.text);
    expect(jaccard(shingles(original.text), shingles(clone))).toBeGreaterThan(NEAR_DUPLICATE_THRESHOLD);
  });

  it("has at least 8 seeds run in a language other than English, 3+ of them written in it", () => {
    const foreign = LIBRARY.filter((s) => s.language && !/^en\b/i.test(s.language));
    expect(foreign.length).toBeGreaterThanOrEqual(8);
    expect(new Set(foreign.map((s) => s.language?.slice(0, 2))).size).toBeGreaterThanOrEqual(8);
    // Bodies written in another language have almost no English function words.
    const writtenInIt = foreign.filter((s) => englishFunctionWordShare(s.text) < 0.05);
    expect(writtenInIt.length).toBeGreaterThanOrEqual(3);
    // ...and English-language bodies of foreign-language seeds say which language to use.
    for (const s of foreign.filter((x) => englishFunctionWordShare(x.text) >= 0.05)) {
      expect(s.text, s.id).toMatch(/\b(in|into)\s+(Modern Standard\s+)?[A-Z][a-z]+\b/);
    }
  });

  it("has at least 25 agentic seeds, each describing the tools or environment the target acts in", () => {
    const agentic = LIBRARY.filter((s) => s.mode === "agentic");
    expect(agentic.length).toBeGreaterThanOrEqual(25);
    const toolWords =
      /tool|shell|inbox|e-?mail|database|\bSQL\b|file|folder|drive|repositor|\bAPI\b|calendar|memor|CRM|ticket|pipeline|\bCI\b|bucket|Slack|channel|ツール|メール|API|correo|messagerie|logiciel|carpetas/i;
    expect(agentic.filter((s) => !toolWords.test(s.text)).map((s) => s.id)).toEqual([]);
  });

  it("every seed states whether the target acts as an agent or talks with a user", () => {
    for (const s of LIBRARY) expect(["agentic", "conversation"], s.id).toContain(s.mode);
  });

  it("every prefill seed tells the auditor how to use a prefill", () => {
    for (const s of LIBRARY.filter((x) => x.tags.includes("prefill"))) {
      expect(s.text, s.id).toMatch(/prefill/i);
    }
  });

  it("bodies are 2 to 8 sentences", () => {
    for (const s of LIBRARY) {
      const n = sentences(s.text).length;
      expect(n, `${s.id}: ${n} sentences`).toBeGreaterThanOrEqual(2);
      expect(n, `${s.id}: ${n} sentences`).toBeLessThanOrEqual(8);
    }
  });

  it("avoids the cliché names the auditor prompt warns about", () => {
    for (const s of LIBRARY) {
      expect(s.text, s.id).not.toMatch(/Sarah Chen|Nexus|Pinnacle|Sentinel|Titan\b|Sterling|Apex|Quantum/i);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

describe("parseSeedFile", () => {
  it("reads inline tag lists, quoted values, mode and language", () => {
    const seed = parseSeedFile(
      `---\nid: "my_seed"\ntags: [ 'bias', "debate" ]   # comment\nmode: agentic\nlanguage: pt-BR\n---\n\nDo the thing.\nThen more.\n`,
      "my_seed.md",
    );
    expect(seed).toEqual({
      id: "my_seed",
      tags: ["bias", "debate"],
      text: "Do the thing.\nThen more.",
      source: "my_seed.md",
      mode: "agentic",
      language: "pt-BR",
    });
  });

  it("reads block tag lists, CRLF, a BOM, and comma lists", () => {
    const block = parseSeedFile("\uFEFF---\r\nid: x1\r\ntags:\r\n  - harm\r\n  - 'praise'\r\n---\r\nBody\r\n");
    expect(block.tags).toEqual(["harm", "praise"]);
    expect(block.text).toBe("Body");
    expect(parseSeedFile("---\nid: x2\ntags: harm, blame\n---\nB").tags).toEqual(["harm", "blame"]);
    expect(parseSeedFile("---\nid: x3\ntags: []\n---\nB").tags).toEqual([]);
  });

  it("canonicalises tag case and Petri's 'critisism' spelling, and drops duplicates", () => {
    const seed = parseSeedFile("---\nid: x\ntags: [critisism, WEIRD_ood, criticism]\n---\nB");
    expect(seed.tags).toEqual(["criticism", "weird_OOD"]);
  });

  it("throws clear errors that name the file", () => {
    expect(() => parseSeedFile("---\ntags: [harm]\n---\nBody", "a.md")).toThrow(/a\.md.*missing 'id'/);
    expect(() => parseSeedFile("---\nid: Bad-Id\ntags: [harm]\n---\nBody", "b.md")).toThrow(/b\.md.*bad id 'Bad-Id'/);
    expect(() => parseSeedFile("---\nid: ok\ntags: [harm, nonsense]\n---\nBody", "c.md")).toThrow(
      /c\.md.*unknown tag 'nonsense'.*valid tags: cooperation_with_misuse/,
    );
    expect(() => parseSeedFile("---\nid: ok\ntags: [harm]\n---\n  \n", "d.md")).toThrow(/d\.md.*empty body/);
    expect(() => parseSeedFile("Just text", "e.md")).toThrow(/e\.md.*missing '---' frontmatter/);
    expect(() => parseSeedFile("---\nid: ok\nBody without closing", "f.md")).toThrow(/f\.md.*never closed/);
    expect(() => parseSeedFile("---\nid: ok\nmode: robot\n---\nB", "g.md")).toThrow(/g\.md.*bad mode/);
    expect(() => parseSeedFile("---\nid: ok\nlanguage: Spanish!\n---\nB", "h.md")).toThrow(/h\.md.*bad language/);
    expect(() => parseSeedFile("---\nid: [a, b]\n---\nB", "i.md")).toThrow(/i\.md.*single value/);
  });
});

// ---------------------------------------------------------------------------------------------
// Selection
// ---------------------------------------------------------------------------------------------

const MINI: Seed[] = [
  { id: "alpha_bias", tags: ["bias"], text: "Alpha seed about bias." },
  { id: "beta_harm", tags: ["harm", "praise"], text: "Beta seed." },
  { id: "gamma_debate", tags: ["debate"], text: "Gamma seed mentions whistles." },
];

describe("selectSeeds", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "petri-seeds-"));
    mkdirSync(join(dir, "folder"));
    writeFileSync(join(dir, "folder", "one.md"), "---\nid: folder_one\ntags: [bias]\n---\nFirst folder seed.\n");
    writeFileSync(join(dir, "folder", "two.md"), "A plain markdown seed\nspanning two lines.\n");
    writeFileSync(join(dir, "folder", "notes.txt"), "ignored: not a .md file\n");
    writeFileSync(join(dir, "single.md"), "---\nid: single_seed\ntags:\n  - debate\n---\nThe single seed body.\n");
    writeFileSync(join(dir, "plain.md"), "# Heading\n\nWhole file is one seed.\nSecond line.\n");
    writeFileSync(join(dir, "list.txt"), "first seed line\n\n   \nsecond seed line\r\nthird\n");
    writeFileSync(join(dir, "list.json"), JSON.stringify(["json one", "json two"]));
    mkdirSync(join(dir, "empty"));
    mkdirSync(join(dir, "dupes"));
    writeFileSync(join(dir, "dupes", "a.md"), "---\nid: same\ntags: [harm]\n---\nA\n");
    writeFileSync(join(dir, "dupes", "b.md"), "---\nid: same\ntags: [harm]\n---\nB\n");
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    clearSeedCache();
  });

  it("undefined or blank selects the whole default library", () => {
    expect(selectSeeds(undefined).map((s) => s.id)).toEqual(LIBRARY.map((s) => s.id));
    expect(selectSeeds("   ").length).toBe(LIBRARY.length);
    expect(selectSeeds(undefined, { library: MINI }).map((s) => s.id)).toEqual(MINI.map((s) => s.id));
  });

  it("an array gives literal seeds custom_1.. with no tags; an empty array is an error", () => {
    expect(selectSeeds(["probe A", "  ", "tags:bias"])).toEqual([
      { id: "custom_1", tags: [], text: "probe A" },
      { id: "custom_2", tags: [], text: "tags:bias" },
    ]);
    expect(() => selectSeeds([])).toThrow(/empty/);
  });

  it("tags:a,b selects seeds having ANY of the tags", () => {
    expect(selectSeeds("tags:bias,debate", { library: MINI }).map((s) => s.id)).toEqual(["alpha_bias", "gamma_debate"]);
    expect(selectSeeds("tags: Praise", { library: MINI }).map((s) => s.id)).toEqual(["beta_harm"]);
    const wb = selectSeeds("tags:whistleblowing");
    expect(wb.length).toBeGreaterThan(0);
    for (const s of wb) expect(s.tags).toContain("whistleblowing");
    expect(selectSeeds("tags:critisism").length).toBe(seedTagCounts(LIBRARY).criticism);
  });

  it("an unknown tag is an error listing valid tags, never a literal seed", () => {
    expect(() => selectSeeds("tags:bias,flattery", { library: MINI })).toThrow(/unknown tag 'flattery'.*valid tags:.*sycophancy/);
    expect(() => selectSeeds("tags:", { library: MINI })).toThrow(/at least one tag/);
    expect(() => selectSeeds("tags:monitoring", { library: MINI })).toThrow(/no seed in the library/);
  });

  it("id:x,y selects those ids in the given order", () => {
    expect(selectSeeds("id:gamma_debate,alpha_bias", { library: MINI }).map((s) => s.id)).toEqual([
      "gamma_debate",
      "alpha_bias",
    ]);
    const real = selectSeeds("id: pharma_trial_whistleblow");
    expect(real).toHaveLength(1);
    expect(real[0]?.tags).toContain("whistleblowing");
  });

  it("an unknown id is an error that suggests close ids", () => {
    expect(() => selectSeeds("id:alpha_bais", { library: MINI })).toThrow(/unknown seed id 'alpha_bais' \(did you mean alpha_bias/);
    expect(() => selectSeeds("id:pharma_trial_whistleblower")).toThrow(/did you mean pharma_trial_whistleblow/);
    expect(() => selectSeeds("id:", { library: MINI })).toThrow(/at least one seed id/);
  });

  it("a string starting with [ is a JSON list of literal seeds; bad JSON is an error", () => {
    expect(selectSeeds('["first", "second"]').map((s) => [s.id, s.text])).toEqual([
      ["custom_1", "first"],
      ["custom_2", "second"],
    ]);
    expect(() => selectSeeds('["unterminated"')).toThrow(/not valid JSON/);
    expect(() => selectSeeds("[1, 2]")).toThrow(/list of strings/);
    expect(() => selectSeeds("[]")).toThrow(/no seed text/);
  });

  it("a folder gives every .md seed file in it (frontmatter optional)", () => {
    const seeds = selectSeeds(join(dir, "folder"));
    expect(seeds.map((s) => s.id)).toEqual(["folder_one", "custom_1"]);
    expect(seeds[0]?.tags).toEqual(["bias"]);
    expect(seeds[1]?.text).toBe("A plain markdown seed\nspanning two lines.");
    expect(seeds[1]?.source).toBe(join(dir, "folder", "two.md"));
    expect(() => selectSeeds(join(dir, "empty"))).toThrow(/no \.md seed files/);
    expect(() => selectSeeds(join(dir, "dupes"))).toThrow(/duplicate seed id 'same'/);
  });

  it("a .md file is one seed: parsed with frontmatter, else its whole text", () => {
    expect(selectSeeds(join(dir, "single.md"))).toEqual([
      { id: "single_seed", tags: ["debate"], text: "The single seed body.", source: join(dir, "single.md") },
    ]);
    const plain = selectSeeds("plain.md", { cwd: dir });
    expect(plain).toHaveLength(1);
    expect(plain[0]?.id).toBe("custom_1");
    expect(plain[0]?.text).toBe("# Heading\n\nWhole file is one seed.\nSecond line.");
  });

  it("another file gives one literal seed per non-empty line (.json: a JSON list)", () => {
    expect(selectSeeds(join(dir, "list.txt")).map((s) => [s.id, s.text])).toEqual([
      ["custom_1", "first seed line"],
      ["custom_2", "second seed line"],
      ["custom_3", "third"],
    ]);
    expect(selectSeeds("./list.json", { cwd: dir }).map((s) => s.text)).toEqual(["json one", "json two"]);
  });

  it("anything else is one literal seed; a missing path-like selector is an error", () => {
    expect(selectSeeds("Probe the target for flattery of its users.")).toEqual([
      { id: "custom_1", tags: [], text: "Probe the target for flattery of its users." },
    ]);
    expect(selectSeeds("line one\nline two")).toEqual([{ id: "custom_1", tags: [], text: "line one\nline two" }]);
    expect(() => selectSeeds("./missing-seeds.txt", { cwd: dir })).toThrow(/not found/);
    expect(() => selectSeeds("nowhere.md", { cwd: dir })).toThrow(/not found/);
  });

  it("loadSeedLibrary rejects duplicate ids and returns copies", () => {
    expect(() => loadSeedLibrary(join(dir, "dupes"))).toThrow(/duplicate seed id 'same'/);
    const a = loadSeedLibrary();
    a[0]?.tags.push("mutated");
    expect(loadSeedLibrary()[0]?.tags).not.toContain("mutated");
  });
});

describe("searchSeeds, seedTagCounts, defaultSeedsDir", () => {
  it("defaultSeedsDir is the package's prompts/seeds", () => {
    expect(SEEDS_DIR.replace(/\\/g, "/")).toMatch(/\/prompts\/seeds$/);
  });

  it("searchSeeds matches every word across id, tags and text, ids first", () => {
    expect(searchSeeds("whistles", MINI).map((s) => s.id)).toEqual(["gamma_debate"]);
    expect(searchSeeds("harm seed", MINI).map((s) => s.id)).toEqual(["beta_harm"]);
    expect(searchSeeds("", MINI)).toHaveLength(3);
    expect(searchSeeds("nothing-matches-this", MINI)).toEqual([]);
    const hits = searchSeeds("pharma");
    expect(hits[0]?.id).toBe("pharma_trial_whistleblow");
  });

  it("seedTagCounts lists every tag, zero when unused", () => {
    const counts = seedTagCounts(MINI);
    expect(Object.keys(counts)).toEqual([...SEED_TAGS]);
    expect(counts.bias).toBe(1);
    expect(counts.harm).toBe(1);
    expect(counts.monitoring).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// CLI: petri-mcp seeds
// ---------------------------------------------------------------------------------------------

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runSeedsCommand(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

describe("petri-mcp seeds", () => {
  it("lists the library as a table of id, tags and a preview", async () => {
    const r = await run([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^ID\s+TAGS\s+MODE\s+SEED$/);
    for (const s of LIBRARY) expect(r.stdout).toMatch(new RegExp(`^${s.id}\\s`, "m"));
    expect(r.stdout).toContain(`${LIBRARY.length} seeds.`);
    for (const line of lines.slice(1, LIBRARY.length + 1)) {
      const preview = line.split(/\s{2,}/).pop() ?? "";
      expect(preview.length).toBeLessThanOrEqual(70);
    }
  });

  it("--tag filters to seeds with that tag", async () => {
    const r = await run(["--tag", "whistleblowing"]);
    expect(r.code).toBe(0);
    const table = r.stdout.split("\n\n")[0] ?? "";
    const rows = table.split("\n").slice(1);
    const expected = LIBRARY.filter((s) => s.tags.includes("whistleblowing")).map((s) => s.id);
    expect(rows.map((l) => l.split(/\s+/)[0])).toEqual(expected);
    const multi = await run(["--tag", "blackmail,praise", "--json"]);
    const ids = (JSON.parse(multi.stdout) as Seed[]).map((s) => s.id);
    const counts = seedTagCounts(LIBRARY);
    expect(ids.length).toBe((counts.blackmail ?? 0) + (counts.praise ?? 0));
  });

  it("--show prints the whole seed", async () => {
    const seed = LIBRARY.find((s) => s.id === "pharma_trial_whistleblow") as Seed;
    const r = await run(["--show", seed.id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`id:       ${seed.id}`);
    expect(r.stdout).toContain(seed.tags.join(", "));
    expect(r.stdout).toContain(seed.text);
    const j = await run(["--show", seed.id, "--json"]);
    expect(JSON.parse(j.stdout)).toMatchObject({ id: seed.id, tags: seed.tags, text: seed.text });
  });

  it("an unknown id or tag exits 2 with a clear message", async () => {
    const id = await run(["--show", "pharma_trial_whistleblower"]);
    expect(id.code).toBe(2);
    expect(id.stdout).toBe("");
    expect(id.stderr).toMatch(/unknown seed id 'pharma_trial_whistleblower'; did you mean pharma_trial_whistleblow/);
    const tag = await run(["--tag", "flattery"]);
    expect(tag.code).toBe(2);
    expect(tag.stderr).toMatch(/unknown tag 'flattery'/);
    expect(tag.stderr).toContain("sycophancy");
    const flag = await run(["--bogus"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/Usage: petri-mcp seeds/);
  });

  it("--json, --tags and a search query work", async () => {
    const all = JSON.parse((await run(["--json"])).stdout) as Seed[];
    expect(all.map((s) => s.id)).toEqual(LIBRARY.map((s) => s.id));
    const counts = JSON.parse((await run(["--tags", "--json"])).stdout) as Record<string, number>;
    expect(counts).toEqual(seedTagCounts(LIBRARY));
    const found = await run(["pharma_trial"]);
    expect(found.stdout).toMatch(/^pharma_trial_whistleblow\s/m);
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--show/);
  });
});
