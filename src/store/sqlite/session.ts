/**
 * The repositories of the store interface over the SQL of this folder (one file per repository
 * group). Each call runs through `exec`: on its own transaction at top level, or directly inside
 * an open one (`transaction`, `commitTurn`).
 */
import type { StoreSession } from "../types.js";
import * as audits from "./audits.js";
import * as calls from "./calls.js";
import type { SqliteConnection } from "./connection.js";
import { sqliteJobRepo } from "./jobs.js";
import * as trees from "./messages.js";
import * as sql from "./records.js";
import { sqliteRunStatus } from "./run-status.js";

export interface SqliteExec {
  read<T>(fn: () => T): Promise<T>;
  write<T>(fn: () => T): Promise<T>;
  /** The audit changed: tell the change listeners once the transaction commits. */
  changed(auditId: string): void;
}

export function sqliteSession(db: SqliteConnection, exec: SqliteExec): StoreSession {
  const { read, write } = exec;
  return {
    audits: {
      create: (input) =>
        write(() => {
          const audit = audits.createAudit(db, input);
          exec.changed(audit.id);
          return audit;
        }),
      get: (id) => read(() => audits.getAudit(db, id)),
      list: (filter) => read(() => audits.listAudits(db, filter)),
      idsStartingWith: (prefix, limit = 50) => read(() => audits.auditIdsStartingWith(db, prefix, limit)),
      runs: (limit) => read(() => audits.listRuns(db, limit)),
      touch: (id) =>
        write(() => {
          audits.touch(db, id);
          exec.changed(id);
        }),
      setStatus: (id, status, reason) =>
        write(() => {
          audits.setStatus(db, id, status, reason ?? null);
          exec.changed(id);
        }),
      setAuditorModel: (id, model) => write(() => audits.setAuditorModel(db, id, model)),
      addTurn: (id) => write(() => audits.addTurn(db, id)),
    },
    leases: {
      acquire: (auditId, owner, ttlMs, now) => write(() => audits.acquireLease(db, auditId, owner, ttlMs, now)),
      renew: (auditId, owner, ttlMs, now) => write(() => audits.renewLease(db, auditId, owner, ttlMs, now)),
      release: (auditId, owner) => write(() => audits.releaseLease(db, auditId, owner)),
      holder: (auditId, now) => read(() => audits.leaseHolder(db, auditId, now)),
    },
    messages: {
      head: (auditId, view) => read(() => trees.head(db, auditId, view)),
      setHead: (auditId, view, seq) => write(() => trees.setHead(db, auditId, view, seq)),
      branch: (auditId, view, headSeq) => read(() => (headSeq === undefined ? trees.branch(db, auditId, view) : trees.branch(db, auditId, view, headSeq))),
      get: (seq) => read(() => trees.message(db, seq)),
      all: (auditId, view) => read(() => trees.allMessages(db, auditId, view)),
      branchCount: (auditId, view) => read(() => trees.branchCount(db, auditId, view)),
      append: (auditId, view, list, parentSeq) =>
        write(() => (parentSeq === undefined ? trees.appendMessages(db, auditId, view, list) : trees.appendMessages(db, auditId, view, list, parentSeq))),
      targetReplies: (auditId) => read(() => trees.targetRepliesOfAudit(db, auditId)),
    },
    tools: {
      list: (auditId) => read(() => calls.listTools(db, auditId)),
      upsert: (auditId, tool) => write(() => calls.upsertTool(db, auditId, tool)),
      remove: (auditId, name) => write(() => calls.removeTool(db, auditId, name)),
    },
    events: {
      add: (auditId, event) => write(() => calls.addEvent(db, auditId, event)),
      list: (auditId) => read(() => calls.events(db, auditId)),
    },
    modelCalls: {
      record: (call) => write(() => calls.recordModelCall(db, call)),
      forAudit: (auditId, limit) => read(() => calls.modelCalls(db, auditId, limit)),
      usageByRole: (auditId) => read(() => calls.usageByRole(db, auditId)),
      usageOfJudgeRun: (runId) => read(() => sql.judgeRunUsage(db, runId)),
    },
    judgeRuns: {
      insert: (run) => write(() => sql.insertJudgeRun(db, run)),
      running: (auditId) => read(() => sql.runningJudgeRuns(db, auditId)),
      runningLike: (auditId, model, dimensions) => read(() => sql.runningJudgeRunsLike(db, auditId, model, dimensions)),
      interrupt: (id, reason) => write(() => sql.interruptJudgeRun(db, id, reason)),
      heartbeat: (id, owner, now) => write(() => sql.heartbeatJudgeRun(db, id, owner, now)),
      takeOver: (id, owner, now) => write(() => sql.takeOverJudgeRun(db, id, owner, now)),
      progress: (id, owner, attempts, messages, now) => write(() => sql.progressJudgeRun(db, id, owner, attempts, messages, now)),
      finish: (id, owner, result) => write(() => sql.finishJudgeRun(db, id, owner, result)),
      get: (id) => read(() => sql.getJudgeRun(db, id)),
      forAudit: (auditId) => read(() => sql.judgeRunsOfAudit(db, auditId)),
      allForAudit: (auditId) => read(() => sql.allJudgeRunsOfAudit(db, auditId)),
      hasComplete: (auditId) => read(() => sql.hasCompleteJudgeRun(db, auditId)),
      scoresOfRun: (runId) => read(() => sql.judgeRunScoresOfRun(db, runId)),
    },
    realismChecks: {
      insertUnfinished: (check) => write(() => sql.insertUnfinishedCheck(db, check)),
      complete: (id, result) => write(() => sql.completeCheck(db, id, result)),
      forAudit: (auditId) => read(() => sql.checksOfAudit(db, auditId)),
      latestScored: (auditId) => read(() => sql.latestScoredCheck(db, auditId)),
      stats: (auditId) => read(() => sql.realismStats(db, auditId)),
    },
    runs: {
      saveDesign: (runId, design) => write(() => sql.saveRunDesign(db, runId, design)),
      design: (runId) => read(() => sql.runDesign(db, runId)),
      targetReplies: (runId) => read(() => trees.targetRepliesOfRun(db, runId)),
      ...sqliteRunStatus(db, exec),
    },
    jobs: sqliteJobRepo(db, exec),
  };
}
