// Run rows: creation, status changes and crash detection. A run whose process
// has gone without a final status is marked crashed, so no run stays "running" forever.

import type Database from 'better-sqlite3';
import {
  FINAL_STATUSES,
  RUN_STATUSES,
  now,
  runFromRow,
  type NewRun,
  type RunRecord,
  type RunRow,
  type RunStatus,
} from './history-types.ts';
import { durably, stmt, toId } from './sql.ts';

/**
 * Whether a process with this pid exists: `kill(pid, 0)` sends nothing but
 * checks. EPERM means it exists under another user, so it counts as alive.
 */
export function defaultIsAlive(pid: number): boolean {
  // pid 0 or negative would address a whole process group: never alive here.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function requireInt(name: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new Error(`${name} must be an integer >= ${min}, got ${String(v)}`);
  }
}

/** Inserts a run with status 'queued'. */
export function createRun(db: Database.Database, r: NewRun): RunRecord {
  requireInt('datasetId', r.datasetId, 1);
  requireInt('seed', r.seed, Number.MIN_SAFE_INTEGER);
  requireInt('totalSteps', r.totalSteps, 0);
  requireInt('paramCount', r.paramCount, 0);
  let configJson: string | undefined;
  try {
    configJson = JSON.stringify(r.config);
  } catch (err) {
    throw new Error(`run config cannot be stored as JSON: ${(err as Error).message}`, { cause: err });
  }
  if (configJson === undefined) throw new Error('run config cannot be stored as JSON: it is undefined or a function');
  const t = now();
  const id = db
    .transaction((): number => {
      if (!stmt(db, 'SELECT 1 FROM datasets WHERE id = ?').get(r.datasetId)) {
        throw new Error(`no dataset with id ${r.datasetId}`);
      }
      const res = stmt(
        db,
        `INSERT INTO runs (name, dataset_id, model_kind, config_json, seed, dataset_fingerprint,
                         status, step, total_steps, param_count, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'queued', -1, ?, ?, ?, ?)`,
      ).run(r.name ?? null, r.datasetId, r.modelKind, configJson, r.seed, r.datasetFingerprint, r.totalSteps, r.paramCount, t, t);
      return toId(res.lastInsertRowid);
    })
    .immediate();
  return getRun(db, id)!;
}

/** The run, or undefined. */
export function getRun(db: Database.Database, id: number): RunRecord | undefined {
  const row = stmt<RunRow>(db, 'SELECT * FROM runs WHERE id = ?').get(id);
  return row ? runFromRow(row) : undefined;
}

