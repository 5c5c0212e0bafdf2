// The history database schema as ordered migrations, tracked with PRAGMA user_version.
// Append new migrations at the end; never edit one that has shipped.

import type Database from 'better-sqlite3';
import { rebuildWithAutoincrement } from './autoincrement-ids.ts';

/** A migration: SQL, or code for a change SQL alone cannot state (one that reads the current schema). */
export type Migration = string | ((db: Database.Database) => void);

/**
 * Ids never reused (AUTOINCREMENT on runs, datasets and experiments, rows keep
 * their ids), and a run's tags and free-text note (History screen).
 */
const IDS_NEVER_REUSED_AND_RUN_NOTES: Migration = (db) => {
  for (const table of ['datasets', 'runs', 'experiments']) rebuildWithAutoincrement(db, table);
  db.exec(`
  -- A JSON array of short labels, and a free-text note; both edited in the app.
  ALTER TABLE runs ADD COLUMN tags_json TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT '';
  `);
};

/**
 * Migration i brings the database from user_version i to i + 1. Each runs in
 * its own immediate transaction together with the user_version bump, so a crash
 * mid-migration leaves the previous version intact.
 */
export const MIGRATIONS: readonly Migration[] = [
  // 1: initial schema.
  `
  CREATE TABLE datasets (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL DEFAULT 'text' CHECK (kind IN ('text')),
    level       TEXT NOT NULL,
    source      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    encoding    TEXT NOT NULL,
    vocab_json  TEXT NOT NULL,
    stats_json  TEXT NOT NULL,
    splits_json TEXT NOT NULL,
    token_file  TEXT NOT NULL,
    created_at  TEXT NOT NULL
  );

  -- No ON DELETE on dataset_id: deleting a dataset that runs still use is refused.
  CREATE TABLE runs (
    id                  INTEGER PRIMARY KEY,
    name                TEXT,
    dataset_id          INTEGER NOT NULL REFERENCES datasets(id),
    model_kind          TEXT NOT NULL,
    config_json         TEXT NOT NULL,
    seed                INTEGER NOT NULL,
    dataset_fingerprint TEXT NOT NULL,
    backend             TEXT,
    device              TEXT,
    status              TEXT NOT NULL DEFAULT 'queued'
      CHECK (status IN ('queued','running','completed','stopped','crashed','diverged')),
    step                INTEGER NOT NULL DEFAULT -1,
    total_steps         INTEGER NOT NULL,
    param_count         INTEGER NOT NULL,
    valid_loss          REAL,
    train_loss          REAL,
    error               TEXT,
    pid                 INTEGER,
    created_at          TEXT NOT NULL,
    started_at          TEXT,
    updated_at          TEXT NOT NULL,
    finished_at         TEXT
  );
  CREATE INDEX runs_dataset ON runs(dataset_id);
  CREATE INDEX runs_status ON runs(status);

  -- The primary key already indexes (run_id, step); WITHOUT ROWID stores the
  -- rows in that order, so a curve is one contiguous range scan.
  CREATE TABLE metrics (
    run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step            INTEGER NOT NULL,
    wall_ms         REAL NOT NULL,
    -- Nullable because SQLite stores NaN as NULL: a diverged step is kept, read back as NaN.
    train_loss      REAL,
    valid_loss      REAL,
    bits_per_symbol REAL,
    tokens_per_sec  REAL,
    grad_norm       REAL,
    lr              REAL,
    PRIMARY KEY (run_id, step)
  ) WITHOUT ROWID;

  CREATE TABLE samples (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step        INTEGER NOT NULL,
    temperature REAL NOT NULL,
    top_k       INTEGER,
    prime       TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL
  );
  CREATE INDEX samples_run ON samples(run_id, id);

  CREATE TABLE checkpoints (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step       INTEGER NOT NULL,
    bytes      BLOB NOT NULL,
    sha256     TEXT NOT NULL,
    size       INTEGER NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX checkpoints_run_step ON checkpoints(run_id, step);

  CREATE TABLE exports (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    format     TEXT NOT NULL,
    path       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX exports_run ON exports(run_id);
  `,
  // 2: datasets of other task families (polyphonic music, synthetic tasks) and
  // per-step accuracy / stability read-outs. SQLite cannot change a CHECK in
  // place, so datasets is rebuilt (a TABLE_REBUILDS entry: see migrate()).
  `
  CREATE TABLE datasets_v2 (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'music', 'synthetic', 'audio')),
    -- char | word for text; NULL for the other kinds.
    level       TEXT,
    source      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    encoding    TEXT NOT NULL,
    vocab_json  TEXT NOT NULL,
    stats_json  TEXT NOT NULL,
    splits_json TEXT NOT NULL,
    -- tokens.u16 for text, the piano-roll file for music, '' for synthetic (generated from task_json).
    token_file  TEXT NOT NULL,
    -- Task parameters: synthetic generator settings, piano-roll layout; NULL for text.
    task_json   TEXT,
    created_at  TEXT NOT NULL
  );
  INSERT INTO datasets_v2 (id, name, kind, level, source, fingerprint, encoding, vocab_json, stats_json, splits_json, token_file, task_json, created_at)
    SELECT id, name, kind, level, source, fingerprint, encoding, vocab_json, stats_json, splits_json, token_file, NULL, created_at FROM datasets;
  DROP TABLE datasets;
  ALTER TABLE datasets_v2 RENAME TO datasets;

  ALTER TABLE metrics ADD COLUMN valid_accuracy REAL;
  ALTER TABLE metrics ADD COLUMN stability_bound REAL;
  ALTER TABLE metrics ADD COLUMN contraction REAL;
  `,
  // 3: experiments (core/services/experiments.ts): a config, a status, the
  // result tables and plots, and the member runs it trains or reads.
  `
  CREATE TABLE experiments (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    name        TEXT,
    config_json TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'queued'
      CHECK (status IN ('queued','running','completed','failed','stopped')),
    -- Tables and plots (core/ml/experiments/result-types.ts); NULL until completed.
    result_json TEXT,
    error       TEXT,
    -- Process driving it while running: how a dead one is found on the next open.
    pid         INTEGER,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE INDEX experiments_status ON experiments(status);

  -- No ON DELETE on run_id: deleting a run an experiment uses is refused.
  CREATE TABLE experiment_runs (
    experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    run_id        INTEGER NOT NULL REFERENCES runs(id),
    role          TEXT NOT NULL,
    position      INTEGER NOT NULL,
    -- 1: the experiment created and trains this run; 0: an existing run it only reads.
    owned         INTEGER NOT NULL DEFAULT 1 CHECK (owned IN (0, 1)),
    PRIMARY KEY (experiment_id, position),
    UNIQUE (experiment_id, role)
  ) WITHOUT ROWID;
  CREATE INDEX experiment_runs_run ON experiment_runs(run_id);
  `,
  // 4: generated audio (core/services/audio-generation.ts): a 16-bit PCM WAV
  // per row, kept with its run (deleted with it) like text samples.
  `
  CREATE TABLE audio_samples (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    -- Checkpoint step the weights came from.
    step        INTEGER NOT NULL,
    temperature REAL NOT NULL,
    seconds     REAL NOT NULL,
    sample_rate INTEGER NOT NULL,
    -- cached | naive (WaveNet), step (recurrent), window (other feed-forward).
    method      TEXT NOT NULL,
    -- Name of the dataset clip the generation continued, or NULL.
    prime_clip  TEXT,
    wav         BLOB NOT NULL,
    created_at  TEXT NOT NULL
  );
  CREATE INDEX audio_samples_run ON audio_samples(run_id);
  `,
  // 5: ids never reused, run tags and notes (a function: it reads each table's CREATE statement).
  IDS_NEVER_REUSED_AND_RUN_NOTES,
  // 6: sweeps (issue 19; core/storage/history-sweeps.ts): a search space over
  // run config fields and its trials. A trial IS a run: sweep_trials only
  // links it (run_id) and keeps the trial's state and metric.
  `
  CREATE TABLE sweeps (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id     INTEGER NOT NULL REFERENCES datasets(id),
    -- The parsed sweep file (core/ml/sweeps/sweep-spec.ts).
    spec_json      TEXT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'created'
      CHECK (state IN ('created','running','completed','failed','stopped')),
    -- Process driving it locally while running (a dead one reads as stopped).
    pid            INTEGER,
    -- How it executes: {"kind":"local"} or {"kind":"slurm","jobId":...,"sharedDir":...}; NULL before it starts.
    execution_json TEXT,
    error          TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
  );

  CREATE TABLE sweep_trials (
    sweep_id    INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,
    -- The trial's ordinary run; NULL until created (or after the run is deleted).
    run_id      INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    -- The swept values, by config name as in the sweep file.
    point_json  TEXT NOT NULL,
    -- The full, validated run config (core/ml/train/run-config.ts).
    config_json TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending'
      CHECK (state IN ('pending','running','completed','failed','pruned')),
    metric      REAL,
    log_path    TEXT,
    error       TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (sweep_id, idx)
  ) WITHOUT ROWID;
  CREATE INDEX sweep_trials_run ON sweep_trials(run_id);
  `,
];

