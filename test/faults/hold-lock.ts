/**
 * Child process for the fault tests: opens a petri-mcp database and, on the line "lock" on stdin,
 * takes its write lock (an IMMEDIATE transaction with a pending write) and answers "locked"; on
 * "unlock" it rolls back and answers "unlocked". Exits when stdin closes.
 *
 *   node --import tsx test/faults/hold-lock.ts <db path>
 */
import Database from "better-sqlite3";
import { createInterface } from "node:readline";

const db = new Database(process.argv[2]!, { timeout: 5000 });
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line === "lock") {
    db.exec("BEGIN IMMEDIATE");
    db.prepare("UPDATE audits SET version = version").run();
    process.stdout.write("locked\n");
  } else if (line === "unlock") {
    db.exec("ROLLBACK");
    process.stdout.write("unlocked\n");
  }
});
lines.on("close", () => {
  if (db.inTransaction) db.exec("ROLLBACK");
  db.close();
  process.exit(0);
});
process.stdout.write("ready\n");
