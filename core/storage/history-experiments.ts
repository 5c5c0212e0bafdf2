// Experiment rows and their member runs (tables experiments, experiment_runs).
// An experiment driven by a process that is gone is marked failed on the next
// open, like runs are marked crashed; resuming it skips the members that
// already finished. JSON columns are validated with zod on read and write.

import type Database from 'better-sqlite3';
import { z } from 'zod';
import { experimentResultSchema, type ExperimentResult } from '../ml/experiments/result-types.ts';
import { defaultIsAlive } from './history-runs.ts';
import { issues, now, parseJsonColumn } from './history-types.ts';
import { durably, stmt, toId } from './sql.ts';

/** Lifecycle of an experiment; the last three are final (failed and stopped can be resumed). */
export const EXPERIMENT_STATUSES = ['queued', 'running', 'completed', 'failed', 'stopped'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];
const FINAL: ReadonlySet<ExperimentStatus> = new Set(['completed', 'failed', 'stopped']);

/** A run of an experiment. */
export interface ExperimentMember {
  runId: number;
  /** What the run is to the experiment ("stable", "lstm", "context-8", ...), unique within it. */
  role: string;
  /** Order of training and of display, from 0. */
  position: number;
  /** True when the experiment created the run and trains it; false for an existing run it only reads. */
  owned: boolean;
}

export interface ExperimentRecord {
  id: number;
  /** One of EXPERIMENT_KINDS (core/ml/experiments/experiment-config.ts). */
  kind: string;
  name: string | null;
  /** The parsed config, defaults filled; its shape is checked by the experiment's schema. */
  config: Record<string, unknown>;
  status: ExperimentStatus;
  /** Tables and plots once completed, else null. */
  result: ExperimentResult | null;
  error: string | null;
  pid: number | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  members: ExperimentMember[];
}

export interface NewExperiment {
  kind: string;
  name?: string;
  config: Record<string, unknown>;
}

interface ExperimentRow {
  id: number;
  kind: string;
  name: string | null;
  config_json: string;
  status: ExperimentStatus;
  result_json: string | null;
  error: string | null;
  pid: number | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

interface MemberRow {
  run_id: number;
  role: string;
  position: number;
  owned: number;
}

const configSchema = z.record(z.string(), z.unknown());

function fromRow(db: Database.Database, r: ExperimentRow): ExperimentRecord {
  const members = stmt<MemberRow>(
    db,
    'SELECT run_id, role, position, owned FROM experiment_runs WHERE experiment_id = ? ORDER BY position',
  ).all(r.id);
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    config: parseJsonColumn('experiments', r.id, 'config_json', r.config_json, configSchema),
    status: r.status,
    result: r.result_json === null ? null : parseJsonColumn('experiments', r.id, 'result_json', r.result_json, experimentResultSchema),
    error: r.error,
    pid: r.pid,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    members: members.map((m) => ({ runId: m.run_id, role: m.role, position: m.position, owned: m.owned === 1 })),
  };
}

/** Inserts a queued experiment without members (add them with addMember, in the same transaction). */
export function insertExperiment(db: Database.Database, e: NewExperiment): ExperimentRecord {
  if (typeof e.kind !== 'string' || e.kind === '') throw new Error('kind: an experiment needs a kind');
  const bad = issues('config', configSchema.safeParse(e.config));
  if (bad.length) throw new Error(`invalid experiment config: ${bad.join('; ')}`);
  const t = now();
  const id = db
    .transaction(() =>
      toId(
        stmt(db, `INSERT INTO experiments (kind, name, config_json, status, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?)`).run(
          e.kind,
          e.name ?? null,
          JSON.stringify(e.config),
          t,
          t,
        ).lastInsertRowid,
      ),
    )
    .immediate();
  return getExperiment(db, id)!;
}

/** Appends a member at the next position; a role is unique within an experiment. */
export function addMember(
  db: Database.Database,
  experimentId: number,
  m: { runId: number; role: string; owned: boolean },
): ExperimentMember {
  return db
    .transaction((): ExperimentMember => {
      if (!stmt(db, 'SELECT 1 FROM experiments WHERE id = ?').get(experimentId)) throw new Error(`no experiment with id ${experimentId}`);
      if (!stmt(db, 'SELECT 1 FROM runs WHERE id = ?').get(m.runId)) throw new Error(`no run with id ${m.runId}`);
      if (stmt(db, 'SELECT 1 FROM experiment_runs WHERE experiment_id = ? AND role = ?').get(experimentId, m.role))
        throw new Error(`experiment ${experimentId} already has a member "${m.role}"`);
      const { n } = stmt<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM experiment_runs WHERE experiment_id = ?').get(experimentId)!;
      stmt(db, 'INSERT INTO experiment_runs (experiment_id, run_id, role, position, owned) VALUES (?, ?, ?, ?, ?)').run(
        experimentId,
        m.runId,
        m.role,
        n,
        m.owned ? 1 : 0,
      );
      return { runId: m.runId, role: m.role, position: n, owned: m.owned };
    })
    .immediate();
}

export function getExperiment(db: Database.Database, id: number): ExperimentRecord | undefined {
  const row = stmt<ExperimentRow>(db, 'SELECT * FROM experiments WHERE id = ?').get(id);
  return row ? fromRow(db, row) : undefined;
}

/** Experiments, newest first. */
export function listExperiments(db: Database.Database): ExperimentRecord[] {
  return stmt<ExperimentRow>(db, 'SELECT * FROM experiments ORDER BY id DESC')
    .all()
    .map((r) => fromRow(db, r));
}

