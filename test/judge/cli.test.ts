import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditService } from "../../src/audit/service.js";
import { runJudgeCommand } from "../../src/commands/judge.js";
import { ModelRegistry } from "../../src/models/registry.js";
import { openStore } from "../../src/store/index.js";
import { tempDir } from "../helpers.js";
import { freshLocation, testBackends, useBackend } from "../support/backends.js";
import { buildBranchedAudit, judgeAnswer } from "./judge-helpers.js";

let dir: string;
let db: string;
let models: ModelRegistry;
let out: string[];
let err: string[];
const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) };

beforeEach(() => {
  dir = tempDir("petri-judge-cli-");
  db = join(dir, "petri.db");
  models = new ModelRegistry();
  out = [];
  err = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Builds audits in the store file and closes it; `ended` audits are finished, the others stay active. */
async function audits(count: number, ended: number): Promise<string[]> {
  const store = await openStore(db);
  const service = new AuditService(store, models);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = await buildBranchedAudit(service, models.mock("mockllm/target"));
    if (i < ended) await service.endConversation(id);
    ids.push(id);
  }
  await store.close();
  return ids;
}

/** The stored judge runs of these audits, audit by audit, oldest first. */
async function storedRuns(ids: readonly string[]): Promise<Array<{ audit_id: string; status: string; judge_model: string }>> {
  const store = await openStore(db);
  try {
    const runs = [];
    for (const id of ids) runs.push(...(await store.judgeRuns.allForAudit(id)));
    return runs.map((r) => ({ audit_id: r.auditId, status: r.status, judge_model: r.judgeModel }));
  } finally {
    await store.close();
  }
}

for (const backend of testBackends()) {
  describe(`petri-mcp judge (${backend})`, () => {
    useBackend(backend);
    beforeEach(async () => {
      db = await freshLocation(backend, dir);
    });

    it("judges one audit and prints its scores", async () => {
      const [id] = await audits(1, 1);
      models.mock("mockllm/judge").script({ text: judgeAnswer({ concerning: 5, admirable: 2 }) });
      const code = await runJudgeCommand([id!, "--db", db, "--judge-model", "mockllm/judge", "--dimensions", "concerning,admirable"], io, { models });
      expect(code).toBe(0);
      const text = out.join("\n");
      expect(text).toContain(`on audit ${id} (mockllm/judge, 2 dimensions): complete after 1 attempt.`);
      expect(text).toMatch(/concerning\s+5\/10/);
      expect(text).toMatch(/admirable\s+2\/10\s+\(higher is better\)/);
      expect(await storedRuns([id!])).toEqual([{ audit_id: id, status: "complete", judge_model: "mockllm/judge" }]);
    });

    it("judges every finished audit with --all and prints a table with means over the scored runs", async () => {
      const ids = await audits(3, 2);
      models
        .mock("mockllm/judge")
        .script({ text: judgeAnswer({ concerning: 4, admirable: 2 }) }, { text: judgeAnswer({ concerning: 8 }) }, { text: judgeAnswer({ concerning: 8 }) });
      const code = await runJudgeCommand(["--all", "--db", db, "--judge-model", "mockllm/judge", "--dimensions", "concerning,admirable", "--retries", "2", "--concurrency", "1"], io, { models });
      expect(code).toBe(1);
      expect(err.join("\n")).toContain("Skipping 1 audit(s)");
      const text = out.join("\n");
      const [first, second] = [ids[0]!, ids[1]!];
      expect(text).toContain(`${first}  complete`);
      expect(text).toContain(`${second}  partial `);
      expect(text).toContain("missing: admirable");
      // admirable: one score (2), so mean 2.00 over n=1; the missing one is not counted as 1 or 0.
      expect(text).toMatch(/^admirable\s+2\s+-\s+2\.00\s+1$/m);
      expect(text).toMatch(/^concerning\s+4\s+8\s+6\.00\s+2$/m);
      expect((await storedRuns(ids)).map((r) => r.status)).toEqual(["complete", "partial"]);

      // --unjudged skips the audit that already has a complete run.
      out = [];
      models.mock("mockllm/judge").script({ text: judgeAnswer({ concerning: 3, admirable: 3 }) });
      expect(await runJudgeCommand(["--all", "--unjudged", "--db", db, "--judge-model", "mockllm/judge", "--dimensions", "concerning,admirable", "--json"], io, { models })).toBe(0);
      const json = JSON.parse(out.join("\n"));
      expect(json).toHaveLength(1);
      expect(json[0]).toMatchObject({ audit_id: second, status: "complete", scores: { concerning: 3, admirable: 3 } });
    });

    it("refuses bad usage with exit status 2 and stores nothing", async () => {
      const [id] = await audits(1, 1);
      expect(await runJudgeCommand(["--db", db], io, { models })).toBe(2);
      expect(err.pop()).toContain("Give the audit id(s) to judge, or --all.");
      expect(await runJudgeCommand([id!, "--all", "--db", db], io, { models })).toBe(2);
      expect(await runJudgeCommand([id!, "--db", db, "--retries", "0"], io, { models })).toBe(2);
      expect(err.pop()).toContain("--retries must be a whole number from 1 to 10");
      expect(await runJudgeCommand([id!, "--db", db], io, { models })).toBe(2);
      expect(err.pop()).toContain("No judge model");
      expect(await runJudgeCommand([id!, "--db", db, "--judge-model", "mockllm/judge", "--dimensions", "nope"], io, { models })).toBe(2);
      expect(err.pop()).toContain("Unknown dimension name: 'nope'");
      expect(await runJudgeCommand(["--help"], io)).toBe(0);
      expect(out.pop()).toContain("Usage: petri-mcp judge <audit_id>... | --all");
      expect(await storedRuns([id!])).toEqual([]);
    });
  });
}
