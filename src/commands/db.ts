/**
 * `petri-mcp db copy --from FILE --to URL`: moves a SQLite store into an empty PostgreSQL database,
 * row for row (ids, seqs and heads kept), and verifies it by counting and comparing every row.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { StoreOpenError } from "../store/errors.js";
import { storeBackend } from "../store/index.js";
import { CopyVerificationError, copySqliteFileToPostgres } from "../store/postgres/copy.js";
import { redactedLocation } from "../store/postgres/store.js";
import { redactSecrets } from "../util/redact.js";
import type { CommandIO } from "./io.js";

const USAGE = `Usage: petri-mcp db copy --from FILE --to URL

  --from FILE   the SQLite store to copy (it is brought to this petri-mcp's schema first)
  --to URL      an empty PostgreSQL database: postgres://USER:PASSWORD@HOST:PORT/DB

Copies every row of every table in one transaction, then compares both sides row by row.
Exit status: 0 copied and verified, 1 the verification found a difference, 2 bad usage or a
database that cannot be used (nothing written).`;

export async function runDbCommand(argv: string[], io: CommandIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    io.stdout(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== "copy") {
    io.stderr(`petri-mcp db: unknown subcommand '${sub}'.\n\n${USAGE}`);
    return 2;
  }
  const { values } = parseArgs({ args: rest, options: { from: { type: "string" }, to: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (!values.from || !values.to) {
    io.stderr(`petri-mcp db copy: --from FILE and --to URL are both required.\n\n${USAGE}`);
    return 2;
  }
  if (storeBackend(values.to) !== "postgres") {
    io.stderr("petri-mcp db copy: --to must be a postgres:// or postgresql:// URL.");
    return 2;
  }
  const to = redactedLocation(values.to);
  if (!existsSync(values.from)) {
    io.stderr(`petri-mcp db copy: no database at ${values.from}.`);
    return 2;
  }
  try {
    const copied = await copySqliteFileToPostgres(values.from, values.to);
    for (const { table, rows } of copied) io.stdout(`${table.padEnd(16)} ${rows}`);
    const total = copied.reduce((sum, t) => sum + t.rows, 0);
    io.stdout(`Copied ${total} rows in ${copied.length} tables from ${values.from} to ${to}; every row verified.`);
    return 0;
  } catch (error) {
    if (error instanceof CopyVerificationError) {
      io.stderr(`petri-mcp db copy: the copy in ${to} differs from ${values.from}: ${error.message}`);
      return 1;
    }
    if (error instanceof Error && !(error instanceof StoreOpenError)) {
      io.stderr(`petri-mcp db copy: could not copy to ${to}: ${redactSecrets(error.message)}. Nothing was written.`);
      return 2;
    }
    throw error;
  }
}
