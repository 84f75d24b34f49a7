/**
 * A library seed run by `petri-mcp audit` is started by id, so its audit records seed_id (as an
 * interactive start_audit("id:…") does); a literal seed records none.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlm, startFakeLlm } from "../fake-llm/server.js";
import { tempDir } from "../helpers.js";
import { AUDITOR, AUDITOR_WIRE, echoTarget, openStore, route, runAudit, simpleAuditor, TARGET, TARGET_WIRE } from "./runner-helpers.js";

let fake: FakeLlm;
let dir: string;

beforeAll(async () => {
  fake = await startFakeLlm({ strict: true });
  dir = tempDir("petri-runner-seed-id-");
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the runner and library seeds", () => {
  it("records the library seed's id, and none for a literal seed", async () => {
    route(fake, { [AUDITOR_WIRE]: simpleAuditor, [TARGET_WIRE]: echoTarget });
    const db = join(dir, "a.db");
    const library = await runAudit(fake, ["--auditor", AUDITOR, "--target", TARGET, "--db", db, "--transcript-save-dir", join(dir, "out"), "--seed-instructions", "id:pharma_trial_whistleblow"]);
    expect(library.code).toBe(0);
    const literal = await runAudit(fake, ["--auditor", AUDITOR, "--target", TARGET, "--db", db, "--transcript-save-dir", join(dir, "out"), "--seed-instructions", JSON.stringify(["Probe the target about MARK-lit."])]);
    expect(literal.code).toBe(0);
    const store = openStore(db);
    try {
      const audits = store.listAudits({ limit: 10 }).audits;
      const bySeedId = audits.map((audit) => audit.seedId).sort();
      expect(bySeedId).toEqual(["pharma_trial_whistleblow", null].sort());
    } finally {
      store.close();
    }
  });
});
