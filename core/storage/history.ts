// The run history: one SQLite database (<dataDir>/history.sqlite) in WAL mode,
// wrapped by History; the tables' logic lives in history-*.ts.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { z } from 'zod';
import { DATASET_TASK_SCHEMAS } from './dataset-tasks.ts';
import { migrate, schemaVersion, SCHEMA_VERSION } from './schema.ts';
import { isDiskFull, noSpaceLeft, openReadOnly } from './open-read-only.ts';
import {
  DATASET_KINDS,
  datasetFromRow,
  issues,
  now,
  splitsSchema,
  statsSchema,
  vocabularySchema,
  type CheckpointInfo,
  type DatasetRecord,
  type DatasetRow,
  type ExportRecord,
  type MetricRow,
  type NewDataset,
  type NewExport,
  type NewRun,
  type NewSample,
  type RunRecord,
  type RunStatus,
  type SampleRecord,
} from './history-types.ts';
import * as runs from './history-runs.ts';
import { defaultIsAlive } from './history-runs.ts';
import * as metrics from './history-metrics.ts';
import * as checkpoints from './history-checkpoints.ts';
import * as outputs from './history-outputs.ts';
import * as experiments from './history-experiments.ts';
import { SweepTables } from './history-sweeps.ts';
import * as audio from './history-audio.ts';
import type { AudioSampleRecord, NewAudioSample } from './history-audio.ts';
import type { ExperimentMember, ExperimentRecord, ExperimentStatus, NewExperiment } from './history-experiments.ts';
import type { ExperimentResult } from '../ml/experiments/result-types.ts';
import { stmt, toId } from './sql.ts';
import { reclaimOrphans, type ReclaimReport } from './reclaim-orphans.ts';

export type {
  CheckpointInfo,
  DatasetRecord,
  ExportRecord,
  MetricRow,
  NewDataset,
  NewExport,
  NewRun,
  NewSample,
  RunRecord,
  RunStatus,
  SampleRecord,
} from './history-types.ts';
export { DATASET_KINDS, FINAL_STATUSES, RUN_STATUSES, runConfigOf } from './history-types.ts';
export type { AudioDataset, DatasetOf, MusicDataset, SyntheticDataset, TextDataset } from './dataset-tasks.ts';
export { defaultIsAlive } from './history-runs.ts';
export type { ExperimentMember, ExperimentRecord, ExperimentStatus, NewExperiment } from './history-experiments.ts';
export { EXPERIMENT_STATUSES } from './history-experiments.ts';
export type { AudioSampleRecord, NewAudioSample } from './history-audio.ts';
export type { ReclaimReport } from './reclaim-orphans.ts';

/** File name of the database inside the data folder. */
export const HISTORY_FILE = 'history.sqlite';

/** Options of {@link History.open}. */
export interface OpenOptions {
  /** Mark runs whose process is gone as crashed (default true). */
  markCrashed?: boolean;
  /** Liveness check used for that; defaults to `kill(pid, 0)`. */
  isAlive?: (pid: number) => boolean;
  /** Remove orphaned import folders, partial exports and stale uploads (default: as markCrashed). */
  reclaim?: boolean;
  /** Grace period of that, in ms (default one hour). */
  reclaimGraceMs?: number;
}

/**
 * Access to the run history through one better-sqlite3 connection (WAL,
 * busy_timeout 5000 ms, foreign keys on). Every write is a BEGIN IMMEDIATE
 * transaction, so readers (the UI) and the writer (training) never hit
 * SQLITE_BUSY halfway through a transaction.
 *
 * Durability: synchronous=NORMAL by default; in WAL mode a commit survives an
 * application crash, and after a power cut the last commits may roll back with
 * the file still consistent. Rows that matter (a final run status, crash marks,
 * an export) are committed with synchronous=FULL switched on around their
 * transaction (see `durably` in sql.ts), which fsyncs the WAL at commit.
 *
 * Synchronous API; open one History per process or worker thread.
 */
export class History {
  /** Absolute path of the database file. */
  readonly path: string;
  /** What this open reclaimed (orphaned folders removed); null when it did not look. */
  reclaimed: ReclaimReport | null = null;
  /**
   * Why this history is read-only (the disk was full when it opened, or a
   * write failed for lack of space since: see becomeReadOnly), or null when it
   * is writable. Listing, showing, sampling and exporting work; writes throw
   * an error carrying this reason.
   */
  readOnlyReason: string | null;
  /** Replaced by a read-only connection when a write fails for lack of space. */
  private db: Database.Database;

