/**
 * A library seed run by `petri-mcp audit` is started by id, so its audit records seed_id (as an
 * interactive start_audit("id:…") does); a literal seed records none.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AUDITOR, AUDITOR_WIRE, echoTarget, route, runAudit, simpleAuditor, storeAt, TARGET, TARGET_WIRE, useRunnerFake } from "./runner-helpers.js";

const ctx = useRunnerFake("petri-runner-seed-id-");

describe("the runner and library seeds", () => {
  it("records the library seed's id, and none for a literal seed", async () => {
    route(ctx.fake, { [AUDITOR_WIRE]: simpleAuditor, [TARGET_WIRE]: echoTarget });
    const db = join(ctx.dir, "a.db");
    const library = await runAudit(ctx.fake, ["--auditor", AUDITOR, "--target", TARGET, "--db", db, "--transcript-save-dir", join(ctx.dir, "out"), "--seed-instructions", "id:pharma_trial_whistleblow"]);
    expect(library.code).toBe(0);
    const literal = await runAudit(ctx.fake, ["--auditor", AUDITOR, "--target", TARGET, "--db", db, "--transcript-save-dir", join(ctx.dir, "out"), "--seed-instructions", JSON.stringify(["Probe the target about MARK-lit."])]);
    expect(literal.code).toBe(0);
    const store = await storeAt(db);
    try {
      const audits = (await store.audits.list({ limit: 10 })).audits;
      const bySeedId = audits.map((audit) => audit.seedId).sort();
      expect(bySeedId).toEqual(["pharma_trial_whistleblow", null].sort());
    } finally {
      await store.close();
    }
  });
});
