// Sweep rows and their trials (tables sweeps, sweep_trials; issue 19). A
// trial is an ordinary run linked by run_id; this table keeps only what the
// sweep needs on top: the trial's swept point, its full config before the run
// exists, its state in the sweep (pruned is not a run status) and its metric.
// JSON columns are validated with zod on read, like every other record.

import type Database from 'better-sqlite3';
import { z } from 'zod';
import { fieldValueSchema, sweepSpecSchema, type SweepSpec } from '../ml/sweeps/sweep-spec.ts';
import type { SweepPoint } from '../ml/sweeps/sweep-sampling.ts';
import type { SweepState, TrialState } from '../ml/sweeps/sweep-states.ts';
import { runConfigSchema, type RunConfig } from '../ml/train/run-config.ts';
import { defaultIsAlive } from './history-runs.ts';
import { now, parseJsonColumn } from './history-types.ts';
import { durably, stmt, toId } from './sql.ts';

export { SWEEP_STATES, TRIAL_STATES, type SweepState, type TrialState } from '../ml/sweeps/sweep-states.ts';

/** How a sweep executes; a Slurm sweep keeps its job and shared folder here (extra fields kept as given). */
export const sweepExecutionSchema = z.union([
  z.object({ kind: z.literal('local') }).passthrough(),
  z.object({ kind: z.literal('slurm'), jobId: z.string(), sharedDir: z.string() }).passthrough(),
]);
export type SweepExecution = z.infer<typeof sweepExecutionSchema>;

export interface SweepTrialRecord {
  sweepId: number;
  index: number;
  /** The trial's run in the history, or null before it is created. */
  runId: number | null;
  /** The swept values, by config name as in the sweep file. */
  point: SweepPoint;
  /** The full run config the trial trains with. */
  config: RunConfig;
  state: TrialState;
  /** The sweep's metric for this trial (at its last rung for halving), or null. */
  metric: number | null;
  /** Where the trial's log is (a Slurm task's output), or null. */
  logPath: string | null;
  error: string | null;
  updatedAt: string;
}

export interface SweepRecord {
  id: number;
  datasetId: number;
  spec: SweepSpec;
  state: SweepState;
  /** Process driving it locally, or null. */
  pid: number | null;
  execution: SweepExecution | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  trials: SweepTrialRecord[];
}

/** Input of {@link SweepTables.insert}: trials already validated against the dataset. */
export interface NewSweep {
  datasetId: number;
  spec: SweepSpec;
  trials: { point: SweepPoint; config: RunConfig }[];
}

/** Fields of a trial an update may change: undefined = unchanged, null = cleared. */
export interface TrialPatch {
  state?: TrialState;
  metric?: number | null;
  runId?: number | null;
  logPath?: string | null;
  error?: string | null;
}

interface SweepRow {
  id: number;
  dataset_id: number;
  spec_json: string;
  state: SweepState;
  pid: number | null;
  execution_json: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

interface TrialRow {
  sweep_id: number;
  idx: number;
  run_id: number | null;
  point_json: string;
  config_json: string;
  state: TrialState;
  metric: number | null;
  log_path: string | null;
  error: string | null;
  updated_at: string;
}

const pointSchema = z.record(z.string(), fieldValueSchema);

function trialFromRow(r: TrialRow): SweepTrialRecord {
  const where = `${r.sweep_id}/${r.idx}`;
  return {
    sweepId: r.sweep_id,
    index: r.idx,
    runId: r.run_id,
    point: parseJsonColumn('sweep_trials', r.sweep_id, `point_json of trial ${where}`, r.point_json, pointSchema),
    config: parseJsonColumn('sweep_trials', r.sweep_id, `config_json of trial ${where}`, r.config_json, runConfigSchema),
    state: r.state,
    metric: r.metric,
    logPath: r.log_path,
    error: r.error,
    updatedAt: r.updated_at,
  };
}

/** The sweeps of one history connection; reached as `history.sweeps`. */
export class SweepTables {
  constructor(
    private readonly db: Database.Database,
    private readonly assertWritable: (what: string) => void,
  ) {}

  /** Stores a sweep and all its trials (pending) in one transaction. */
  insert(s: NewSweep): SweepRecord {
    this.assertWritable('create a sweep');
    const t = now();
    const id = this.db
      .transaction(() => {
        const sweepId = toId(
          stmt(this.db, `INSERT INTO sweeps (dataset_id, spec_json, state, created_at, updated_at) VALUES (?, ?, 'created', ?, ?)`).run(
            s.datasetId,
            JSON.stringify(s.spec),
            t,
            t,
          ).lastInsertRowid,
        );
        const insertTrial = stmt(
          this.db,
          `INSERT INTO sweep_trials (sweep_id, idx, point_json, config_json, state, updated_at) VALUES (?, ?, ?, ?, 'pending', ?)`,
        );
        s.trials.forEach((trial, index) => insertTrial.run(sweepId, index, JSON.stringify(trial.point), JSON.stringify(trial.config), t));
        return sweepId;
      })
      .immediate();
    return this.get(id)!;
  }

