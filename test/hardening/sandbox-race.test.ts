/**
 * Check-then-use races on the sandboxes (issue 14, hole 2). A child process swaps a real folder and
 * a symbolic link to an outside folder as fast as it can (two renames through a third name; Node
 * has no RENAME_EXCHANGE) while this process reads, searches and exports through the swapped
 * name. Nothing from outside may be read, and nothing may be written outside the roots.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { searchResources } from "../../src/resources/search.js";
import { createTestApp, tempDir, textOf, type TestApp } from "../helpers.js";
import { makeResourceTree, type ResourceTree } from "../resources/resource-helpers.js";

/** Hard limits of one race, whatever happens: the swapper stops by itself after this. */
const SWAPPER_MAX_MS = 30_000;
/** Each race stops trying after this long, whatever the counts reached (a loaded machine). */
const RACE_MS = 20_000;

/** Swaps `<dir>/<a>` and `<dir>/<b>` until killed or SWAPPER_MAX_MS; prints the cycle count on exit. */
const SWAPPER = `
const { renameSync } = require("node:fs");
const { join } = require("node:path");
const [dir, a, b, maxMs] = process.argv.slice(1);
const A = join(dir, a), B = join(dir, b), T = join(dir, ".swap-tmp");
const end = Date.now() + Number(maxMs);
let cycles = 0;
const stop = () => { process.stdout.write(String(cycles)); process.exit(0); };
process.on("SIGTERM", stop);
process.stdout.write("ready\\n");
(function loop() {
  for (let i = 0; i < 200; i++) {
    try { renameSync(A, T); renameSync(B, A); renameSync(T, B); cycles++; } catch {}
  }
  if (Date.now() > end) stop();
  setImmediate(loop);
})();
`;

interface Swapper {
  child: ChildProcess;
  /** Ends the swapper and returns how many swaps it made. */
  stop(): Promise<number>;
}

async function startSwapper(dir: string, a: string, b: string): Promise<Swapper> {
  const child = spawn(process.execPath, ["-e", SWAPPER, dir, a, b, String(SWAPPER_MAX_MS)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (out.startsWith("ready\n")) {
        clearInterval(check);
        resolve();
      }
    }, 5);
    child.on("error", reject);
  });
  return {
    child,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      return Number(out.slice("ready\n".length)) || 0;
    },
  };
}

let swapper: Swapper | undefined;
let tree: ResourceTree | undefined;
let t: TestApp | undefined;
afterEach(async () => {
  await swapper?.stop();
  await t?.close();
  tree?.cleanup();
  swapper = t = tree = undefined;
});

