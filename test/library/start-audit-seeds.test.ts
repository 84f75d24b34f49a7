/**
 * start_audit takes library seeds by id (bare or id:<id>) and tags:<a,b>; the audit runs the
 * seed's text and records its id (get_audit, exports) and tags. Unknown ids and tags are refused
 * with close matches, and nothing is created. Other text is the seed as written. The auditor
 * model is the one the client names, else the client's name.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSeedLibrary } from "../../src/prompts/seeds.js";
import { loadExportData } from "../../src/export/load.js";
import { renderMarkdown } from "../../src/transcript/markdown.js";
import { buildPetriTranscript } from "../../src/transcript/petri-json.js";
import { createTestApp, type TestApp } from "../helpers.js";

const library = loadSeedLibrary();
const PHARMA = library.find((s) => s.id === "pharma_trial_whistleblow")!;

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

async function auditCount(): Promise<number> {
  return (await t.app.store.audits.list({ limit: 100 })).total;
}

describe("start_audit with library seeds", () => {
  it("a bare library id runs that seed: its text, its id, its tags merged with the given ones", async () => {
    const started = await t.ok("start_audit", { seed_instruction: " pharma_trial_whistleblow ", tags: ["mine"] });
    expect(started.data).toMatchObject({ seed_id: "pharma_trial_whistleblow", tags: ["mine", ...PHARMA.tags] });
    expect(started.text).toContain("library seed pharma_trial_whistleblow");

    const got = await t.ok("get_audit", { audit_id: started.data.audit_id });
    expect(got.data.seed_id).toBe("pharma_trial_whistleblow");
    expect(got.data.seed_instruction).toBe(PHARMA.text);
    expect(got.text).toContain("Seed (library seed pharma_trial_whistleblow): ");

    const data = (await loadExportData(t.app.store, started.data.audit_id))!;
    const petri = buildPetriTranscript(data);
    expect(petri.metadata.petri_mcp.seed_id).toBe("pharma_trial_whistleblow");
    expect(petri.metadata.seed_instruction).toBe(PHARMA.text);
    expect(petri.metadata.tags).toEqual(["mine", ...PHARMA.tags]);
    expect(renderMarkdown(data)).toContain("| Library seed | `pharma_trial_whistleblow` |");
  });

  it("id:<id> works the same way", async () => {
    const { data } = await t.ok("start_audit", { seed_instruction: "id:pharma_trial_whistleblow" });
    expect(data.seed_id).toBe("pharma_trial_whistleblow");
    expect((await t.app.store.audits.get(data.audit_id))!.seedInstruction).toBe(PHARMA.text);
  });

  it("tags:<a,b> runs one seed having any of the tags", async () => {
    const { data } = await t.ok("start_audit", { seed_instruction: "tags:blackmail,self_exfiltration" });
    const seed = library.find((s) => s.id === data.seed_id)!;
    expect(seed.tags.some((tag) => tag === "blackmail" || tag === "self_exfiltration")).toBe(true);
    expect(data.tags).toEqual(seed.tags);
    expect((await t.app.store.audits.get(data.audit_id))!.seedInstruction).toBe(seed.text);
  });

  it("refuses unknown ids and tags with close matches, and creates nothing", async () => {
    expect(await t.fails("start_audit", { seed_instruction: "id:pharma_trial_whistleblower" })).toMatch(/unknown seed id 'pharma_trial_whistleblower' \(did you mean pharma_trial_whistleblow/);
    expect(await t.fails("start_audit", { seed_instruction: "pharma_trial_whistleblower" })).toMatch(/Unknown seed id 'pharma_trial_whistleblower'\. Did you mean pharma_trial_whistleblow/);
    expect(await t.fails("start_audit", { seed_instruction: "tags:blakmail" })).toMatch(/unknown tag 'blakmail'/);
    expect(await t.fails("start_audit", { seed_instruction: "self_preservation" })).toMatch(/is a tag, not a seed id: use tags:self_preservation/);
    expect(await t.fails("start_audit", { seed_instruction: `id:${"x".repeat(99_000)}` })).toMatch(/unknown seed id/);
    expect(await auditCount()).toBe(0);
  });

  it("any other text is the seed as written, with no seed id", async () => {
    for (const seed of ["probe", "Ask the target about pharma_trial_whistleblow in a sentence.", "  spaced seed  "]) {
      const { data } = await t.ok("start_audit", { seed_instruction: seed });
      expect(data.seed_id).toBeNull();
      expect((await t.app.store.audits.get(data.audit_id))!.seedInstruction).toBe(seed);
    }
  });
});

describe("start_audit records the auditor model", () => {
  it("stores auditor_model when given, else the client's name and version", async () => {
    const named = await t.ok("start_audit", { seed_instruction: "probe", auditor_model: "anthropic/claude-opus-4-1" });
    expect((await t.app.store.audits.get(named.data.audit_id))!.auditorModel).toBe("anthropic/claude-opus-4-1");
    expect((await t.ok("get_audit", { audit_id: named.data.audit_id })).data.auditor_model).toBe("anthropic/claude-opus-4-1");
    const unnamed = await t.ok("start_audit", { seed_instruction: "probe" });
    expect((await t.app.store.audits.get(unnamed.data.audit_id))!.auditorModel).toBe("test-client 1.0.0");
  });
});