  get(id: number): SweepRecord | undefined {
    const r = stmt<SweepRow>(this.db, 'SELECT * FROM sweeps WHERE id = ?').get(id);
    if (!r) return undefined;
    const trials = stmt<TrialRow>(this.db, 'SELECT * FROM sweep_trials WHERE sweep_id = ? ORDER BY idx').all(id).map(trialFromRow);
    return {
      id: r.id,
      datasetId: r.dataset_id,
      spec: parseJsonColumn('sweeps', r.id, 'spec_json', r.spec_json, sweepSpecSchema),
      // A local driver that died (kill -9, a crash) left 'running': it reads as stopped, and `sweep run` continues it.
      state: r.state === 'running' && r.pid !== null && !defaultIsAlive(r.pid) ? 'stopped' : r.state,
      pid: r.pid,
      execution:
        r.execution_json === null ? null : parseJsonColumn('sweeps', r.id, 'execution_json', r.execution_json, sweepExecutionSchema),
      error: r.error,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      trials,
    };
  }

  /** Sweeps, newest first. */
  list(): SweepRecord[] {
    return stmt<{ id: number }>(this.db, 'SELECT id FROM sweeps ORDER BY id DESC')
      .all()
      .map((r) => this.get(r.id)!);
  }

  /** Numeric id (or "#id") → sweep, or Error `no sweep "ref"; list sweeps with: seqlab sweep list`. */
  resolve(ref: string | number): SweepRecord {
    const trimmed = String(ref).trim().replace(/^#/, '');
    const s = /^\d+$/.test(trimmed) ? this.get(Number(trimmed)) : undefined;
    if (!s) throw new Error(`no sweep "${ref}"; list sweeps with: seqlab sweep list`);
    return s;
  }

  /**
   * Takes the sweep for local execution in process `pid` (state running);
   * refused while another live process drives it.
   */
  claim(id: number, pid: number, isAlive: (pid: number) => boolean = defaultIsAlive): SweepRecord {
    this.assertWritable('run a sweep');
    this.db
      .transaction(() => {
        const row = stmt<{ state: SweepState; pid: number | null }>(this.db, 'SELECT state, pid FROM sweeps WHERE id = ?').get(id);
        if (!row) throw new Error(`no sweep with id ${id}`);
        if (row.state === 'running' && row.pid !== null && row.pid !== pid && isAlive(row.pid))
          throw new Error(`sweep ${id} is already running in process ${row.pid}`);
        stmt(this.db, `UPDATE sweeps SET state = 'running', pid = ?, error = NULL, updated_at = ? WHERE id = ?`).run(pid, now(), id);
      })
      .immediate();
    return this.get(id)!;
  }

  /** Sets the state (and error; null clears it). Final states are written with synchronous=FULL. */
  setState(id: number, state: SweepState, error: string | null = null): SweepRecord {
    this.assertWritable('update a sweep');
    const pidClause = state === 'running' ? '' : ', pid = NULL';
    durably(this.db, () => {
      const changed = stmt(this.db, `UPDATE sweeps SET state = ?, error = ?, updated_at = ?${pidClause} WHERE id = ?`).run(
        state,
        error,
        now(),
        id,
      ).changes;
      if (changed === 0) throw new Error(`no sweep with id ${id}`);
    });
    return this.get(id)!;
  }

  setExecution(id: number, execution: SweepExecution): SweepRecord {
    this.assertWritable('update a sweep');
    const checked = sweepExecutionSchema.parse(execution);
    const changed = stmt(this.db, 'UPDATE sweeps SET execution_json = ?, updated_at = ? WHERE id = ?').run(
      JSON.stringify(checked),
      now(),
      id,
    ).changes;
    if (changed === 0) throw new Error(`no sweep with id ${id}`);
    return this.get(id)!;
  }

  /** Updates one trial (see TrialPatch); durable, since a trial's end must survive a power cut. */
  updateTrial(sweepId: number, index: number, patch: TrialPatch): SweepTrialRecord {
    this.assertWritable('update a sweep trial');
    const sets: string[] = [];
    const values: unknown[] = [];
    const column = { state: 'state', metric: 'metric', runId: 'run_id', logPath: 'log_path', error: 'error' } as const;
    for (const key of Object.keys(column) as (keyof TrialPatch)[]) {
      if (patch[key] === undefined) continue;
      sets.push(`${column[key]} = ?`);
      values.push(patch[key]);
    }
    if (patch.metric !== undefined && patch.metric !== null && !Number.isFinite(patch.metric))
      throw new Error(`metric: must be a finite number or null (got ${patch.metric})`);
    sets.push('updated_at = ?');
    values.push(now());
    durably(this.db, () => {
      const changed = this.db
        .prepare(`UPDATE sweep_trials SET ${sets.join(', ')} WHERE sweep_id = ? AND idx = ?`)
        .run(...values, sweepId, index).changes;
      if (changed === 0) throw new Error(`sweep ${sweepId} has no trial ${index}`);
    });
    return this.getTrial(sweepId, index)!;
  }

  getTrial(sweepId: number, index: number): SweepTrialRecord | undefined {
    const r = stmt<TrialRow>(this.db, 'SELECT * FROM sweep_trials WHERE sweep_id = ? AND idx = ?').get(sweepId, index);
    return r ? trialFromRow(r) : undefined;
  }

  /** Deletes the sweep and its trial links; the trials' runs stay in the history. */
  delete(id: number): boolean {
    this.assertWritable('delete a sweep');
    return this.db.transaction(() => stmt(this.db, 'DELETE FROM sweeps WHERE id = ?').run(id).changes > 0).immediate();
  }
}