/** By numeric id as typed on the command line. */
export function resolveExperiment(db: Database.Database, ref: string): ExperimentRecord {
  const trimmed = ref.trim();
  const e = /^\d+$/.test(trimmed) ? getExperiment(db, Number(trimmed)) : undefined;
  if (!e) throw new Error(`no experiment "${ref}"; list them with: seqlab experiment list`);
  return e;
}

/** Marks it running in `pid` (also when resuming); refused while another live process drives it. */
export function markExperimentRunning(
  db: Database.Database,
  id: number,
  pid: number,
  isAlive: (pid: number) => boolean = defaultIsAlive,
): ExperimentRecord {
  db.transaction(() => {
    const row = stmt<{ status: ExperimentStatus; pid: number | null }>(db, 'SELECT status, pid FROM experiments WHERE id = ?').get(id);
    if (!row) throw new Error(`no experiment with id ${id}`);
    if (row.status === 'running' && row.pid !== null && row.pid !== pid && isAlive(row.pid))
      throw new Error(`experiment ${id} is already running in process ${row.pid}`);
    if (row.status === 'completed') throw new Error(`experiment ${id} already completed`);
    stmt(db, `UPDATE experiments SET status = 'running', pid = ?, error = NULL, finished_at = NULL, updated_at = ? WHERE id = ?`).run(
      pid,
      now(),
      id,
    );
  }).immediate();
  return getExperiment(db, id)!;
}

/**
 * Sets a status other than completed (which comes with its result: see
 * completeExperiment). Final states set finished_at, committed with synchronous=FULL.
 */
export function setExperimentStatus(
  db: Database.Database,
  id: number,
  status: Exclude<ExperimentStatus, 'completed'>,
  error?: string,
): ExperimentRecord {
  if (!EXPERIMENT_STATUSES.includes(status) || status === ('completed' as ExperimentStatus))
    throw new Error(`status: cannot set an experiment to "${String(status)}" here`);
  const write = () =>
    db
      .transaction(() => {
        const t = now();
        const { changes } = stmt(db, 'UPDATE experiments SET status = ?, error = ?, finished_at = ?, updated_at = ? WHERE id = ?').run(
          status,
          error ?? null,
          FINAL.has(status) ? t : null,
          t,
          id,
        );
        if (changes === 0) throw new Error(`no experiment with id ${id}`);
      })
      .immediate();
  if (FINAL.has(status)) durably(db, write);
  else write();
  return getExperiment(db, id)!;
}

/** Stores the result and marks the experiment completed, in one durable transaction. */
export function completeExperiment(db: Database.Database, id: number, result: ExperimentResult): ExperimentRecord {
  const parsed = experimentResultSchema.safeParse(result);
  if (!parsed.success) throw new Error(`invalid experiment result: ${issues('result', parsed).join('; ')}`);
  durably(db, () =>
    db
      .transaction(() => {
        const t = now();
        const { changes } = stmt(
          db,
          `UPDATE experiments SET status = 'completed', result_json = ?, error = NULL, finished_at = ?, updated_at = ? WHERE id = ?`,
        ).run(JSON.stringify(parsed.data), t, t, id);
        if (changes === 0) throw new Error(`no experiment with id ${id}`);
      })
      .immediate(),
  );
  return getExperiment(db, id)!;
}

/**
 * Marks as failed every running (or queued but claimed) experiment whose
 * process is gone; never one of this process. Returns their ids. Its member
 * runs are marked crashed by markCrashedRuns; resuming continues both.
 */
export function markCrashedExperiments(db: Database.Database, isAlive: (pid: number) => boolean = defaultIsAlive): number[] {
  const candidates = stmt<{ id: number; pid: number | null; status: ExperimentStatus }>(
    db,
    `SELECT id, pid, status FROM experiments WHERE status = 'running' OR (status = 'queued' AND pid IS NOT NULL)`,
  ).all();
  const dead = candidates.filter((c) => c.pid !== process.pid && (c.pid === null || !isAlive(c.pid)));
  if (dead.length === 0) return [];
  return durably(db, () =>
    db
      .transaction((): number[] => {
        const update = stmt(
          db,
          `UPDATE experiments SET status = 'failed', error = ?, finished_at = updated_at WHERE id = ? AND status = ? AND pid IS ?`,
        );
        return dead
          .filter(
            (c) =>
              update.run(`process ended without finishing (pid ${c.pid ?? 'unknown'}); resume it to continue`, c.id, c.status, c.pid)
                .changes > 0,
          )
          .map((c) => c.id);
      })
      .immediate(),
  );
}

/** Deletes the experiment and its member links; the runs stay. Refused while a live process drives it. */
export function deleteExperiment(db: Database.Database, id: number, isAlive: (pid: number) => boolean = defaultIsAlive): boolean {
  return db
    .transaction((): boolean => {
      const row = stmt<{ status: ExperimentStatus; pid: number | null }>(db, 'SELECT status, pid FROM experiments WHERE id = ?').get(id);
      if (!row) return false;
      if (row.status === 'running' && row.pid !== null && isAlive(row.pid))
        throw new Error(`experiment ${id} is running in process ${row.pid}; stop it before deleting`);
      return stmt(db, 'DELETE FROM experiments WHERE id = ?').run(id).changes > 0;
    })
    .immediate();
}

/** Ids of the experiments a run belongs to. */
export function experimentsOfRun(db: Database.Database, runId: number): number[] {
  return stmt<{ experiment_id: number }>(db, 'SELECT DISTINCT experiment_id FROM experiment_runs WHERE run_id = ? ORDER BY experiment_id')
    .all(runId)
    .map((r) => r.experiment_id);
}
