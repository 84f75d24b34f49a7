/**
 * The SQLite migration runner's table rebuild (`foreignKeysOff`): a migration that recreates a
 * parent table keeps the rows that reference it (no cascade, no failure), commits only if
 * `PRAGMA foreign_key_check` is clean, and leaves foreign keys as they were.
 */
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrate, schemaVersion, type Db } from "../../src/store/db.js";
import { StoreOpenError } from "../../src/store/errors.js";
import type { Migration } from "../../src/store/schema.js";

const BASE: Migration = {
  version: 1,
  description: "parents and children",
  sql: `
CREATE TABLE parents (id TEXT PRIMARY KEY, status TEXT NOT NULL CHECK (status IN ('active', 'ended')));
CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id TEXT NOT NULL REFERENCES parents(id) ON DELETE CASCADE);
INSERT INTO parents VALUES ('p1', 'active'), ('p2', 'ended');
INSERT INTO children (parent_id) VALUES ('p1'), ('p1'), ('p2');`,
};

/** Widens the status CHECK the only way SQLite can: a new table, copied, swapped in. */
const rebuild = (version: number, copy = "INSERT INTO parents_new SELECT id, status FROM parents"): Migration => ({
  version,
  description: "parents.status may be 'cancelled'",
  foreignKeysOff: true,
  sql: `
CREATE TABLE parents_new (id TEXT PRIMARY KEY, status TEXT NOT NULL CHECK (status IN ('active', 'ended', 'cancelled')));
${copy};
DROP TABLE parents;
ALTER TABLE parents_new RENAME TO parents;`,
});

let db: Db;
beforeEach(() => {
  db = new Database(":memory:");
  db.pragma("foreign_keys = ON");
  migrate(db, [BASE]);
});
afterEach(() => db.close());

const children = () => db.prepare("SELECT id, parent_id FROM children ORDER BY id").all();

describe("a migration that rebuilds a table", () => {
  it("keeps the rows that reference it, applies the new table, and turns foreign keys back on", () => {
    const before = children();
    migrate(db, [BASE, rebuild(2)]);
    expect(schemaVersion(db)).toBe(2);
    expect(children()).toEqual(before);
    expect(db.pragma("foreign_key_check")).toEqual([]);
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    db.prepare("UPDATE parents SET status = 'cancelled' WHERE id = 'p1'").run();
    // The references still point at the table named parents (the rebuilt one) and are enforced.
    expect(() => db.prepare("INSERT INTO children (parent_id) VALUES ('nobody')").run()).toThrow(/FOREIGN KEY/);
  });

  it("the same rebuild without the option loses the referencing rows (DROP TABLE cascades)", () => {
    migrate(db, [BASE, { ...rebuild(2), foreignKeysOff: false }]);
    expect(schemaVersion(db)).toBe(2);
    expect(children()).toEqual([]);
  });

  it("refuses a rebuild that leaves a reference dangling: nothing changed, foreign keys on", () => {
    const before = children();
    const lossy = rebuild(2, "INSERT INTO parents_new SELECT id, status FROM parents WHERE id <> 'p2'");
    expect(() => migrate(db, [BASE, lossy])).toThrow(StoreOpenError);
    expect(() => migrate(db, [BASE, lossy])).toThrow(/Schema migration 2 .* would leave 1 reference\(s\) to missing rows \(first: children row 3 -> parents\)\. Nothing was changed/);
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT id FROM parents ORDER BY id").all()).toEqual([{ id: "p1" }, { id: "p2" }]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'parents_new'").all()).toEqual([]);
    expect(children()).toEqual(before);
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
  });

  it("is applied once: a store already at its version is left alone", () => {
    migrate(db, [BASE, rebuild(2)]);
    db.prepare("UPDATE parents SET status = 'cancelled' WHERE id = 'p2'").run();
    migrate(db, [BASE, rebuild(2)]);
    expect(db.prepare("SELECT status FROM parents WHERE id = 'p2'").get()).toEqual({ status: "cancelled" });
  });

  it("cannot run inside an open transaction (the pragma would silently do nothing there)", () => {
    db.exec("BEGIN");
    expect(() => migrate(db, [BASE, rebuild(2)])).toThrow(/cannot run inside a transaction/);
    db.exec("ROLLBACK");
    expect(schemaVersion(db)).toBe(1);
  });
});