  private constructor(file: string, db: Database.Database, readOnlyReason: string | null = null) {
    this.path = file;
    this.db = db;
    this.readOnlyReason = readOnlyReason;
  }

  /** Throws, naming the cause, when the history was opened read-only. */
  assertWritable(what: string): void {
    if (this.readOnlyReason) throw new Error(`cannot ${what}: ${this.readOnlyReason}`);
  }

  /**
   * Opens (creating and migrating when needed) `<dataDir>/history.sqlite` and,
   * unless `markCrashed: false`, marks runs whose process is gone as crashed.
   * A read-only, unwritable, damaged or too-new database gives an Error naming
   * the file and the cause.
   */
  static open(dataDir: string, opts: OpenOptions = {}): History {
    const file = path.resolve(dataDir, HISTORY_FILE);
    let db: Database.Database | undefined;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      db = new Database(file, { timeout: 5000 });
      db.pragma('busy_timeout = 5000');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      probeWrite(db); // fail here, not at the first metric
      const full = noSpaceLeft(path.dirname(file));
      if (full) throw full;
      migrate(db);
    } catch (err) {
      db?.close();
      // A full disk refuses every write, not reads: open read-only and say why.
      if (isDiskFull(err) && fs.existsSync(file)) return History.openReadOnly(dataDir, file, err, opts);
      throw new Error(`cannot open history database ${file}: ${describe(err)}`, { cause: err });
    }
    const history = new History(file, db);
    if (opts.markCrashed ?? true) {
      try {
        history.markCrashedRuns(opts.isAlive);
        history.markCrashedExperiments(opts.isAlive);
      } catch (err) {
        // The probe fit in the space left, the marks did not: read-only, and the next open with room marks them.
        if (!history.becomeReadOnly(err)) throw err;
      }
    }
    if (opts.reclaim ?? opts.markCrashed ?? true) history.reclaimed = history.reclaimOrphans(dataDir, opts.reclaimGraceMs);
    return history;
  }

  /**
   * Removes what died halfway and no record owns: dataset folders of imports
   * that never finished, `.partial-*` export folders (in <dataDir>/exports and
   * beside recorded exports) and uploads no import consumed, once untouched
   * for `graceMs`. Never throws: what could not be removed is listed.
   */
  reclaimOrphans(dataDir: string, graceMs?: number): ReclaimReport {
    try {
      const folders = stmt<{ token_file: string }>(this.db, "SELECT token_file FROM datasets WHERE token_file <> ''")
        .all()
        .map((d) => path.dirname(d.token_file));
      const exported = stmt<{ path: string }>(this.db, 'SELECT path FROM exports')
        .all()
        .map((e) => path.dirname(e.path));
      return reclaimOrphans(dataDir, {
        datasetFolders: folders,
        exportParents: [path.join(dataDir, 'exports'), ...exported],
        ...(graceMs !== undefined ? { graceMs } : {}),
      });
    } catch (e) {
      return { removed: [], bytes: 0, failed: [{ path: dataDir, error: (e as Error).message }] };
    }
  }

  private static openReadOnly(dataDir: string, file: string, cause: unknown, opts: OpenOptions): History {
    let opened: ReturnType<typeof openReadOnly>;
    try {
      opened = openReadOnly(file);
      if (schemaVersion(opened.db) !== SCHEMA_VERSION)
        throw new Error(`schema version ${schemaVersion(opened.db)}, this version needs ${SCHEMA_VERSION} and cannot migrate it read-only`);
    } catch (err) {
      throw new Error(`cannot open history database ${file}: ${describe(cause)}; read-only too: ${describe(err)}`, { cause: err });
    }
    const reason = `the disk holding ${file} is full (${describe(cause)}), so the history was opened read-only: listing, showing, sampling and exporting to another disk work; free some space to train, import or record again${opened.partial ? '. The newest changes (still in the write-ahead log) are not shown' : ''}`;
    const history = new History(file, opened.db, reason);
    // Reclaiming orphans needs no database write, and may be what frees the space.
    if (opts.reclaim ?? opts.markCrashed ?? true) history.reclaimed = history.reclaimOrphans(dataDir, opts.reclaimGraceMs);
    return history;
  }

  /**
   * After a write failed for lack of space (`cause` is its error): reopens the
   * history read-only, so reads go on while every later write is refused with
   * the reason instead of failing halfway. The failed write's transaction was
   * rolled back by SQLite, so nothing is half-recorded. Returns whether it
   * switched (false when `cause` is not a full disk, or already read-only).
   */
  becomeReadOnly(cause: unknown): boolean {
    if (this.readOnlyReason !== null || !isDiskFull(cause)) return false;
    const opened = openReadOnly(this.path);
    this.db.close();
    this.db = opened.db;
    this.sweepTables = undefined; // they hold the closed connection
    this.readOnlyReason = `a write to ${this.path} failed because the disk is full (${describe(cause)}), so the history was reopened read-only: listing, showing, sampling and exporting to another disk work; free some space and restart to train, import or record again${opened.partial ? '. The newest changes (still in the write-ahead log) are not shown' : ''}`;
    return true;
  }

  /** Closes the connection; further calls throw. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  /** `PRAGMA integrity_check` result lines; `['ok']` for a sound file. */
  integrityCheck(): string[] {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  }

  // ---- datasets ----

  /** Stores a dataset; a duplicate name gives `dataset "x" already exists`. */
  insertDataset(d: NewDataset): DatasetRecord {
    this.assertWritable('store a dataset');
    // Validate before writing: a bad row would otherwise only fail on every later read.
    const bad = [
      ...(DATASET_KINDS.includes(d.kind) ? [] : [`kind: must be one of ${DATASET_KINDS.join(', ')}, got "${String(d.kind)}"`]),
      ...(d.kind !== 'text' || d.level === 'char' || d.level === 'word'
        ? []
        : [`level: must be "char" or "word", got "${String(d.level)}"`]),
      ...(d.kind === 'text' || d.level === null ? [] : [`level: must be null for a ${d.kind} dataset`]),
      ...(DATASET_KINDS.includes(d.kind) ? issues('task', (DATASET_TASK_SCHEMAS[d.kind] as z.ZodType<unknown>).safeParse(d.task)) : []),
      ...issues('vocab', vocabularySchema.safeParse(d.vocab)),
      ...issues('stats', statsSchema.safeParse(d.stats)),
      ...issues('splits', splitsSchema.safeParse(d.splits)),
    ];
    if (bad.length > 0) throw new Error(`invalid dataset "${d.name}": ${bad.join('; ')}`);
    const id = this.db
      .transaction((): number => {
        if (stmt(this.db, 'SELECT 1 FROM datasets WHERE name = ?').get(d.name)) {
          throw new Error(`dataset "${d.name}" already exists`);
        }
        const res = stmt(
          this.db,
          `INSERT INTO datasets (name, kind, level, source, fingerprint, encoding, vocab_json,
                               stats_json, splits_json, token_file, task_json, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          d.name,
          d.kind,
          d.level,
          d.source,
          d.fingerprint,
          d.encoding,
          JSON.stringify(d.vocab),
          JSON.stringify(d.stats),
          JSON.stringify(d.splits),
          d.tokenFile,
          JSON.stringify(d.task),
          now(),
        );
        return toId(res.lastInsertRowid);
      })
      .immediate();
    return this.getDataset(id)!;
  }

  /** By id (number) or name (string; a string of digits that names no dataset is tried as an id). */
  getDataset(nameOrId: string | number): DatasetRecord | undefined {
    const byId = (id: number) => stmt<DatasetRow>(this.db, 'SELECT * FROM datasets WHERE id = ?').get(id);
    let row: DatasetRow | undefined;
    if (typeof nameOrId === 'number') row = byId(nameOrId);
    else {
      row = stmt<DatasetRow>(this.db, 'SELECT * FROM datasets WHERE name = ?').get(nameOrId);
      if (!row && /^\d+$/.test(nameOrId)) row = byId(Number(nameOrId));
    }
    return row ? datasetFromRow(row) : undefined;
  }

  /** All datasets, by name. */
  listDatasets(): DatasetRecord[] {
    return stmt<DatasetRow>(this.db, 'SELECT * FROM datasets ORDER BY name').all().map(datasetFromRow);
  }

  /** Deletes the dataset row (not its token file); refused while runs use it. False when unknown. */
  deleteDataset(id: number): boolean {
    return this.db
      .transaction((): boolean => {
        const row = stmt<{ name: string }>(this.db, 'SELECT name FROM datasets WHERE id = ?').get(id);
        if (!row) return false;
        const { n } = stmt<{ n: number }>(this.db, 'SELECT COUNT(*) AS n FROM runs WHERE dataset_id = ?').get(id)!;
        if (n > 0) throw new Error(`dataset "${row.name}" is used by ${n} run(s); delete them first`);
        return stmt(this.db, 'DELETE FROM datasets WHERE id = ?').run(id).changes > 0;
      })
      .immediate();
  }

  // ---- runs (see history-runs.ts) ----

  /** Creates a run with status 'queued'. */
  createRun(r: NewRun): RunRecord {
    this.assertWritable('create a run');
    return runs.createRun(this.db, r);
  }

  /** The run, or undefined. */
  getRun(id: number): RunRecord | undefined {
    return runs.getRun(this.db, id);
  }

  /** Runs, newest first, optionally filtered. */
  listRuns(filter?: { status?: RunStatus; datasetId?: number }): RunRecord[] {
    return runs.listRuns(this.db, filter);
  }

  /** Marks the run running in `pid` (also when resuming); refused while another live process runs it. */
  markRunning(id: number, p: { pid: number; backend: string; device: string }): RunRecord {
    return runs.markRunning(this.db, id, p);
  }

  /**
   * Takes the run for process `pid` in one BEGIN IMMEDIATE transaction, before
   * anything about it changes; refused with "run N is already running in
   * process P" while another live process owns it (see history-runs.ts).
   */
  claimRun(id: number, pid: number): RunRecord {
    this.assertWritable('train a run');
    return runs.claimRun(this.db, id, pid);
  }

  /**
   * Sets the status; final states also set finished_at and are written with
   * synchronous=FULL. With `owner`, refused unless that process owns the run.
   */
  setStatus(id: number, status: RunStatus, error?: string, owner?: number): RunRecord {
    return runs.setStatus(this.db, id, status, error, owner);
  }

  /** Replaces a run's tags and note (see history-runs.ts for the limits). */
  setRunNotes(id: number, notes: { tags: string[]; note: string }): RunRecord {
    this.assertWritable('save the tags and note');
    return runs.setRunNotes(this.db, id, notes);
  }

  /** Deletes the run and everything attached to it; false when unknown. */
  deleteRun(id: number): boolean {
    return runs.deleteRun(this.db, id);
  }

  /** Numeric id -> run, or Error `no run "ref"; list runs with: seqlab runs`. */
  resolveRun(ref: string): RunRecord {
    return runs.resolveRun(this.db, ref);
  }

  /** Marks runs whose process is gone as crashed; returns their ids. Never touches this process's runs. */
  markCrashedRuns(isAlive: (pid: number) => boolean = defaultIsAlive): number[] {
    return runs.markCrashedRuns(this.db, isAlive);
  }

  // ---- metrics (see history-metrics.ts) ----

  /** Appends rows and updates the run's step, losses and heartbeat, in one transaction. */
  appendMetrics(runId: number, rows: readonly MetricRow[]): void {
    metrics.appendMetrics(this.db, runId, rows);
  }

  /** Rows with step > sinceStep, ordered by step. */
  getMetrics(runId: number, sinceStep = -1): MetricRow[] {
    return metrics.getMetrics(this.db, runId, sinceStep);
  }

  /** Deletes rows after `step` (on resume); returns how many. */
  truncateMetricsAfter(runId: number, step: number): number {
    return metrics.truncateMetricsAfter(this.db, runId, step);
  }

  /**
   * Deletes the text and audio samples taken after `step`: a run resumed from
   * the checkpoint at `step` takes them again, and must not hold two per step.
   */
  truncateSamplesAfter(runId: number, step: number): number {
    return this.db
      .transaction(() => {
        const text = stmt(this.db, 'DELETE FROM samples WHERE run_id = ? AND step > ?').run(runId, step).changes;
        const audio = stmt(this.db, 'DELETE FROM audio_samples WHERE run_id = ? AND step > ?').run(runId, step).changes;
        return text + audio;
      })
      .immediate();
  }

  // ---- checkpoints (see history-checkpoints.ts) ----

  /** Stores a checkpoint and prunes to the `keep` newest, in one transaction. */
  saveCheckpoint(runId: number, step: number, bytes: Uint8Array, keep = 2): CheckpointInfo {
    return checkpoints.saveCheckpoint(this.db, runId, step, bytes, keep);
  }

  /** Newest checkpoint whose sha256 matches; damaged ones are skipped and reported through `onCorrupt`. */
  loadLatestCheckpoint(runId: number, onCorrupt?: (step: number, reason: string) => void): { step: number; bytes: Uint8Array } | undefined {
    return checkpoints.loadLatestCheckpoint(this.db, runId, onCorrupt);
  }

  /** Checkpoints of the run, newest first, without bytes. */
  listCheckpoints(runId: number): CheckpointInfo[] {
    return checkpoints.listCheckpoints(this.db, runId);
  }

  // ---- samples and exports (see history-outputs.ts) ----

  /** Stores a generated sample. */
  addSample(runId: number, s: NewSample): SampleRecord {
    this.assertWritable('store a sample');
    return outputs.addSample(this.db, runId, s);
  }

  /** Samples of a run, oldest first. */
  listSamples(runId: number): SampleRecord[] {
    return outputs.listSamples(this.db, runId);
  }

  /** Records an exported file, committed with synchronous=FULL. */
  recordExport(runId: number, e: NewExport): ExportRecord {
    this.assertWritable('record an export');
    return outputs.recordExport(this.db, runId, e);
  }

  /** Exports of a run, oldest first. */
  listExports(runId: number): ExportRecord[] {
    return outputs.listExports(this.db, runId);
  }

  // ---- generated audio (see history-audio.ts) ----

  /** Stores a generated WAV with its run. */
  addAudioSample(runId: number, s: NewAudioSample): AudioSampleRecord {
    return audio.addAudioSample(this.db, runId, s);
  }

  /** Audio samples of a run, oldest first, without their bytes. */
  listAudioSamples(runId: number): AudioSampleRecord[] {
    return audio.listAudioSamples(this.db, runId);
  }

  /** One audio sample with its WAV bytes, or undefined. */
  getAudioSample(id: number): (AudioSampleRecord & { wav: Uint8Array }) | undefined {
    return audio.getAudioSample(this.db, id);
  }

  /**
   * Runs `fn` in one immediate transaction: the history calls inside it become
   * savepoints, and either all of their writes commit or none (e.g. an
   * experiment row with its member runs).
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // ---- sweeps (see history-sweeps.ts) ----

  private sweepTables: SweepTables | undefined;

  /** Sweeps and their trials (issue 19); each trial's run is an ordinary run of this history. */
  get sweeps(): SweepTables {
    return (this.sweepTables ??= new SweepTables(this.db, (what) => this.assertWritable(what)));
  }

  // ---- experiments (see history-experiments.ts) ----

  /** Stores a queued experiment; add its members with addExperimentMember. */
  insertExperiment(e: NewExperiment): ExperimentRecord {
    return experiments.insertExperiment(this.db, e);
  }

  /** Appends a member run at the next position. */
  addExperimentMember(experimentId: number, m: { runId: number; role: string; owned: boolean }): ExperimentMember {
    return experiments.addMember(this.db, experimentId, m);
  }

  getExperiment(id: number): ExperimentRecord | undefined {
    return experiments.getExperiment(this.db, id);
  }

  /** Experiments, newest first. */
  listExperiments(): ExperimentRecord[] {
    return experiments.listExperiments(this.db);
  }

  /** Numeric id -> experiment, or Error `no experiment "ref"; ...`. */
  resolveExperiment(ref: string): ExperimentRecord {
    return experiments.resolveExperiment(this.db, ref);
  }

  /** Marks it running in `pid`; refused while another live process drives it. */
  markExperimentRunning(id: number, pid: number): ExperimentRecord {
    return experiments.markExperimentRunning(this.db, id, pid);
  }

  /** Sets queued/running/failed/stopped (final ones durably). */
  setExperimentStatus(id: number, status: Exclude<ExperimentStatus, 'completed'>, error?: string): ExperimentRecord {
    return experiments.setExperimentStatus(this.db, id, status, error);
  }

  /** Stores the result and marks it completed. */
  completeExperiment(id: number, result: ExperimentResult): ExperimentRecord {
    return experiments.completeExperiment(this.db, id, result);
  }

  /** Marks experiments whose process is gone as failed; returns their ids. */
  markCrashedExperiments(isAlive: (pid: number) => boolean = defaultIsAlive): number[] {
    return experiments.markCrashedExperiments(this.db, isAlive);
  }

  /** Deletes the experiment (its runs stay); false when unknown. */
  deleteExperiment(id: number): boolean {
    return experiments.deleteExperiment(this.db, id);
  }

  /** Experiments a run belongs to. */
  experimentsOfRun(runId: number): number[] {
    return experiments.experimentsOfRun(this.db, runId);
  }
}

/**
 * Fails when the database cannot be written. SQLite opens a write-protected file
 * read-only without complaint, and an up-to-date database needs no write to
 * open, so write the header's user_version (unchanged) and roll it back.
 */
function probeWrite(db: Database.Database): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    db.pragma(`user_version = ${schemaVersion(db)}`);
  } finally {
    db.exec('ROLLBACK');
  }
}

/** The cause for an open error, with a hint for the common permission cases. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: string }).code ?? '';
  let msg = code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  if (/READONLY|EACCES|EPERM|EROFS/.test(code)) msg += '; check that the file and its folder are writable';
  return msg;
}