/** Every file below `dir` (links not followed, not counted), as paths relative to it. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe("a folder swapped for a symbolic link while it is used", () => {
  it("never lets read_file, search_in_files or list_directory see the outside folder (1,000 reads, 300 searches, 200 listings)", async () => {
    tree = makeResourceTree();
    const race = join(tree.root, "tt");
    writeFileSync(join(tree.outside, "secret.txt"), `${tree.marker}\nOUTSIDE line\n`);
    mkdirSync(join(race, "real_dir"), { recursive: true });
    writeFileSync(join(race, "real_dir", "secret.txt"), "inside harmless\nINSIDE line\n");
    symlinkSync(tree.outside, join(race, "evil"));
    t = await createTestApp({ config: { resourcesDirs: [tree.root] } });
    const auditId: string = (await t.ok("start_audit", { seed_instruction: "Look around." })).data.audit_id;
    swapper = await startSwapper(race, "real_dir", "evil");
    const deadline = Date.now() + RACE_MS;

    let reads = 0;
    let insideReads = 0;
    let leaks = 0;
    for (; reads < 1000 && Date.now() < deadline; reads++) {
      const result = await t.call("read_file", { audit_id: auditId, path: "tt/real_dir/secret.txt" });
      const text = textOf(result);
      if (text.includes(tree.marker) || text.includes("OUTSIDE")) leaks++;
      else if (!result.isError && text.includes("inside harmless")) insideReads++;
    }
    let searches = 0;
    for (; searches < 300 && Date.now() < deadline; searches++) {
      const found = await searchResources(tree.root, "tt", "line|OUTSIDE|harmless");
      if (found.output.includes(tree.marker) || found.output.includes("OUTSIDE")) leaks++;
    }
    let listings = 0;
    for (; listings < 200 && Date.now() < deadline; listings++) {
      // The outside folder holds a subfolder 'dir'; the real one does not.
      const listed = await t.call("list_directory", { audit_id: auditId, path: "tt/real_dir" });
      if (textOf(listed).includes("dir/")) leaks++;
    }
    const cycles = await swapper.stop();

    expect(leaks).toBe(0);
    expect(reads).toBe(1000);
    expect(searches).toBe(300);
    expect(listings).toBe(200);
    // The race really ran, and reads through the real folder still worked in between.
    expect(cycles).toBeGreaterThan(100);
    expect(insideReads).toBeGreaterThan(0);
  }, 40_000);

  it("never lets export_transcript write outside the transcripts folder, finished or temporary (300 exports)", async () => {
    const dir = tempDir("petri-export-race-");
    const transcripts = join(dir, "transcripts");
    const outside = join(dir, "outside");
    mkdirSync(join(transcripts, "sub"), { recursive: true });
    mkdirSync(outside, { recursive: true });
    symlinkSync(outside, join(transcripts, "evil"));
    tree = { base: dir, root: transcripts, outside, marker: "", cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    t = await createTestApp({ config: { transcriptsDir: transcripts } });
    const auditId: string = (await t.ok("start_audit", { seed_instruction: "Look around." })).data.audit_id;
    swapper = await startSwapper(transcripts, "sub", "evil");
    const deadline = Date.now() + RACE_MS;

    let tries = 0;
    let written = 0;
    for (; tries < 300 && Date.now() < deadline; tries++) {
      const result = await t.call("export_transcript", { audit_id: auditId, format: "markdown", path: `sub/pwn_${tries}.md` });
      if (!result.isError) written++;
    }
    const cycles = await swapper.stop();

    expect(tries).toBe(300);
    expect(cycles).toBeGreaterThan(100);
    expect(filesBelow(outside)).toEqual([]);
    // Every reported export is a finished file inside the folder (in whichever real folder, under
    // whichever name, the swaps left it; an export may also have created 'sub' afresh mid-swap),
    // and no temporary file is left.
    const inside = filesBelow(transcripts);
    expect(inside.filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(inside.length).toBe(written);
    expect(written).toBeGreaterThan(0);
  }, 40_000);
});

describe("export_transcript writes through checked folders", () => {
  it("creates missing folders, follows links that stay inside, replaces a final link, and leaves no temporary file", async () => {
    const dir = tempDir("petri-export-write-");
    const transcripts = join(dir, "transcripts");
    const outside = join(dir, "outside");
    mkdirSync(join(transcripts, "real"), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, "victim.md"), "untouched\n");
    symlinkSync(join(transcripts, "real"), join(transcripts, "alias"));
    symlinkSync(join(outside, "victim.md"), join(transcripts, "final.md"));
    tree = { base: dir, root: transcripts, outside, marker: "", cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    t = await createTestApp({ config: { transcriptsDir: transcripts } });
    const auditId: string = (await t.ok("start_audit", { seed_instruction: "Look around." })).data.audit_id;

    const nested = await t.ok("export_transcript", { audit_id: auditId, format: "markdown", path: "a/b/c/report.md" });
    expect(nested.data.path).toBe(join(transcripts, "a", "b", "c", "report.md"));
    const viaAlias = await t.ok("export_transcript", { audit_id: auditId, format: "markdown", path: "alias/x.md" });
    expect(viaAlias.data.path).toBe(join(transcripts, "alias", "x.md"));
    expect(readdirSync(join(transcripts, "real"))).toEqual(["x.md"]);
    // A link as the file name is replaced by the file, never written through.
    await t.ok("export_transcript", { audit_id: auditId, format: "markdown", path: "final.md" });
    expect(lstatSync(join(transcripts, "final.md")).isFile()).toBe(true);
    expect(readFileSync(join(outside, "victim.md"), "utf8")).toBe("untouched\n");
    expect(filesBelow(transcripts).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
