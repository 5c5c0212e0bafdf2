// Checkpoints stored as BLOBs with their sha256. Saving and pruning share one
// transaction and loading verifies the hash, so there is always a valid checkpoint to fall back to.

import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { now, type CheckpointInfo } from './history-types.ts';
import { requireRun } from './history-metrics.ts';
import { stmt, toId } from './sql.ts';

interface CheckpointRow {
  id: number;
  run_id: number;
  step: number;
  size: number;
  sha256: string;
  created_at: string;
}

const toInfo = (r: CheckpointRow): CheckpointInfo => ({
  id: r.id,
  runId: r.run_id,
  step: r.step,
  size: r.size,
  sha256: r.sha256,
  createdAt: r.created_at,
});

/** Hex sha256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Stores a checkpoint and keeps only the `keep` newest of the run, in one
 * immediate transaction: a crash either keeps the old set or commits the new
 * one, never leaving zero. Checkpoints at `step` or later are dropped first:
 * after a resume from an earlier checkpoint they belong to an abandoned timeline
 * (typically the corrupt one that was skipped) and must not count as "newest".
 */
export function saveCheckpoint(db: Database.Database, runId: number, step: number, bytes: Uint8Array, keep = 2): CheckpointInfo {
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`keep must be an integer >= 1, got ${keep}`);
  if (!Number.isInteger(step) || step < 0) throw new Error(`checkpoint step must be a non-negative integer, got ${step}`);
  // Hash outside the transaction: it can take a while for a big model and
  // must not hold the write lock other writers wait on.
  const sha256 = sha256Hex(bytes);
  const blob = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const createdAt = now();
  return db
    .transaction((): CheckpointInfo => {
      requireRun(db, runId);
      stmt(db, 'DELETE FROM checkpoints WHERE run_id = ? AND step >= ?').run(runId, step);
      const { lastInsertRowid } = stmt(
        db,
        'INSERT INTO checkpoints (run_id, step, bytes, sha256, size, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(runId, step, blob, sha256, bytes.byteLength, createdAt);
      stmt(
        db,
        `DELETE FROM checkpoints WHERE run_id = ? AND id NOT IN (
         SELECT id FROM checkpoints WHERE run_id = ? ORDER BY step DESC, id DESC LIMIT ?)`,
      ).run(runId, runId, keep);
      return { id: toId(lastInsertRowid), runId, step, size: bytes.byteLength, sha256, createdAt };
    })
    .immediate();
}

/** The run's checkpoints, newest first, without their bytes. */
export function listCheckpoints(db: Database.Database, runId: number): CheckpointInfo[] {
  return stmt<CheckpointRow>(
    db,
    `SELECT id, run_id, step, size, sha256, created_at FROM checkpoints
      WHERE run_id = ? ORDER BY step DESC, id DESC`,
  )
    .all(runId)
    .map(toInfo);
}

/**
 * The newest checkpoint whose bytes match their recorded size and sha256.
 * Damaged ones are skipped, each reported through `onCorrupt(step, reason)`.
 * Undefined when the run has no valid checkpoint.
 */
export function loadLatestCheckpoint(
  db: Database.Database,
  runId: number,
  onCorrupt?: (step: number, reason: string) => void,
): { step: number; bytes: Uint8Array } | undefined {
  // List first, then read one blob at a time: keeps memory to one checkpoint
  // and lets onCorrupt use the connection (no statement is left iterating).
  const bytesOf = stmt<{ bytes: unknown }>(db, 'SELECT bytes FROM checkpoints WHERE id = ?');
  for (const info of listCheckpoints(db, runId)) {
    const row = bytesOf.get(info.id);
    if (!row) continue; // pruned by another process since the listing
    const bytes = row.bytes;
    let reason: string | undefined;
    if (!(bytes instanceof Uint8Array)) reason = `bytes column is ${bytes === null ? 'NULL' : typeof bytes}, not a BLOB`;
    else if (bytes.byteLength !== info.size) reason = `size ${bytes.byteLength} differs from recorded ${info.size}`;
    else if (sha256Hex(bytes) !== info.sha256) reason = 'sha256 mismatch';
    if (reason === undefined) return { step: info.step, bytes: bytes as Uint8Array };
    onCorrupt?.(info.step, `checkpoint ${info.id} of run ${runId} at step ${info.step}: ${reason}`);
  }
  return undefined;
}
