// Metric rows of a run. Appends also move the run's summary columns (step, losses,
// heartbeat) in the same transaction, so the runs row never disagrees with its curve.

import type Database from 'better-sqlite3';
import { now, type MetricRow } from './history-types.ts';
import { stmt } from './sql.ts';

interface MetricDbRow {
  step: number;
  wall_ms: number;
  train_loss: number | null;
  valid_loss: number | null;
  bits_per_symbol: number | null;
  tokens_per_sec: number | null;
  grad_norm: number | null;
  lr: number | null;
  valid_accuracy: number | null;
  stability_bound: number | null;
  contraction: number | null;
}

// SQLite turns NaN into NULL; for the always-present columns NULL can only mean NaN.
const nan = (v: number | null): number => (v === null ? Number.NaN : v);

/** Throws unless the run exists. */
export function requireRun(db: Database.Database, runId: number): void {
  if (!stmt(db, 'SELECT 1 FROM runs WHERE id = ?').get(runId)) throw new Error(`no run with id ${runId}`);
}

/** Recomputes runs.step / train_loss / valid_loss from the metrics table and stamps updated_at. */
function refreshRunSummary(db: Database.Database, runId: number): void {
  stmt(
    db,
    `UPDATE runs SET
       step = COALESCE((SELECT MAX(step) FROM metrics WHERE run_id = @id), -1),
       train_loss = (SELECT train_loss FROM metrics WHERE run_id = @id ORDER BY step DESC LIMIT 1),
       valid_loss = (SELECT valid_loss FROM metrics
                      WHERE run_id = @id AND valid_loss IS NOT NULL ORDER BY step DESC LIMIT 1),
       updated_at = @now
     WHERE id = @id`,
  ).run({ id: runId, now: now() });
}

/**
 * Inserts `rows` and updates the run summary in one immediate transaction.
 * A step that is already stored is refused: on resume, call
 * {@link truncateMetricsAfter} with the checkpoint step first. An empty `rows`
 * only refreshes the heartbeat.
 */
export function appendMetrics(db: Database.Database, runId: number, rows: readonly MetricRow[]): void {
  for (const r of rows) {
    if (!Number.isInteger(r.step) || r.step < 0) {
      throw new Error(`metric step must be a non-negative integer, got ${r.step} (run ${runId})`);
    }
  }
  const insert = stmt(
    db,
    `INSERT INTO metrics (run_id, step, wall_ms, train_loss, valid_loss, bits_per_symbol,
                          tokens_per_sec, grad_norm, lr, valid_accuracy, stability_bound, contraction)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    requireRun(db, runId);
    for (const r of rows) {
      try {
        insert.run(
          runId,
          r.step,
          r.wallMs,
          r.trainLoss,
          r.validLoss,
          r.bitsPerSymbol,
          r.tokensPerSec,
          r.gradNorm,
          r.lr,
          r.validAccuracy,
          r.stabilityBound,
          r.contraction,
        );
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new Error(`run ${runId} already has metrics for step ${r.step}; truncate them after the checkpoint step before resuming`, {
            cause: err,
          });
        }
        throw err;
      }
    }
    // valid_loss from the batch rather than a backwards scan: a run that never
    // validates would otherwise scan its whole curve on every append.
    let valid: MetricRow | undefined;
    for (const r of rows) if (r.validLoss !== null && (!valid || r.step >= valid.step)) valid = r;
    stmt(
      db,
      `UPDATE runs SET
         step = COALESCE((SELECT MAX(step) FROM metrics WHERE run_id = @id), -1),
         train_loss = (SELECT train_loss FROM metrics WHERE run_id = @id ORDER BY step DESC LIMIT 1),
         valid_loss = CASE WHEN @hasValid THEN @valid ELSE valid_loss END,
         updated_at = @now
       WHERE id = @id`,
    ).run({ id: runId, hasValid: valid ? 1 : 0, valid: valid?.validLoss ?? null, now: now() });
  }).immediate();
}

/** Metric rows with step > `sinceStep`, ordered by step (pass the last seen step to poll). */
export function getMetrics(db: Database.Database, runId: number, sinceStep = -1): MetricRow[] {
  const rows = stmt<MetricDbRow>(
    db,
    `SELECT step, wall_ms, train_loss, valid_loss, bits_per_symbol, tokens_per_sec, grad_norm, lr,
            valid_accuracy, stability_bound, contraction
       FROM metrics WHERE run_id = ? AND step > ? ORDER BY step`,
  ).all(runId, sinceStep);
  return rows.map((r) => ({
    step: r.step,
    wallMs: r.wall_ms,
    trainLoss: nan(r.train_loss),
    validLoss: r.valid_loss,
    // NULL also means "not defined for this task" (bits for music or regression).
    bitsPerSymbol: r.bits_per_symbol,
    validAccuracy: r.valid_accuracy,
    stabilityBound: r.stability_bound,
    contraction: r.contraction,
    tokensPerSec: nan(r.tokens_per_sec),
    gradNorm: nan(r.grad_norm),
    lr: nan(r.lr),
  }));
}

/**
 * Deletes the rows with step > `step` and re-derives the run summary, so a run
 * resumed from the checkpoint at `step` continues its curve without a jump.
 * Returns the number of rows deleted.
 */
export function truncateMetricsAfter(db: Database.Database, runId: number, step: number): number {
  return db
    .transaction(() => {
      requireRun(db, runId);
      const { changes } = stmt(db, 'DELETE FROM metrics WHERE run_id = ? AND step > ?').run(runId, step);
      refreshRunSummary(db, runId);
      return changes;
    })
    .immediate();
}