/** Runs, newest first, optionally filtered by status and/or dataset. */
export function listRuns(db: Database.Database, filter: { status?: RunStatus; datasetId?: number } = {}): RunRecord[] {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.status !== undefined) {
    where.push('status = @status');
    params.status = filter.status;
  }
  if (filter.datasetId !== undefined) {
    where.push('dataset_id = @datasetId');
    params.datasetId = filter.datasetId;
  }
  const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC`;
  return stmt<RunRow>(db, sql).all(params).map(runFromRow);
}

/**
 * Takes ownership of the run for process `pid`, atomically, before anything
 * about the run changes: one BEGIN IMMEDIATE transaction reads the owner and
 * writes the new one, so of two processes racing for a run exactly one wins.
 * The loser gets "run N is already running in process P" and nothing is
 * written. A completed run is never trained again. Claiming a run this very
 * process already owns succeeds (the host claims, then its worker thread
 * confirms); an owner whose process is gone is replaced. The run becomes
 * 'running' (error and finish time cleared, first start time kept).
 */
export function claimRun(db: Database.Database, id: number, pid: number, isAlive: (pid: number) => boolean = defaultIsAlive): RunRecord {
  requireInt('pid', pid, 1);
  db.transaction(() => {
    const row = stmt<{ status: RunStatus; pid: number | null; total_steps: number }>(
      db,
      'SELECT status, pid, total_steps FROM runs WHERE id = ?',
    ).get(id);
    if (!row) throw new Error(`no run with id ${id}`);
    if (row.status === 'completed') throw new Error(`run ${id} already completed all ${row.total_steps} steps`);
    const owned = row.status === 'running' || (row.status === 'queued' && row.pid !== null);
    if (owned && row.pid !== null && row.pid !== pid && isAlive(row.pid)) {
      throw new Error(`run ${id} is already running in process ${row.pid}`);
    }
    const t = now();
    stmt(
      db,
      `UPDATE runs SET status = 'running', pid = ?, error = NULL, finished_at = NULL,
         started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ?`,
    ).run(pid, t, t, id);
  }).immediate();
  return getRun(db, id)!;
}

/**
 * Marks the run as running in process `pid`, also when resuming a stopped or
 * crashed run (the old error and finish time are cleared; the first start time
 * is kept). Refused while another live process is running it.
 */
export function markRunning(
  db: Database.Database,
  id: number,
  p: { pid: number; backend: string; device: string },
  isAlive: (pid: number) => boolean = defaultIsAlive,
): RunRecord {
  requireInt('pid', p.pid, 1);
  db.transaction(() => {
    const row = stmt<{ status: RunStatus; pid: number | null }>(db, 'SELECT status, pid FROM runs WHERE id = ?').get(id);
    if (!row) throw new Error(`no run with id ${id}`);
    if (row.status === 'running' && row.pid !== null && row.pid !== p.pid && isAlive(row.pid)) {
      throw new Error(`run ${id} is already running in process ${row.pid}`);
    }
    const t = now();
    stmt(
      db,
      `UPDATE runs SET status = 'running', pid = ?, backend = ?, device = ?, error = NULL,
         finished_at = NULL, started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ?`,
    ).run(p.pid, p.backend, p.device, t, t, id);
  }).immediate();
  return getRun(db, id)!;
}

/**
 * Sets the status (and error text, cleared when omitted). A final status also
 * sets finished_at and is committed with synchronous=FULL: "completed" must not
 * turn back into "running" after a power cut. With `owner`, refused unless that
 * process owns the run.
 */
export function setStatus(db: Database.Database, id: number, status: RunStatus, error?: string, owner?: number): RunRecord {
  if (!RUN_STATUSES.includes(status)) throw new Error(`unknown run status "${String(status)}"`);
  const final = FINAL_STATUSES.has(status);
  const write = (): void => {
    db.transaction(() => {
      // With an owner, only that process's claim is ended: a process that lost
      // the run (or never had it) must not mark the live owner's run crashed.
      if (owner !== undefined) {
        const row = stmt<{ pid: number | null }>(db, 'SELECT pid FROM runs WHERE id = ?').get(id);
        if (row && row.pid !== owner)
          throw new Error(`run ${id} is owned by process ${row.pid ?? 'none'}, not ${owner}; its status is left as it is`);
      }
      const t = now();
      const { changes } = stmt(db, 'UPDATE runs SET status = ?, error = ?, finished_at = ?, updated_at = ? WHERE id = ?').run(
        status,
        error ?? null,
        final ? t : null,
        t,
        id,
      );
      if (changes === 0) throw new Error(`no run with id ${id}`);
    }).immediate();
  };
  if (final) durably(db, write);
  else write();
  return getRun(db, id)!;
}

/** Most tags on a run, and longest tag and note (characters). */
export const RUN_NOTE_LIMITS = { tags: 20, tagLength: 40, note: 10_000 } as const;

/**
 * Replaces a run's tags and note. Tags are trimmed, emptied ones dropped and
 * repeats kept once (in the order given); limits are refused naming the field.
 */
export function setRunNotes(db: Database.Database, id: number, notes: { tags: string[]; note: string }): RunRecord {
  const tags = [...new Set(notes.tags.map((t) => t.trim()).filter(Boolean))];
  if (tags.length > RUN_NOTE_LIMITS.tags) throw new Error(`tags: at most ${RUN_NOTE_LIMITS.tags} per run, got ${tags.length}`);
  const long = tags.find((t) => t.length > RUN_NOTE_LIMITS.tagLength);
  if (long) throw new Error(`tags: "${long.slice(0, 20)}…" is longer than ${RUN_NOTE_LIMITS.tagLength} characters`);
  if (notes.note.length > RUN_NOTE_LIMITS.note)
    throw new Error(`note: at most ${RUN_NOTE_LIMITS.note} characters, got ${notes.note.length}`);
  const changed = stmt(db, 'UPDATE runs SET tags_json = ?, note = ? WHERE id = ?').run(JSON.stringify(tags), notes.note, id).changes;
  if (changed === 0) throw new Error(`id: no run ${id}`);
  return getRun(db, id)!;
}

/** Deletes a run with its metrics, samples, checkpoints and exports. Refused while its process is alive. */
export function deleteRun(db: Database.Database, id: number, isAlive: (pid: number) => boolean = defaultIsAlive): boolean {
  return db
    .transaction((): boolean => {
      const row = stmt<{ status: RunStatus; pid: number | null }>(db, 'SELECT status, pid FROM runs WHERE id = ?').get(id);
      if (!row) return false;
      if (row.status === 'running' && row.pid !== null && isAlive(row.pid)) {
        throw new Error(`run ${id} is running in process ${row.pid}; stop it before deleting`);
      }
      // experiment_runs refers to runs without ON DELETE: say why instead of a bare FOREIGN KEY error.
      const owner = stmt<{ experiment_id: number }>(
        db,
        'SELECT experiment_id FROM experiment_runs WHERE run_id = ? ORDER BY experiment_id LIMIT 1',
      ).get(id);
      if (owner)
        throw new Error(
          `run ${id} belongs to experiment ${owner.experiment_id}; delete the experiment first (seqlab experiment delete ${owner.experiment_id})`,
        );
      return stmt(db, 'DELETE FROM runs WHERE id = ?').run(id).changes > 0;
    })
    .immediate();
}

/**
 * Marks as crashed every run that is 'running' (or 'queued' with a pid) whose
 * process is gone, and returns their ids. Runs owned by this very process are
 * never touched: they may be live here. A 'running' row without a pid cannot
 * be live anywhere (markRunning always sets one) and is marked too.
 * finished_at becomes the last heartbeat (updated_at), the best estimate of
 * when the process died; the write is committed with synchronous=FULL.
 */
export function markCrashedRuns(db: Database.Database, isAlive: (pid: number) => boolean = defaultIsAlive): number[] {
  // Look first without the write lock: opening the UI while a trainer writes
  // should not queue behind it when there is nothing to mark.
  const candidates = stmt<{ id: number; pid: number | null; status: RunStatus }>(
    db,
    `SELECT id, pid, status FROM runs WHERE status = 'running' OR (status = 'queued' AND pid IS NOT NULL)`,
  ).all();
  const dead = candidates.filter((c) => c.pid !== process.pid && (c.pid === null || !isAlive(c.pid)));
  if (dead.length === 0) return [];
  return durably(db, () =>
    db
      .transaction((): number[] => {
        const marked: number[] = [];
        const update = stmt(
          db,
          `UPDATE runs SET status = 'crashed', error = ?, finished_at = updated_at
          WHERE id = ? AND status = ? AND pid IS ?`,
        );
        for (const c of dead) {
          const error = `process ended without finishing (pid ${c.pid ?? 'unknown'})`;
          // The status/pid guard skips rows that a resumed trainer claimed meanwhile.
          if (update.run(error, c.id, c.status, c.pid).changes > 0) marked.push(c.id);
        }
        return marked;
      })
      .immediate(),
  );
}

/** Looks a run up by its numeric id (as typed on the command line). */
export function resolveRun(db: Database.Database, ref: string): RunRecord {
  const trimmed = ref.trim();
  const run = /^\d+$/.test(trimmed) ? getRun(db, Number(trimmed)) : undefined;
  if (!run) throw new Error(`no run "${ref}"; list runs with: seqlab runs`);
  return run;
}
