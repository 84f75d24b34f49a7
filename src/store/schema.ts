/**
 * Schema migrations, applied in order inside one IMMEDIATE transaction each. Never edit a
 * migration that has shipped: add a new one.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
  /**
   * The migration rebuilds a table (create the new one, copy, drop the old, rename: SQLite's way to
   * change a CHECK or a column): it runs with foreign keys off, so dropping the old table neither
   * cascades nor fails, and commits only if `PRAGMA foreign_key_check` then finds nothing.
   */
  foreignKeysOff?: boolean;
}

/** Keep audit_tags in step with audits.tags (migration 4; made again when migration 7 rebuilds audits). */
const AUDIT_TAG_TRIGGERS = `
CREATE TRIGGER audit_tags_insert AFTER INSERT ON audits BEGIN
  INSERT OR IGNORE INTO audit_tags (tag, audit_id) SELECT value, NEW.id FROM json_each(NEW.tags) WHERE type = 'text';
END;
CREATE TRIGGER audit_tags_update AFTER UPDATE OF tags ON audits BEGIN
  DELETE FROM audit_tags WHERE audit_id = OLD.id AND tag IN (SELECT value FROM json_each(OLD.tags) WHERE type = 'text');
  INSERT OR IGNORE INTO audit_tags (tag, audit_id) SELECT value, NEW.id FROM json_each(NEW.tags) WHERE type = 'text';
END;
CREATE TRIGGER audit_tags_delete AFTER DELETE ON audits BEGIN
  DELETE FROM audit_tags WHERE audit_id = OLD.id AND tag IN (SELECT value FROM json_each(OLD.tags) WHERE type = 'text');
END;
`;

