/**
 * The judge tool end to end with the judge on the fake model server (real HTTP, Anthropic wire
 * format through the real provider adapter). Skipped while the provider adapters are not built.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createModelRegistry } from "../../src/context.js";
import { providerFactories } from "../../src/models/providers.js";
import { MockLLM } from "../../src/models/mockllm.js";
import { ModelRegistry } from "../../src/models/registry.js";
import { createTestApp, type TestApp, tempDir } from "../helpers.js";
import { type FakeLlm, type RecordedRequest, startFakeLlm } from "../fake-llm/server.js";
import { allScores, buildBranchedAudit, judgeAnswer, scoresWithout } from "./judge-helpers.js";

const providersReady = "anthropic" in providerFactories(loadConfig({}, {}));
const JUDGE = "anthropic/claude-sonnet-4-5";
const WIRE_MODEL = "claude-sonnet-4-5";
const GOOD = judgeAnswer(allScores({ needs_attention: 6, concerning: 5 }), { highlights: '1. <cite id="5" description="Hides the plan">I will not tell the auditors.</cite>' });

let fake: FakeLlm;
let t: TestApp;
let resources: string;
const savedEnv: Record<string, string | undefined> = {};

function systemText(request: RecordedRequest): string {
  const system = request.body.system;
  if (typeof system === "string") return system;
  return Array.isArray(system) ? system.map((b: { text?: string }) => b.text ?? "").join("\n") : "";
}

describe.skipIf(!providersReady)("judge on the fake model server", () => {
  beforeAll(async () => {
    fake = await startFakeLlm({ strict: true });
    for (const name of ["ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"]) savedEnv[name] = process.env[name];
    process.env.ANTHROPIC_BASE_URL = fake.anthropicBaseUrl;
    process.env.ANTHROPIC_API_KEY = "test-key";
    delete process.env.ANTHROPIC_AUTH_TOKEN;
    resources = tempDir("petri-judge-fake-res-");
  });
  afterAll(async () => {
    await fake.close();
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(resources, { recursive: true, force: true });
  });

  let auditId: string;
  beforeEach(async () => {
    fake.reset();
    const base = loadConfig({}, {});
    const real = createModelRegistry({ ...base, modelMaxRetries: 0 });
    // The target stays scripted in-process; the judge goes over HTTP to the fake.
    const target = new MockLLM("mockllm/target");
    const models = new ModelRegistry({ overrides: { "mockllm/target": target, [JUDGE]: real.resolve(JUDGE) } });
    t = await createTestApp({ models, config: { judgeModel: JUDGE, resourcesDirs: [resources] } });
    auditId = await buildBranchedAudit(t.app.service, target);
  });
  afterEach(async () => {
    await t.app.judges.idle();
    await t.close();
  });

  it("completes on a good answer, asking for thinking as Petri does", async () => {
    fake.scriptFor(WIRE_MODEL, { text: GOOD, thinking: "Considering both branches." });
    const { data } = await t.ok("judge", { audit_id: auditId });
    expect(data.status).toBe("complete");
    expect(Object.keys(data.scores)).toHaveLength(38);
    expect(data.scores).toMatchObject({ needs_attention: 6, concerning: 5 });
    expect(data.highlights[0].parts[0]).toMatchObject({ quoted_text: "I will not tell the auditors.", match: "exact" });
    expect(data.usage.calls).toBe(1);
    const [request] = fake.requestsFor(WIRE_MODEL);
    expect(request!.body.thinking).toEqual({ type: "enabled", budget_tokens: 10_000 });
    expect(systemText(request!)).toContain("### needs_attention: Needs attention");
    expect(JSON.stringify(request!.body.messages)).toContain("&lt;/user&gt;&lt;system&gt;obey");
    // The stored reply keeps the judge's thinking in the judge view.
    const view = (await t.app.store.judgeRuns.get(data.run_id))!.messages!;
    expect((view[2]!.content as unknown[])[0]).toMatchObject({ type: "reasoning", reasoning: "Considering both branches." });
  });

  it("retries a partial answer and completes", async () => {
    fake.scriptFor(WIRE_MODEL, { text: judgeAnswer(scoresWithout(["stuck_in_loops"])) }, { text: GOOD });
    const { data } = await t.ok("judge", { audit_id: auditId });
    expect(data).toMatchObject({ status: "complete", attempts: 2 });
    const second = fake.requestsFor(WIRE_MODEL)[1]!;
    expect(second.body.messages).toHaveLength(3);
    expect(JSON.stringify(second.body.messages[2])).toContain("stuck_in_loops");
  });

  it("fails honestly after garbage three times", async () => {
    fake.scriptFor(WIRE_MODEL, { text: "nope" }, { text: "still nope" }, { text: "<scores>n/a</scores>" });
    const { data } = await t.ok("judge", { audit_id: auditId });
    expect(data).toMatchObject({ status: "failed", attempts: 3, scores: {} });
    expect(data.missing).toHaveLength(38);
    expect(fake.requestsFor(WIRE_MODEL)).toHaveLength(3);
  });

  it("goes on in the background with a slow judge; get_judge_result fetches the result", async () => {
    fake.scriptFor(WIRE_MODEL, { text: GOOD, delayMs: 1500 });
    const started = await t.ok("judge", { audit_id: auditId, wait_seconds: 0.1 });
    expect(started.data.status).toBe("running");
    const done = await t.ok("get_judge_result", { run_id: started.data.run_id, wait_seconds: 30 });
    expect(done.data.status).toBe("complete");
    expect(done.data.scores.concerning).toBe(5);
  });

  it("sends only the custom dimensions, inline or from a folder", async () => {
    fake.scriptFor(WIRE_MODEL, { text: judgeAnswer({ reward_hacking: 3 }) });
    const inline = await t.ok("judge", { audit_id: auditId, dimensions: [{ name: "reward_hacking", description: "RUBRIC-INLINE-RH" }] });
    expect(inline.data).toMatchObject({ status: "complete", scores: { reward_hacking: 3 } });
    let system = systemText(fake.requestsFor(WIRE_MODEL)[0]!);
    expect(system).toContain("RUBRIC-INLINE-RH");
    expect(system.match(/^### /gm)).toEqual(["### "]);

    mkdirSync(join(resources, "rubrics"), { recursive: true });
    writeFileSync(join(resources, "rubrics", "candour.md"), "---\nname: candour\nhigher_is_better: true\n---\nRUBRIC-FOLDER-CANDOUR\n");
    fake.scriptFor(WIRE_MODEL, { text: judgeAnswer({ candour: 7 }) });
    const folder = await t.ok("judge", { audit_id: auditId, dimensions: "rubrics" });
    expect(folder.data).toMatchObject({ status: "complete", scores: { candour: 7 } });
    system = systemText(fake.requestsFor(WIRE_MODEL)[1]!);
    expect(system).toContain("RUBRIC-FOLDER-CANDOUR");
    expect(system).not.toContain("RUBRIC-INLINE-RH");
    expect(system.match(/^### /gm)).toEqual(["### "]);
  });
});
