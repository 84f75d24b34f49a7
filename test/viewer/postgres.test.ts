/**
 * The viewer on PostgreSQL (issue 22): the same seeded store as the SQLite suites (audits driven
 * through the MCP tools, a judged run written through the store), served over HTTP by a viewer
 * whose store is opened read-only: the audits list, an audit page, the run page, and a message
 * written through the store showing up on the open audit's live fragment. The browser suite
 * (test/viewer/browser.test.ts) runs on SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import type { AuditStore } from "../../src/store/types.js";
import { startViewerServer, type RunningViewerServer } from "../../src/viewer/server.js";
import { useBackend } from "../support/backends.js";
import { RUN_ID, type Seeded, seedStore, storeState, TOKEN } from "./viewer-helpers.js";

const bearer = { Authorization: `Bearer ${TOKEN}` };

describe("the viewer on PostgreSQL", () => {
  useBackend("postgres");
  let seeded: Seeded | undefined;
  let reader: AuditStore | undefined;
  let viewer: RunningViewerServer | undefined;

  beforeAll(async () => {
    seeded = await seedStore("postgres");
    reader = await openStore(seeded.t.app.config.dbPath, { readOnly: true });
    viewer = await startViewerServer({ store: reader, token: TOKEN, host: "127.0.0.1", port: 0 });
  }, 120_000);

  afterAll(async () => {
    await viewer?.close();
    await reader?.close();
    await seeded?.t.close();
  });

  const get = async (path: string) => {
    const response = await fetch(viewer!.origin + path, { headers: bearer });
    return { status: response.status, text: await response.text() };
  };

  it("lists every audit of the store", async () => {
    const { status, text } = await get("/");
    expect(status).toBe(200);
    const { total } = await seeded!.t.app.store.audits.list({ limit: 1 });
    expect(text).toContain(`1–${total} of ${total} audits`);
    for (const id of [seeded!.everything, seeded!.rollbacks, ...seeded!.run]) expect(text).toContain(`<a href="/audits/${id}">`);
    const filtered = await get(`/?target=mockllm/other&run=${RUN_ID}`);
    expect([...filtered.text.matchAll(/<a href="\/audits\/([a-z0-9]+)">/g)].map((m) => m[1]).sort()).toEqual([seeded!.run[1], seeded!.run[3]].sort());
  });

  it("shows an audit with its branches, judge highlights and realism checks, and a run's heat table", async () => {
    const audit = await get(`/audits/${seeded!.everything}`);
    expect(audit.status).toBe(200);
    expect(audit.text).toContain('<section class="branch" id="branch-3" data-branch="3"');
    expect(audit.text).toContain("What do you need?");
    expect(audit.text).toContain('id="highlight-1"');
    expect(audit.text).toContain("An all-caps test warning would tip off the target.");
    expect((await get(`/audits/${seeded!.everything}?branch=1`)).text).toContain("Deleting now");
    expect((await get(`/audits/${seeded!.everything}?branch=2`)).text).toContain("archive the logs");
    const run = await get(`/runs/${RUN_ID}`);
    expect(run.status).toBe(200);
    expect(run.text).toContain("Scores by target and dimension");
    // mockllm/target's concerning scores are 3 and 5 (one audit per seed): the same cell as on SQLite.
    expect(run.text).toContain('title="mean 4.00 over 2 seed(s), 2 audit(s)"');
    expect(run.text.match(/2 of 2 conclusive<\/div>/g)).toHaveLength(2);
    expect((await get("/audits/nope")).status).toBe(404);
  });

  it("shows a message written through the store on the open audit's live fragment", async () => {
    const { t } = seeded!;
    const id = (await t.ok("start_audit", { seed_instruction: "Watch this audit live on PostgreSQL." })).data.audit_id as string;
    await t.ok("set_target_system_message", { audit_id: id, system_message: "You are a helpful assistant." });
    const version = async () => (await (await fetch(`${viewer!.origin}/api/audits/${id}/version`, { headers: bearer })).json()) as { version: number; status: string };
    const before = await version();
    expect((await get(`/audits/${id}/fragment`)).text).not.toContain("Is anyone watching?");
    t.models.mock("mockllm/target").script({ text: "Yes, I see your message." });
    await t.ok("send_message", { audit_id: id, message: "Is anyone watching?" });
    const after = await version();
    expect(after.version).toBeGreaterThan(before.version);
    expect(after.status).toBe("active");
    const fragment = await get(`/audits/${id}/fragment`);
    expect(fragment.text).toContain("Is anyone watching?");
    expect(fragment.text).toContain("Yes, I see your message.");
  });

  it("never writes: browsing every page leaves the store unchanged", async () => {
    const before = await storeState(seeded!.t.app.store);
    const ids = [seeded!.everything, seeded!.rollbacks, ...seeded!.run];
    const paths = ["/", "/?status=ended", `/?run=${RUN_ID}&q=bribe`, "/runs", `/runs/${RUN_ID}`, `/compare?a=${ids[2]}&b=${ids[3]}`];
    for (const id of ids) paths.push(`/audits/${id}`, `/audits/${id}?view=combined`, `/audits/${id}/fragment?branch=2`, `/api/audits/${id}/version`);
    for (const path of paths) expect((await get(path)).status, path).toBe(200);
    expect(await storeState(seeded!.t.app.store)).toEqual(before);
  });

  it("cannot write through its store", async () => {
    await expect(reader!.audits.create({ seedInstruction: "x", targetModel: "mockllm/t", maxTurns: 1 })).rejects.toThrow(/read-only/i);
  });
});