/**
 * Migrations that rebuild a table other tables refer to. SQLite's procedure
 * for that (https://sqlite.org/lang_altertable.html, "making other kinds of
 * table schema changes") needs foreign keys off during the transaction —
 * deferring them is not enough, the drop counts as a violation that the
 * rename never clears — and a foreign_key_check before commit.
 */
const TABLE_REBUILDS: ReadonlySet<number> = new Set([1, MIGRATIONS.indexOf(IDS_NEVER_REUSED_AND_RUN_NOTES)]);

/** The user_version this code writes and understands. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Reads `PRAGMA user_version`. */
export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies the missing migrations, one immediate transaction each, and returns
 * the resulting version. Idempotent. A database written by a newer Sequence Lab
 * is refused rather than half-understood.
 */
export function migrate(db: Database.Database): number {
  const check = (v: number): void => {
    if (v > SCHEMA_VERSION) {
      throw new Error(
        `the database has schema version ${v}, but this Sequence Lab only understands up to ` +
          `version ${SCHEMA_VERSION}: it was written by a newer Sequence Lab; update, or use another data folder`,
      );
    }
  };
  check(schemaVersion(db));
  for (;;) {
    const next = schemaVersion(db);
    // foreign_keys cannot change inside a transaction, so it is switched off before one that rebuilds.
    const rebuild = TABLE_REBUILDS.has(next);
    const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
    if (rebuild) db.pragma('foreign_keys = OFF');
    try {
      const applied = db
        .transaction((): boolean => {
          // Re-read inside the write lock: another process may have migrated meanwhile.
          const v = schemaVersion(db);
          check(v);
          if (v >= SCHEMA_VERSION) return false;
          const migration = MIGRATIONS[v]!;
          if (typeof migration === 'string') db.exec(migration);
          else migration(db);
          if (TABLE_REBUILDS.has(v)) {
            // Only the tables that point at a rebuilt table: an older, unrelated broken key must not block the upgrade.
            const broken = db.pragma('foreign_key_check(runs)') as unknown[];
            if (broken.length > 0)
              throw new Error(`migration ${v + 1} would leave ${broken.length} broken foreign key(s); nothing was changed`);
          }
          db.pragma(`user_version = ${v + 1}`);
          return true;
        })
        .immediate();
      if (!applied) return schemaVersion(db);
    } finally {
      if (rebuild) db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
    }
  }
}
