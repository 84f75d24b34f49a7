/**
 * `petri-mcp report RUN_ID [--format markdown|html|json|csv] [--out FILE]`: a run's per-target
 * means with standard errors and 95% intervals, differences between targets, judge agreement and
 * the inconclusive audits, recomputed from the store (see docs/comparing-models.md).
 */
import { writeFileSync } from "node:fs";
import { loadConfig, parseCommandArgs } from "../config.js";
import { REPORT_FORMATS, type ReportFormat, renderReport, runReport } from "../report/run-report.js";
import { NO_DATABASE, openExistingStore } from "./existing-store.js";
import type { CommandIO } from "./io.js";

const USAGE = `Usage: petri-mcp report RUN_ID [--format markdown|html|json|csv] [--out FILE] [--min-target-replies N] [--db PATH|URL]

Per target and dimension: the mean over seeds, its standard error and t-based 95% interval, n and
the audits excluded; differences between targets paired by seed; judge agreement (mean absolute
difference, Krippendorff's alpha) and whether each dimension can rank the targets; the most
concerning and the inconclusive audits. Numbers are recomputed from the store each time.

Options:
  --format F                 markdown (default), html, json or csv
  --out FILE                 write the report to FILE instead of stdout
  --min-target-replies N     override the run's engagement gate (audits whose target replied
                             fewer times are inconclusive)
  --db PATH|URL              the AuditStore: a SQLite file or a postgres:// URL (default: $PETRI_DB,
                             else the user data dir)

petri-mcp list shows run ids (--run-id ID lists one run's audits).`;

export async function runReportCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { format: { type: "string" }, out: { type: "string" }, "min-target-replies": { type: "string" } }, true);
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const fail = (text: string) => {
    io.stderr(`petri-mcp report: ${text}\n\n${USAGE}`);
    return 2;
  };
  if (positionals.length !== 1) return fail("give exactly one run id.");
  const format = (values.format ?? "markdown") as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) return fail(`--format must be one of ${REPORT_FORMATS.join(", ")}, got '${values.format}'.`);
  let minTargetReplies: number | undefined;
  if (values["min-target-replies"] !== undefined) {
    minTargetReplies = Number(values["min-target-replies"]);
    if (!Number.isInteger(minTargetReplies) || minTargetReplies < 0 || minTargetReplies > 1000) return fail(`--min-target-replies must be a whole number from 0 to 1000, got '${values["min-target-replies"]}'.`);
  }
  const config = loadConfig(values);
  const store = await openExistingStore("report", config.dbPath, io);
  if (!store) return NO_DATABASE;
  try {
    const runId = positionals[0]!;
    const report = await runReport(store, runId, { minTargetReplies });
    if (!report) {
      io.stderr(`petri-mcp report: no audits with run id '${runId}' in ${store.location}. petri-mcp list shows the audits and their runs.`);
      return 1;
    }
    const text = renderReport(report, format);
    if (values.out) {
      writeFileSync(values.out, text);
      io.stdout(values.out);
    } else {
      io.stdout(text.replace(/\r?\n$/, ""));
    }
    return 0;
  } finally {
    await store.close();
  }
}
