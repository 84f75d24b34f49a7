/**
 * `petri-mcp list`: the stored audits, newest first.
 */
import { loadConfig, parseCommandArgs } from "../config.js";
import { briefText, judgeBrief } from "../judge/summary.js";
import { AUDIT_STATUSES, type AuditStatus } from "../store/types.js";
import { NO_DATABASE, openExistingStore } from "./existing-store.js";
import type { CommandIO } from "./io.js";

const USAGE = `Usage: petri-mcp list [--db PATH|URL] [--status S] [--tag T] [--run-id ID] [--limit N] [--json]`;

export async function runListCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    status: { type: "string" },
    tag: { type: "string" },
    "run-id": { type: "string" },
    limit: { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const status = values.status as AuditStatus | undefined;
  if (status && !AUDIT_STATUSES.includes(status)) {
    io.stderr(`petri-mcp list: --status must be active, ended, max_turns, failed or cancelled.`);
    return 2;
  }
  const limit = values.limit ? Number(values.limit) : 50;
  if (!Number.isInteger(limit) || limit < 1) {
    io.stderr(`petri-mcp list: --limit must be a positive integer.`);
    return 2;
  }
  const config = loadConfig(values);
  const store = await openExistingStore("list", config.dbPath, io);
  if (!store) return NO_DATABASE;
  try {
    const { audits, total } = await store.audits.list({ status, tag: values.tag, runId: values["run-id"], limit });
    const briefs: Awaited<ReturnType<typeof judgeBrief>>[] = [];
    for (const a of audits) briefs.push(await judgeBrief(store, a.id));
    if (values.json) {
      io.stdout(JSON.stringify({ total, audits: audits.map((a, i) => ({ ...a, judge: briefs[i] })) }, null, 2));
      return 0;
    }
    if (total === 0) {
      io.stdout(`No audits in ${store.location}.`);
      return 0;
    }
    io.stdout(`${total} audit(s) in ${store.location}${total > audits.length ? ` (showing ${audits.length})` : ""}:`);
    for (const [i, a] of audits.entries()) {
      const judged = `judge ${briefText(briefs[i]!)}`;
      const run = a.runId ? `  run ${a.runId}${a.epoch !== null ? `#${a.epoch}` : ""}` : "";
      io.stdout(`${a.id}  ${a.status.padEnd(9)} ${String(a.turnsUsed).padStart(3)}/${String(a.maxTurns).padEnd(3)} ${a.createdAt.slice(0, 19)}  ${a.targetModel}  ${judged}${run}  ${a.seedInstruction.slice(0, 60).replace(/\s+/g, " ")}`);
    }
    return 0;
  } finally {
    await store.close();
  }
}
