/**
 * The repositories of the store interface over the SQLite AuditStore of today (audit-store.ts)
 * and the SQL in ./records.ts. Each call runs through `exec`: on its own transaction at top level,
 * or directly inside an open one (`transaction`, `commitTurn`).
 */
import type { AuditStore as LegacyStore } from "../audit-store.js";
import type { StoreSession } from "../types.js";
import { sqliteJobRepo } from "./jobs.js";
import * as sql from "./records.js";
import { sqliteRunStatus } from "./run-status.js";

export interface SqliteExec {
  read<T>(fn: () => T): Promise<T>;
  write<T>(fn: () => T): Promise<T>;
  /** The audit changed: tell the change listeners once the transaction commits. */
  changed(auditId: string): void;
}

export function sqliteSession(db: LegacyStore, exec: SqliteExec): StoreSession {
  const { read, write } = exec;
  return {
    audits: {
      create: (input) =>
        write(() => {
          const audit = db.createAudit(input);
          exec.changed(audit.id);
          return audit;
        }),
      get: (id) => read(() => db.getAudit(id)),
      list: (filter) => read(() => db.listAudits(filter)),
      idsStartingWith: (prefix, limit = 50) => read(() => sql.auditIdsStartingWith(db, prefix, limit)),
      runs: (limit) => read(() => db.listRuns(limit)),
      touch: (id) =>
        write(() => {
          db.touch(id);
          exec.changed(id);
        }),
      setStatus: (id, status, reason) =>
        write(() => {
          db.setStatus(id, status, reason ?? null);
          exec.changed(id);
        }),
      setAuditorModel: (id, model) => write(() => db.setAuditorModel(id, model)),
      addTurn: (id) => write(() => db.addTurn(id)),
    },
    leases: {
      acquire: (auditId, owner, ttlMs, now) => write(() => db.acquireLease(auditId, owner, ttlMs, now)),
      renew: (auditId, owner, ttlMs, now) => write(() => db.renewLease(auditId, owner, ttlMs, now)),
      release: (auditId, owner) => write(() => db.releaseLease(auditId, owner)),
      holder: (auditId, now) => read(() => db.leaseHolder(auditId, now)),
    },
    messages: {
      head: (auditId, view) => read(() => db.head(auditId, view)),
      setHead: (auditId, view, seq) => write(() => db.setHead(auditId, view, seq)),
      branch: (auditId, view, headSeq) => read(() => (headSeq === undefined ? db.branch(auditId, view) : db.branch(auditId, view, headSeq))),
      get: (seq) => read(() => db.message(seq)),
      all: (auditId, view) => read(() => db.allMessages(auditId, view)),
      branchCount: (auditId, view) => read(() => db.branchCount(auditId, view)),
      append: (auditId, view, messages, parentSeq) =>
        write(() => (parentSeq === undefined ? db.appendMessages(auditId, view, messages) : db.appendMessages(auditId, view, messages, parentSeq))),
      targetReplies: (auditId) => read(() => sql.targetRepliesOfAudit(db, auditId)),
    },
    tools: {
      list: (auditId) => read(() => db.listTools(auditId)),
      upsert: (auditId, tool) => write(() => db.upsertTool(auditId, tool)),
      remove: (auditId, name) => write(() => db.removeTool(auditId, name)),
    },
    events: {
      add: (auditId, event) => write(() => db.addEvent(auditId, event)),
      list: (auditId) => read(() => db.events(auditId)),
    },
    modelCalls: {
      record: (call) => write(() => db.recordModelCall(call)),
      forAudit: (auditId, limit) => read(() => db.modelCalls(auditId, limit)),
      usageByRole: (auditId) => read(() => db.usageByRole(auditId)),
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
      targetReplies: (runId) => read(() => sql.targetRepliesOfRun(db, runId)),
      ...sqliteRunStatus(db, exec),
    },
    jobs: sqliteJobRepo(db, exec),
  };
}
