// What a run produces besides its curve: generated text samples and exported
// model files. An export row is committed with synchronous=FULL (it points at a file the user keeps).

import type Database from 'better-sqlite3';
import { now, type ExportRecord, type NewExport, type NewSample, type SampleRecord } from './history-types.ts';
import { requireRun } from './history-metrics.ts';
import { durably, stmt, toId } from './sql.ts';

interface SampleRow {
  id: number;
  run_id: number;
  step: number;
  temperature: number;
  top_k: number | null;
  prime: string;
  text: string;
  created_at: string;
}

interface ExportRow {
  id: number;
  run_id: number;
  format: string;
  path: string;
  sha256: string;
  created_at: string;
}

/** Stores a generated sample. */
export function addSample(db: Database.Database, runId: number, s: NewSample): SampleRecord {
  const rec: Omit<SampleRecord, 'id'> = {
    runId,
    step: s.step,
    temperature: s.temperature,
    topK: s.topK ?? null,
    prime: s.prime,
    text: s.text,
    createdAt: now(),
  };
  const id = db
    .transaction((): number => {
      requireRun(db, runId);
      const res = stmt(
        db,
        'INSERT INTO samples (run_id, step, temperature, top_k, prime, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(runId, rec.step, rec.temperature, rec.topK, rec.prime, rec.text, rec.createdAt);
      return toId(res.lastInsertRowid);
    })
    .immediate();
  return { id, ...rec };
}

/** Samples of a run, oldest first. */
export function listSamples(db: Database.Database, runId: number): SampleRecord[] {
  return stmt<SampleRow>(db, 'SELECT * FROM samples WHERE run_id = ? ORDER BY id')
    .all(runId)
    .map((r) => ({
      id: r.id,
      runId: r.run_id,
      step: r.step,
      temperature: r.temperature,
      topK: r.top_k,
      prime: r.prime,
      text: r.text,
      createdAt: r.created_at,
    }));
}

/** Records an exported file, committed with synchronous=FULL. */
export function recordExport(db: Database.Database, runId: number, e: NewExport): ExportRecord {
  const rec: Omit<ExportRecord, 'id'> = { runId, format: e.format, path: e.path, sha256: e.sha256, createdAt: now() };
  const id = durably(db, () =>
    db
      .transaction((): number => {
        requireRun(db, runId);
        const res = stmt(db, 'INSERT INTO exports (run_id, format, path, sha256, created_at) VALUES (?, ?, ?, ?, ?)').run(
          runId,
          rec.format,
          rec.path,
          rec.sha256,
          rec.createdAt,
        );
        return toId(res.lastInsertRowid);
      })
      .immediate(),
  );
  return { id, ...rec };
}

/** Exports of a run, oldest first. */
export function listExports(db: Database.Database, runId: number): ExportRecord[] {
  return stmt<ExportRow>(db, 'SELECT * FROM exports WHERE run_id = ? ORDER BY id')
    .all(runId)
    .map((r) => ({
      id: r.id,
      runId: r.run_id,
      format: r.format,
      path: r.path,
      sha256: r.sha256,
      createdAt: r.created_at,
    }));
}
