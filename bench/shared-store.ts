/**
 * shared store: a send_message turn (AuditService with an instant in-process target, so only
 * petri's own work is timed) on an audit of `messages` target messages, when this process's cache
 * is stale because another connection to the same store (another process, in real use) took the
 * previous turn, versus a turn right after its own previous turn (a fresh cache). Rounds alternate.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { figure, type Figure } from "./lib/figures.js";
import { benchTempDir } from "./lib/petri-process.js";
import type { SqliteStore } from "../src/store/sqlite/store.js";
import { addTurns, growByCopies, openSeedApp, type SeedApp, startSeededAudit } from "./lib/seed.js";
import { median, ratios, since, spread } from "./lib/stats.js";

const TARGET = "openai/bench-target";

export interface SharedStoreOptions {
  messages: number;
  rounds: number;
  turnsPerRound: number;
}

export async function benchSharedStore(options: SharedStoreOptions): Promise<Figure[]> {
  const dir = benchTempDir("shared");
  const dbPath = join(dir, "petri.db");
  const mine = openSeedApp(dbPath, TARGET);
  const other = openSeedApp(dbPath, TARGET);
  try {
    const auditId = await startSeededAudit(mine, TARGET, `shared store at ${options.messages} messages`);
    await addTurns(mine, auditId, 2);
    await growByCopies(mine, auditId, options.messages);
    let n = 0;
    const turn = (app: SeedApp) => addTurns(app, auditId, 1, ++n);
    const timed = async () => {
      const start = performance.now();
      await turn(mine);
      return since(start);
    };
    await turn(mine);
    await turn(other);
    await turn(mine);
    const fresh: number[] = [];
    const stale: number[] = [];
    const reread: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const f: number[] = [];
      const s: number[] = [];
      const r: number[] = [];
      for (let i = 0; i < options.turnsPerRound; i++) {
        await turn(mine);
        f.push(await timed());
        await turn(other);
        s.push(await timed());
        // What the cache did before it caught up incrementally: read and parse every view again.
        await turn(other);
        (mine.store as SqliteStore).forgetCachedBranches();
        r.push(await timed());
      }
      fresh.push(median(f));
      stale.push(median(s));
      reread.push(median(r));
    }
    const size = (await mine.store.messages.branch(auditId, "target")).length;
    return [
      figure({
        id: `shared.stale.${options.messages}`,
        group: "shared",
        label: `turn with a stale cache, ${options.messages} messages`,
        value: { label: "turn after another process's turn", unit: "ms", spread: spread(stale) },
        baseline: { label: "turn after this process's own turn", unit: "ms", spread: spread(fresh) },
        added: { unit: "ms", spread: spread(stale.map((v, i) => v - fresh[i]!)) },
        ratioLabel: "stale / fresh",
        ratio: spread(ratios(stale, fresh)),
        rounds: options.rounds,
        target: { on: "ratio", op: "<=", limit: 1.2 },
        notes: [
          `the conversation held ${size} target messages at the end (each view grown to that size); in-process AuditService turns with an instant target: only petri's own work is timed.`,
          `a turn that re-reads every view (what a stale cache did before it caught up incrementally) takes ${median(reread).toFixed(1)} ms, ${median(ratios(reread, fresh)).toFixed(1)}x the fresh turn.`,
        ],
      }),
    ];
  } finally {
    await mine.close();
    await other.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
