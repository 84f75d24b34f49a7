/**
 * Startup refuses stores it cannot trust, with one clear line and exit status 2, and writes nothing
 * to them; a store it creates is private to its user.
 *
 * Regression tests: a store from a newer schema version was used silently (then every tool failed
 * as "petri-mcp bug"); a corrupt store was written to; a file that is not a database, a truncated
 * one or a folder ended in "fatal SqliteError" with a stack trace and exit 1; a new store, its -wal
 * and -shm were created 0644 in a 0755 folder (readable by every local user).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/commands/index.js";
import { LATEST_SCHEMA_VERSION, openDatabase } from "../../src/store/db.js";
import { StoreOpenError } from "../../src/store/errors.js";
import { tempDir } from "../helpers.js";
import { freshBuild } from "../support/build.js";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "dist", "cli.js");

beforeAll(() => freshBuild([BIN]), 180_000);

/** Runs `petri-mcp list --db PATH` in this process: exit status and what it printed. */
async function list(path: string): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(["list", "--db", path], { stdout: (t) => void stdout.push(t), stderr: (t) => void stderr.push(t) });
  return { code, stdout, stderr };
}

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const mode = (path: string) => statSync(path).mode & 0o777;

/** A healthy store of about 500 pages (a filler table and its index, both past the schema's pages). */
function healthyStore(dir: string): string {
  const path = join(dir, "petri.db");
  const db = openDatabase(path);
  db.exec("CREATE TABLE filler (id INTEGER PRIMARY KEY, text TEXT); CREATE INDEX filler_text ON filler(text)");
  const insert = db.prepare("INSERT INTO filler (text) VALUES (?)");
  db.transaction(() => {
    for (let i = 0; i < 3000; i++) insert.run(`${"x".repeat(300)}${i}`);
  })();
  db.close(); // the last connection checkpoints the WAL into the file
  return path;
}

function overwrite(path: string, offset: number, length: number): void {
  const fd = openSync(path, "r+");
  writeSync(fd, Buffer.alloc(length, 0x5a), 0, length, offset);
  closeSync(fd);
}

let dir: string;

describe("stores that startup refuses", () => {
  const cases: [string, (dir: string) => string, RegExp][] = [
    [
      "a store from a newer schema version",
      (d) => {
        const path = healthyStore(d);
        const db = openDatabase(path);
        db.prepare("INSERT INTO schema_version (version, description, applied_at) VALUES (?, 'from the future', '2030-01-01')").run(LATEST_SCHEMA_VERSION + 5);
        db.close();
        return path;
      },
      new RegExp(`schema version ${LATEST_SCHEMA_VERSION + 5}, newer than this petri-mcp understands \\(up to ${LATEST_SCHEMA_VERSION}\\)\\. Nothing was written\\. Upgrade petri-mcp`),
    ],
    [
      "a corrupt store that still opens (index pages overwritten: only quick_check sees it)",
      (d) => {
        const path = healthyStore(d);
        overwrite(path, 200 * 4096, 4 * 4096);
        return path;
      },
      /is corrupt \(PRAGMA quick_check: .+\)\. Nothing was written\..*\.recover/,
    ],
    [
      "a truncated store",
      (d) => {
        const path = healthyStore(d);
        truncateSync(path, Math.floor(statSync(path).size / 2));
        return path;
      },
      /is corrupt \(/,
    ],
    [
      "a file that is not a database",
      (d) => {
        const path = join(d, "notes.db");
        writeFileSync(path, "These are my notes, not a SQLite database. ".repeat(100));
        return path;
      },
      /is not a SQLite database \(file is not a database\)\. Check --db or PETRI_DB\./,
    ],
    [
      "a directory",
      (d) => {
        const path = join(d, "a-folder");
        mkdirSync(path);
        return path;
      },
      /is a directory\. Pass the path of a database file with --db or PETRI_DB/,
    ],
  ];

  it.each(cases)("%s: one clear line naming the path, exit 2, nothing written", async (_name, make, message) => {
    dir = tempDir();
    const path = make(dir);
    const isFile = statSync(path).isFile();
    const before = isFile ? sha(path) : "";

    expect(() => openDatabase(path)).toThrow(StoreOpenError);
    const { code, stdout, stderr } = await list(path);
    expect(code).toBe(2);
    expect(stdout).toEqual([]);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^petri-mcp list: The AuditStore /);
    expect(stderr[0]).toContain(path);
    expect(stderr[0]).toMatch(message);
    expect(stderr[0]).not.toMatch(/\n|SqliteError|    at /);
    if (isFile) expect(sha(path)).toBe(before);
  });

  it.each([
    ["list", "not a database", (d: string) => {
      const path = join(d, "notes.db");
      writeFileSync(path, "not a database ".repeat(100));
      return path;
    }, /^petri-mcp list: The AuditStore .* is not a SQLite database/],
    ["serve", "a directory", (d: string) => {
      const path = join(d, "a-folder");
      mkdirSync(path);
      return path;
    }, /^petri-mcp serve: The AuditStore path .* is a directory/],
  ] as const)("the real CLI (%s, %s) exits 2 with one line and no stack trace", (command, _what, make, line) => {
    dir = tempDir();
    const path = make(dir);
    const run = spawnSync(process.execPath, [BIN, command, "--db", path], { cwd: ROOT, encoding: "utf8", timeout: 60_000, input: "" });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(line)]);
  });

  it("a healthy store of the current version opens", () => {
    dir = tempDir();
    const db = openDatabase(healthyStore(dir));
    expect(db.pragma("quick_check", { simple: true })).toBe("ok");
    db.close();
  });
});

describe("a store created by petri-mcp", () => {
  it("lives in a 0700 folder, and the database, its -wal and -shm are 0600, whatever the umask", () => {
    const previous = process.umask(0o022);
    try {
      dir = tempDir();
      const folder = join(dir, "new", "store");
      const path = join(folder, "petri.db");
      const db = openDatabase(path);
      db.prepare("INSERT INTO audits (id, seed_instruction, target_model, max_turns, created_at, updated_at) VALUES ('a1', 'seed', 'mockllm/x', 3, 'now', 'now')").run();
      expect(mode(join(dir, "new"))).toBe(0o700);
      expect(mode(folder)).toBe(0o700);
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect([file, mode(file)]).toEqual([file, 0o600]);
      db.close();
    } finally {
      process.umask(previous);
    }
  });

  it("an existing store and folder keep the permissions their owner gave them", () => {
    dir = tempDir();
    const path = healthyStore(dir);
    chmodSync(path, 0o640);
    openDatabase(path).close();
    expect(mode(path)).toBe(0o640);
  });
});
