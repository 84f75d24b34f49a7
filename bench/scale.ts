/**
 * scale: the Petri JSON export (file written) and the judge's XML rendering of an audit whose
 * target tree holds 2,000 messages in 50 branches. Baseline: the floor of either job, reading the
 * same message rows through the store interface (SQLite) and serializing them with JSON.stringify.
 * Rounds alternate.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { openStore } from "../src/store/index.js";
import type { TreeView } from "../src/store/types.js";
import { renderJudgeTranscript } from "../src/judge/judge-xml.js";
import { exportAudit } from "../src/export/export.js";
import { figure, type Figure } from "./lib/figures.js";
import { benchTempDir } from "./lib/petri-process.js";
import { openSeedApp, seedBranchyAudit } from "./lib/seed.js";
import { ratios, since, spread } from "./lib/stats.js";

export interface ScaleOptions {
  targetMessages: number;
  branches: number;
  rounds: number;
}

const VIEWS: readonly TreeView[] = ["target", "combined", "auditor"];

async function timed(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return since(start);
}

export async function benchScale(options: ScaleOptions): Promise<Figure[]> {
  const dir = benchTempDir("scale");
  const dbPath = join(dir, "petri.db");
  const seed = openSeedApp(dbPath, "openai/bench-target");
  const auditId = await seedBranchyAudit(seed, "openai/bench-target", options.targetMessages, options.branches);
  await seed.close();

  // A fresh store: nothing cached from the seeding.
  const store = await openStore(dbPath);
  try {
    const targetCount = (await store.messages.all(auditId, "target")).length;
    const branches = await store.messages.branchCount(auditId, "target");
    if (targetCount !== options.targetMessages || branches !== options.branches) {
      throw new Error(`seeded ${targetCount} target messages in ${branches} branches, expected ${options.targetMessages} in ${options.branches}`);
    }
    const rawAll = async () =>
      JSON.stringify(
        await store.snapshot(async (tx) => {
          const views = [];
          for (const v of VIEWS) views.push(await tx.messages.all(auditId, v));
          return views;
        }),
      );
    const rawTarget = async () => JSON.stringify(await store.messages.all(auditId, "target"));
    const exportOnce = () => exportAudit(store, auditId, { format: "petri", transcriptsDir: join(dir, "outputs"), path: "scale.json" });
    const judgeOnce = async () => renderJudgeTranscript(await store.messages.all(auditId, "target"));
    const bytes = (await exportOnce()).bytes;
    const xmlChars = (await judgeOnce()).xml.length;

    const samples = { export: [] as number[], rawAll: [] as number[], judge: [] as number[], rawTarget: [] as number[] };
    for (let round = 0; round < options.rounds; round++) {
      const pairs: Array<[keyof typeof samples, () => unknown]> = [
        ["export", exportOnce],
        ["rawAll", rawAll],
        ["judge", judgeOnce],
        ["rawTarget", rawTarget],
      ];
      if (round % 2 === 1) pairs.reverse();
      for (const [name, fn] of pairs) samples[name].push(await timed(fn));
    }
    const shape = `${targetCount} target messages in ${branches} branches`;
    return [
      figure({
        id: "scale.export",
        group: "scale",
        label: `export (Petri JSON), ${options.targetMessages} msgs / ${options.branches} branches`,
        value: { label: "exportAudit, file written", unit: "ms", spread: spread(samples.export) },
        baseline: { label: "read all rows + JSON.stringify", unit: "ms", spread: spread(samples.rawAll) },
        ratioLabel: "export / raw read",
        ratio: spread(ratios(samples.export, samples.rawAll)),
        rounds: options.rounds,
        target: { on: "value", op: "<", limit: 500 },
        notes: [`${shape}; the export file is ${(bytes / 1024 / 1024).toFixed(1)} MiB.`],
      }),
      figure({
        id: "scale.judge_render",
        group: "scale",
        label: `judge XML rendering, ${options.targetMessages} msgs / ${options.branches} branches`,
        value: { label: "renderJudgeTranscript incl. read", unit: "ms", spread: spread(samples.judge) },
        baseline: { label: "read target rows + JSON.stringify", unit: "ms", spread: spread(samples.rawTarget) },
        ratioLabel: "render / raw read",
        ratio: spread(ratios(samples.judge, samples.rawTarget)),
        rounds: options.rounds,
        notes: [`the rendered transcript is ${(xmlChars / 1024).toFixed(0)} KiB of XML.`],
      }),
    ];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