/** Keep the trigram index audits_fts in step with audits (migration 4; again in migration 7). */
const AUDIT_FTS_TRIGGERS = `
CREATE TRIGGER audits_fts_insert AFTER INSERT ON audits BEGIN
  INSERT INTO audits_fts (audit_id, seed_instruction) VALUES (NEW.id, NEW.seed_instruction);
END;
CREATE TRIGGER audits_fts_update AFTER UPDATE OF seed_instruction ON audits BEGIN
  DELETE FROM audits_fts WHERE audit_id = OLD.id;
  INSERT INTO audits_fts (audit_id, seed_instruction) VALUES (NEW.id, NEW.seed_instruction);
END;
CREATE TRIGGER audits_fts_delete AFTER DELETE ON audits BEGIN
  DELETE FROM audits_fts WHERE audit_id = OLD.id;
END;
`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "audits, message tree with view heads, synthetic tools, events, model calls, judge runs, realism checks",
    sql: `
CREATE TABLE audits (
  id                TEXT PRIMARY KEY,
  seed_instruction  TEXT NOT NULL,
  tags              TEXT NOT NULL DEFAULT '[]',
  target_model      TEXT NOT NULL,
  auditor_model     TEXT,
  max_turns         INTEGER NOT NULL,
  turns_used        INTEGER NOT NULL DEFAULT 0,
  turn_limit        TEXT NOT NULL DEFAULT 'target' CHECK (turn_limit IN ('target', 'auditor')),
  status            TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended', 'max_turns', 'failed')),
  status_reason     TEXT,
  realism_threshold REAL,
  realism_model     TEXT,
  resources_dir     TEXT,
  run_id            TEXT,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL,
  version           INTEGER NOT NULL DEFAULT 0,
  lease_owner       TEXT,
  lease_expires_at  INTEGER
);
CREATE INDEX audits_created ON audits(created_at);
CREATE INDEX audits_run ON audits(run_id);

-- Messages form a tree per (audit, view): rollback moves the view's head and deletes nothing.
CREATE TABLE messages (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  audit_id    TEXT NOT NULL REFERENCES audits(id),
  view        TEXT NOT NULL,
  id          TEXT NOT NULL,
  parent_seq  INTEGER REFERENCES messages(seq),
  depth       INTEGER NOT NULL,
  role        TEXT NOT NULL,
  data        TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX messages_audit_view ON messages(audit_id, view, seq);
CREATE INDEX messages_parent ON messages(parent_seq);

CREATE TABLE heads (
  audit_id  TEXT NOT NULL REFERENCES audits(id),
  view      TEXT NOT NULL,
  head_seq  INTEGER REFERENCES messages(seq),
  PRIMARY KEY (audit_id, view)
);

CREATE TABLE tools (
  audit_id                TEXT NOT NULL REFERENCES audits(id),
  name                    TEXT NOT NULL,
  definition              TEXT NOT NULL,
  environment_description TEXT NOT NULL,
  function_code           TEXT,
  created_at              TEXT NOT NULL,
  updated_at              TEXT NOT NULL,
  PRIMARY KEY (audit_id, name)
);

-- What happened, in order; the export turns these into Petri transcript events.
CREATE TABLE events (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  audit_id    TEXT NOT NULL REFERENCES audits(id),
  id          TEXT NOT NULL,
  type        TEXT NOT NULL,
  view        TEXT,
  name        TEXT,
  data        TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX events_audit ON events(audit_id, seq);

CREATE TABLE model_calls (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  audit_id            TEXT REFERENCES audits(id),
  role                TEXT NOT NULL,
  model               TEXT NOT NULL,
  started_at          TEXT NOT NULL,
  latency_ms          INTEGER NOT NULL,
  input_tokens        INTEGER,
  output_tokens       INTEGER,
  cache_read_tokens   INTEGER,
  cache_write_tokens  INTEGER,
  reasoning_tokens    INTEGER,
  cost_usd            REAL,
  error_kind          TEXT,
  error               TEXT,
  ref                 TEXT
);
CREATE INDEX model_calls_audit ON model_calls(audit_id, role);

CREATE TABLE judge_runs (
  id             TEXT PRIMARY KEY,
  audit_id       TEXT NOT NULL REFERENCES audits(id),
  status         TEXT NOT NULL CHECK (status IN ('running', 'complete', 'partial', 'failed', 'interrupted')),
  judge_model    TEXT NOT NULL,
  dimensions     TEXT NOT NULL,
  retries        INTEGER NOT NULL,
  attempts       INTEGER NOT NULL DEFAULT 0,
  scores         TEXT,
  missing        TEXT,
  summary        TEXT,
  justification  TEXT,
  highlights     TEXT,
  response       TEXT,
  messages       TEXT,
  error          TEXT,
  owner          TEXT,
  heartbeat_at   INTEGER,
  started_at     TEXT NOT NULL,
  finished_at    TEXT
);
CREATE INDEX judge_runs_audit ON judge_runs(audit_id, started_at);

CREATE TABLE realism_checks (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  audit_id        TEXT NOT NULL REFERENCES audits(id),
  tool            TEXT NOT NULL,
  tool_call_id    TEXT,
  action          TEXT NOT NULL,
  decision        TEXT NOT NULL CHECK (decision IN ('approve', 'reject', 'error')),
  score           REAL,
  threshold       REAL NOT NULL,
  feedback        TEXT,
  raw_response    TEXT,
  messages        TEXT,
  model           TEXT NOT NULL,
  error           TEXT,
  created_at      TEXT NOT NULL
);
CREATE INDEX realism_checks_audit ON realism_checks(audit_id, id);
`,
  },
  {
    version: 2,
    description: "library seed id and tags, per-role generation settings of audits and judge runs",
    sql: `
ALTER TABLE audits ADD COLUMN seed_id TEXT;
ALTER TABLE audits ADD COLUMN target_config TEXT;
ALTER TABLE judge_runs ADD COLUMN judge_config TEXT;
`,
  },
  {
    version: 3,
    description: "epoch of each audit, and the design of each petri-mcp audit run (targets, epochs, judge jury, engagement gate)",
    sql: `
ALTER TABLE audits ADD COLUMN epoch INTEGER;
CREATE INDEX audits_run_target ON audits(run_id, target_model, epoch);
-- One row per run id: what the run was asked to do, so a report can tell planned from done.
CREATE TABLE runs (
  id          TEXT PRIMARY KEY,
  design      TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
`,
  },
  {
    version: 4,
    description: "indexes for filtered list_audits: status, target and run; a tag table; a trigram full-text index of seed instructions",
    sql: `
CREATE INDEX audits_status_created ON audits(status, created_at);
CREATE INDEX audits_target_created ON audits(target_model, created_at);
CREATE INDEX audits_run_created ON audits(run_id, created_at);

-- One row per (tag, audit): list_audits' tag filter reads this instead of parsing every audit's tags.
CREATE TABLE audit_tags (
  tag       TEXT NOT NULL,
  audit_id  TEXT NOT NULL,
  PRIMARY KEY (tag, audit_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO audit_tags (tag, audit_id)
  SELECT DISTINCT j.value, a.id FROM audits a, json_each(a.tags) j WHERE j.type = 'text';
${AUDIT_TAG_TRIGGERS}
-- Substring search over seed instructions (case-insensitive, Unicode-aware), by trigrams.
CREATE VIRTUAL TABLE audits_fts USING fts5(audit_id UNINDEXED, seed_instruction, tokenize = 'trigram');
INSERT INTO audits_fts (audit_id, seed_instruction) SELECT id, seed_instruction FROM audits;
${AUDIT_FTS_TRIGGERS}`,
  },
  {
    version: 5,
    description: "durable jobs (judge runs, audits of a run) that any petri-mcp process can claim under a lease",
    sql: `
-- One row per unit of work. A worker claims the oldest queued job (or a running one whose lease
-- expired) in one IMMEDIATE transaction, renews lease_expires_at while it works, and ends it.
CREATE TABLE jobs (
  id                TEXT PRIMARY KEY,
  kind              TEXT NOT NULL CHECK (kind IN ('judge', 'audit')),
  run_id            TEXT,
  audit_id          TEXT,
  payload           TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  attempts          INTEGER NOT NULL DEFAULT 0,
  max_attempts      INTEGER NOT NULL,
  last_error        TEXT,
  lease_owner       TEXT,
  lease_expires_at  INTEGER,
  heartbeat_at      INTEGER,
  created_at        TEXT NOT NULL,
  started_at        TEXT,
  finished_at       TEXT
);
CREATE INDEX jobs_queued ON jobs(kind, status, created_at);
CREATE INDEX jobs_lease ON jobs(status, lease_expires_at);
CREATE INDEX jobs_run ON jobs(run_id, status);
`,
  },
  {
    version: 6,
    description: "the name the auditor was given for the target (start_audit / the runner's target_display_name)",
    sql: `
ALTER TABLE audits ADD COLUMN target_display_name TEXT;
`,
  },
  {
    version: 7,
    description: "audit status 'cancelled' (audits closed by runs cancel, formerly failed with a 'cancelled' reason) and an audit's own budget (max_cost_usd)",
    foreignKeysOff: true,
    // SQLite changes a CHECK only by rebuilding the table: the new one is copied, swapped in, and
    // everything migrations 1, 3 and 4 made on audits (indexes, tag and full-text triggers) is
    // made again. audit_tags and audits_fts are tables of their own and keep their rows.
    sql: `
CREATE TABLE audits_new (
  id                  TEXT PRIMARY KEY,
  seed_instruction    TEXT NOT NULL,
  tags                TEXT NOT NULL DEFAULT '[]',
  target_model        TEXT NOT NULL,
  auditor_model       TEXT,
  max_turns           INTEGER NOT NULL,
  turns_used          INTEGER NOT NULL DEFAULT 0,
  turn_limit          TEXT NOT NULL DEFAULT 'target' CHECK (turn_limit IN ('target', 'auditor')),
  status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended', 'max_turns', 'failed', 'cancelled')),
  status_reason       TEXT,
  realism_threshold   REAL,
  realism_model       TEXT,
  resources_dir       TEXT,
  run_id              TEXT,
  created_at          TEXT NOT NULL,
  updated_at          TEXT NOT NULL,
  version             INTEGER NOT NULL DEFAULT 0,
  lease_owner         TEXT,
  lease_expires_at    INTEGER,
  seed_id             TEXT,
  target_config       TEXT,
  epoch               INTEGER,
  target_display_name TEXT,
  max_cost_usd        REAL
);
INSERT INTO audits_new (id, seed_instruction, tags, target_model, auditor_model, max_turns, turns_used, turn_limit, status, status_reason,
    realism_threshold, realism_model, resources_dir, run_id, created_at, updated_at, version, lease_owner, lease_expires_at,
    seed_id, target_config, epoch, target_display_name)
  SELECT id, seed_instruction, tags, target_model, auditor_model, max_turns, turns_used, turn_limit,
    CASE WHEN status = 'failed' AND substr(status_reason, 1, 9) = 'cancelled' THEN 'cancelled' ELSE status END, status_reason,
    realism_threshold, realism_model, resources_dir, run_id, created_at, updated_at, version, lease_owner, lease_expires_at,
    seed_id, target_config, epoch, target_display_name
  FROM audits;
DROP TABLE audits;
ALTER TABLE audits_new RENAME TO audits;
CREATE INDEX audits_created ON audits(created_at);
CREATE INDEX audits_run ON audits(run_id);
CREATE INDEX audits_run_target ON audits(run_id, target_model, epoch);
CREATE INDEX audits_status_created ON audits(status, created_at);
CREATE INDEX audits_target_created ON audits(target_model, created_at);
CREATE INDEX audits_run_created ON audits(run_id, created_at);
${AUDIT_TAG_TRIGGERS}${AUDIT_FTS_TRIGGERS}`,
  },
  {
    version: 8,
    description: "each message stored once: message_bodies holds a message's JSON, the view rows of messages refer to it",
    foreignKeysOff: true,
    // A message written to several views (the target's reply is in the target and combined views,
    // the auditor's call in the auditor and combined views) had a full copy per view. Its body
    // (id, role, JSON) moves to message_bodies, once per (audit, id, JSON); the tree rows keep
    // their seqs, parents, depths and times and refer to it. messages is rebuilt (its self- and
    // heads' references keep pointing at it by name); its AUTOINCREMENT counter carries over.
    sql: `
CREATE TABLE message_bodies (
  seq       INTEGER PRIMARY KEY,
  audit_id  TEXT NOT NULL REFERENCES audits(id),
  id        TEXT NOT NULL,
  role      TEXT NOT NULL,
  data      TEXT NOT NULL
);
CREATE INDEX message_bodies_id ON message_bodies(id);
INSERT INTO message_bodies (seq, audit_id, id, role, data)
  SELECT MIN(seq), audit_id, id, MIN(role), data FROM messages GROUP BY audit_id, id, data;
CREATE TABLE messages_new (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  audit_id    TEXT NOT NULL REFERENCES audits(id),
  view        TEXT NOT NULL,
  parent_seq  INTEGER REFERENCES messages(seq),
  depth       INTEGER NOT NULL,
  created_at  TEXT NOT NULL,
  body        INTEGER NOT NULL REFERENCES message_bodies(seq)
);
INSERT INTO messages_new (seq, audit_id, view, parent_seq, depth, created_at, body)
  SELECT m.seq, m.audit_id, m.view, m.parent_seq, m.depth, m.created_at, b.seq
  FROM messages m JOIN message_bodies b ON b.id = m.id AND b.audit_id = m.audit_id AND b.data = m.data ORDER BY m.seq;
DELETE FROM sqlite_sequence WHERE name = 'messages_new';
UPDATE sqlite_sequence SET name = 'messages_new' WHERE name = 'messages';
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE INDEX messages_audit_view ON messages(audit_id, view, seq);
CREATE INDEX messages_parent ON messages(parent_seq);
`,
  },
];
