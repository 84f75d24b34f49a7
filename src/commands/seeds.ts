/**
 * `petri-mcp seeds [--tag T] [--show ID] [--json] [--dir DIR] [QUERY…]`: browse the seed library.
 */
import { parseArgs } from "node:util";
import {
  type Seed,
  SEED_TAGS,
  canonicalTag,
  loadSeedLibrary,
  searchSeeds,
  seedTagCounts,
} from "../prompts/seeds.js";
import { suggestIds } from "../prompts/seed-select.js";

export interface CommandOutput {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const USAGE = `Usage: petri-mcp seeds [--tag T[,T2]] [--show ID] [--json] [--dir DIR] [QUERY...]

List the seed instructions of the library (prompts/seeds/*.md).

  --tag, -t T     only seeds having any of these tags (repeatable, or comma-separated)
  --show, -s ID   print one seed in full
  --json          print JSON instead of a table
  --tags          print every tag with its number of seeds
  --dir DIR       read seeds from DIR instead of the built-in library
  QUERY           only seeds whose id, tags or text contain every word
  --help, -h      this help

Select seeds for an audit with "tags:a,b", "id:x,y", a file or a folder.
`;

const PREVIEW_CHARS = 70;

function preview(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS - 1)}…` : flat;
}

function seedJson(seed: Seed): Record<string, unknown> {
  const out: Record<string, unknown> = { id: seed.id, tags: seed.tags };
  if (seed.mode) out.mode = seed.mode;
  if (seed.language) out.language = seed.language;
  out.text = seed.text;
  if (seed.source) out.source = seed.source;
  return out;
}

function table(seeds: Seed[]): string {
  const rows = seeds.map((s) => {
    const mode = (s.mode === "agentic" ? "agent" : s.mode === "conversation" ? "chat" : "-") + (s.language ? `:${s.language}` : "");
    return [s.id, s.tags.join(",") || "-", mode, preview(s.text)] as const;
  });
  const w0 = Math.max(2, ...rows.map((r) => r[0].length));
  const w1 = Math.min(48, Math.max(4, ...rows.map((r) => r[1].length)));
  const w2 = Math.max(4, ...rows.map((r) => r[2].length));
  const line = (a: string, b: string, c: string, d: string): string =>
    `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c.padEnd(w2)}  ${d}`.trimEnd();
  return [line("ID", "TAGS", "MODE", "SEED"), ...rows.map((r) => line(r[0], r[1], r[2], r[3]))].join("\n") + "\n";
}

function showSeed(seed: Seed): string {
  const head = [`id:       ${seed.id}`, `tags:     ${seed.tags.join(", ") || "(none)"}`];
  if (seed.mode) head.push(`mode:     ${seed.mode}`);
  if (seed.language) head.push(`language: ${seed.language}`);
  if (seed.source) head.push(`source:   ${seed.source}`);
  return `${head.join("\n")}\n\n${seed.text}\n`;
}

export async function runSeedsCommand(argv: string[], out: CommandOutput): Promise<number> {
  let values: { tag?: string[]; show?: string; json?: boolean; tags?: boolean; dir?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        tag: { type: "string", short: "t", multiple: true },
        show: { type: "string", short: "s" },
        json: { type: "boolean" },
        tags: { type: "boolean" },
        dir: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    out.stderr(`petri-mcp seeds: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out.stdout(USAGE);
    return 0;
  }

  let library: Seed[];
  try {
    library = values.dir ? loadSeedLibrary(values.dir) : loadSeedLibrary();
  } catch (err) {
    out.stderr(`petri-mcp seeds: ${(err as Error).message}\n`);
    return 1;
  }

  if (values.show !== undefined) {
    const id = values.show.trim();
    const seed = library.find((s) => s.id === id);
    if (!seed) {
      const close = suggestIds(id, library.map((s) => s.id));
      out.stderr(
        `petri-mcp seeds: unknown seed id '${id}'` +
          (close.length > 0 ? `; did you mean ${close.join(", ")}?` : "") +
          "\nRun `petri-mcp seeds` to list the library.\n",
      );
      return 2;
    }
    out.stdout(values.json ? `${JSON.stringify(seedJson(seed), null, 2)}\n` : showSeed(seed));
    return 0;
  }

  if (values.tags) {
    const counts = seedTagCounts(library);
    if (values.json) out.stdout(`${JSON.stringify(counts, null, 2)}\n`);
    else {
      const w = Math.max(...Object.keys(counts).map((k) => k.length));
      out.stdout(Object.entries(counts).map(([t, n]) => `${t.padEnd(w)}  ${n}`).join("\n") + "\n");
    }
    return 0;
  }

  let seeds = library;
  const wantedTags = (values.tag ?? []).flatMap((t) => t.split(",")).map((t) => t.trim()).filter(Boolean);
  if (wantedTags.length > 0) {
    const unknown = wantedTags.filter((t) => !canonicalTag(t));
    if (unknown.length > 0) {
      out.stderr(
        `petri-mcp seeds: unknown tag${unknown.length > 1 ? "s" : ""} ${unknown.map((t) => `'${t}'`).join(", ")}\n` +
          `Valid tags: ${SEED_TAGS.join(", ")}\n`,
      );
      return 2;
    }
    const tags = wantedTags.map((t) => canonicalTag(t) as string);
    seeds = seeds.filter((s) => s.tags.some((t) => tags.includes(t)));
  }
  if (positionals.length > 0) seeds = searchSeeds(positionals.join(" "), seeds);

  if (values.json) {
    out.stdout(`${JSON.stringify(seeds.map(seedJson), null, 2)}\n`);
    return 0;
  }
  if (seeds.length === 0) {
    out.stdout("No seeds match.\n");
    return 0;
  }
  out.stdout(table(seeds));
  out.stdout(`\n${seeds.length} seed${seeds.length === 1 ? "" : "s"}. Show one with: petri-mcp seeds --show ID\n`);
  return 0;
}
