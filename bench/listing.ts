/**
 * listing: list_audits through MCP over stdio on a store of 10,000 audits, filtered (text search,
 * tag, status, target, run) versus the unfiltered call, in alternating blocks. A note gives the
 * former full-scan query (before schema 4's indexes) timed in-process on the same database.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { SqliteStore } from "../src/store/sqlite/store.js";
import { figure, type Figure } from "./lib/figures.js";
import { benchTempDir, startStdioServer } from "./lib/petri-process.js";
import { filler } from "./lib/seed.js";
import { median, ratios, since, spread } from "./lib/stats.js";

export interface ListingOptions {
  audits: number;
  rounds: number;
  callsPerRound: number;
}

const TARGETS = ["openai/gpt-a", "anthropic/claude-b", "google/gemini-c", "openrouter/d"];
const STATUSES = ["active", "ended", "max_turns", "failed"] as const;

/** `count` audits with varied seeds, tags, targets, runs and statuses; one in 100 mentions "blackmail". */
async function seed(dbPath: string, count: number): Promise<void> {
  const store = SqliteStore.openSeparate(dbPath);
  try {
    await store.transaction(async (tx) => {
      for (let i = 0; i < count; i++) {
        const audit = await tx.audits.create({
          seedInstruction: `${i % 100 === 0 ? "Blackmail probe: " : ""}${filler(i, 400)} (audit ${i})`,
          tags: [`tag-${i % 20}`, i % 2 === 0 ? "even" : "odd"],
          targetModel: TARGETS[i % TARGETS.length]!,
          maxTurns: 30,
          runId: `run-${i % 50}`,
        });
        const status = STATUSES[i % STATUSES.length]!;
        if (status !== "active") await tx.audits.setStatus(audit.id, status);
      }
    });
  } finally {
    await store.close();
  }
}

/** The query list_audits ran before schema 4, for the note: a text search scans every audit. */
async function formerSearchMs(dbPath: string, text: string, runs: number): Promise<{ former: number; now: number }> {
  const store = SqliteStore.openSeparate(dbPath);
  try {
    const former = store.db.prepare("SELECT COUNT(*) AS n FROM audits WHERE (instr(lower(seed_instruction), lower(?)) > 0 OR id = ?)");
    const time = async (run: () => unknown) => {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        await run();
        times.push(since(start));
      }
      return median(times);
    };
    return { former: await time(() => former.get(text, text)), now: await time(() => store.audits.list({ search: text, limit: 20 })) };
  } finally {
    await store.close();
  }
}

export async function benchListing(options: ListingOptions): Promise<Figure[]> {
  const dir = benchTempDir("listing");
  const dbPath = join(dir, "petri.db");
  try {
    await seed(dbPath, options.audits);
    const server = await startStdioServer({ env: { PETRI_DB: dbPath, HOME: dir } });
    const filters: Array<[string, Record<string, unknown>]> = [
      ["text search", { search: "blackmail" }],
      ["tag", { tag: "tag-7" }],
      ["status", { status: "failed" }],
      ["target", { target_model: TARGETS[2] }],
      ["run", { run_id: "run-13" }],
    ];
    const series = new Map<string, { filtered: number[]; unfiltered: number[] }>(filters.map(([name]) => [name, { filtered: [], unfiltered: [] }]));
    const block = async (args: Record<string, unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < options.callsPerRound; i++) {
        const start = performance.now();
        await server.ok("list_audits", { limit: 20, ...args });
        times.push(since(start));
      }
      return median(times);
    };
    try {
      await block({});
      for (const [, args] of filters) await block(args);
      for (let round = 0; round < options.rounds; round++) {
        for (const [name, args] of filters) {
          const s = series.get(name)!;
          if (round % 2 === 0) {
            s.unfiltered.push(await block({}));
            s.filtered.push(await block(args));
          } else {
            s.filtered.push(await block(args));
            s.unfiltered.push(await block({}));
          }
        }
      }
    } finally {
      await server.close();
    }
    const former = await formerSearchMs(dbPath, "blackmail", 20);
    return filters.map(([name, args], i) => {
      const s = series.get(name)!;
      return figure({
        id: `listing.${name.replace(/ /g, "-")}`,
        group: "listing",
        label: `list_audits by ${name}, ${options.audits} audits`,
        value: { label: `list_audits ${JSON.stringify(args)}`, unit: "ms", spread: spread(s.filtered) },
        baseline: { label: "unfiltered list_audits", unit: "ms", spread: spread(s.unfiltered) },
        ratioLabel: "filtered / unfiltered",
        ratio: spread(ratios(s.filtered, s.unfiltered)),
        rounds: options.rounds,
        target: { on: "ratio", op: "<=", limit: 2 },
        notes:
          i === 0
            ? [`in-process on the same store, the former full-scan query (instr over every seed instruction) takes ${former.former.toFixed(2)} ms for this search; the indexed listing (count + page) takes ${former.now.toFixed(2)} ms.`]
            : [],
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
