// Migrations: idempotent, tracked in user_version, and a newer database is refused.

import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from '../../core/storage/schema.ts';
import { History } from '../../core/storage/history.ts';
import { cleanupTempDirs, tempDir } from './helpers.ts';

afterEach(cleanupTempDirs);

const tables = (db: Database.Database): string[] =>
  db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[];

describe('migrations', () => {
  it('apply once and set user_version; running again changes nothing', () => {
    const db = new Database(path.join(tempDir(), 'm.sqlite'));
    expect(schemaVersion(db)).toBe(0);
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    const first = db.prepare('SELECT sql FROM sqlite_master ORDER BY name').pluck().all();
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT sql FROM sqlite_master ORDER BY name').pluck().all()).toEqual(first);
    expect(tables(db)).toEqual([
      'audio_samples',
      'checkpoints',
      'datasets',
      'experiment_runs',
      'experiments',
      'exports',
      'metrics',
      'runs',
      'samples',
      'sqlite_sequence',
      'sweep_trials',
      'sweeps',
    ]);
    db.close();
  });

  it('2 rebuilds datasets for music and synthetic kinds without losing rows or the runs that point at them', () => {
    const db = new Database(path.join(tempDir(), 'v1.sqlite'));
    db.pragma('foreign_keys = ON');
    db.exec(MIGRATIONS[0] as string);
    db.pragma('user_version = 1');
    const at = '2026-01-01T00:00:00.000Z';
    db.prepare(
      `INSERT INTO datasets (name, kind, level, source, fingerprint, encoding, vocab_json, stats_json, splits_json, token_file, created_at)
                VALUES ('old', 'text', 'char', 's', 'f', 'utf-8', '{}', '{}', '{}', '/t', ?)`,
    ).run(at);
    db.prepare(
      `INSERT INTO runs (dataset_id, model_kind, config_json, seed, dataset_fingerprint, total_steps, param_count, created_at, updated_at)
                VALUES (1, 'lstm', '{}', 1, 'f', 10, 5, ?, ?)`,
    ).run(at, at);
    db.prepare(`INSERT INTO metrics (run_id, step, wall_ms, train_loss) VALUES (1, 1, 2, 3)`).run();
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT name, kind, level, task_json FROM datasets').all()).toEqual([
      { name: 'old', kind: 'text', level: 'char', task_json: null },
    ]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.prepare('SELECT valid_accuracy, stability_bound, contraction FROM metrics').get()).toEqual({
      valid_accuracy: null,
      stability_bound: null,
      contraction: null,
    });
    // The rebuilt table keeps its constraints: runs still refer to it, the kind check holds.
    expect(() => db.prepare('DELETE FROM datasets WHERE id = 1').run()).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare(`UPDATE datasets SET kind = 'video' WHERE id = 1`).run()).toThrow(/CHECK/);
    db.prepare(`UPDATE datasets SET kind = 'music', level = NULL, task_json = '{}' WHERE id = 1`).run();
    db.close();
  });

  it("5 keeps every id, never hands a deleted run's id out again, and gives runs empty tags and notes", () => {
    const db = new Database(path.join(tempDir(), 'v4.sqlite'));
    for (let v = 0; v < 4; v++) db.exec(MIGRATIONS[v] as string);
    db.pragma('user_version = 4');
    db.pragma('foreign_keys = ON');
    const at = '2026-01-01T00:00:00.000Z';
    db.prepare(
      `INSERT INTO datasets (id, name, kind, source, fingerprint, encoding, vocab_json, stats_json, splits_json, token_file, created_at)
                VALUES (7, 'd', 'text', 's', 'f', 'utf-8', '{}', '{}', '{}', '/t', ?)`,
    ).run(at);
    const addRun =
      db.prepare(`INSERT INTO runs (dataset_id, model_kind, config_json, seed, dataset_fingerprint, total_steps, param_count, created_at, updated_at)
                VALUES (7, 'lstm', '{}', 1, 'f', 10, 5, ?, ?)`);
    for (let i = 0; i < 3; i++) addRun.run(at, at);
    db.prepare(`INSERT INTO metrics (run_id, step, wall_ms, train_loss) VALUES (2, 1, 2, 3)`).run();
    db.prepare(`INSERT INTO experiments (id, kind, config_json, created_at, updated_at) VALUES (4, 'stability', '{}', ?, ?)`).run(at, at);
    db.prepare(`INSERT INTO experiment_runs (experiment_id, run_id, role, position) VALUES (4, 2, 'a', 0)`).run();
    // Before: the largest id is handed out again once its row is gone.
    db.prepare('DELETE FROM runs WHERE id = 3').run();
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT id, tags_json, note FROM runs ORDER BY id').all()).toEqual([
      { id: 1, tags_json: '[]', note: '' },
      { id: 2, tags_json: '[]', note: '' },
    ]);
    expect(db.prepare('SELECT run_id, train_loss FROM metrics').all()).toEqual([{ run_id: 2, train_loss: 3 }]);
    expect(db.prepare('SELECT experiment_id, run_id FROM experiment_runs').all()).toEqual([{ experiment_id: 4, run_id: 2 }]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    for (const t of ['datasets', 'runs', 'experiments'])
      expect(db.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).pluck().get(t)).toMatch(/id\s+INTEGER PRIMARY KEY AUTOINCREMENT/);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs' ORDER BY name`).pluck().all()).toEqual([
      'runs_dataset',
      'runs_status',
    ]);
    // After: a run added once run 2 is deleted gets 3, and then 4 after that is deleted too.
    db.prepare('DELETE FROM experiment_runs').run();
    db.prepare('DELETE FROM runs WHERE id = 2').run();
    expect(Number(addRun.run(at, at).lastInsertRowid)).toBe(3);
    db.prepare('DELETE FROM runs WHERE id = 3').run();
    expect(Number(addRun.run(at, at).lastInsertRowid)).toBe(4);
    // Deleting the run cascaded to its metrics as before the rebuild.
    expect(db.prepare('SELECT COUNT(*) FROM metrics').pluck().get()).toBe(0);
    db.close();
  });

  it('History.open twice on the same folder keeps the data', () => {
    const dir = tempDir();
    const h1 = History.open(dir);
    expect(h1.path).toBe(path.join(dir, 'history.sqlite'));
    h1.close();
    const h2 = History.open(dir);
    expect(h2.integrityCheck()).toEqual(['ok']);
    h2.close();
    const db = new Database(path.join(dir, 'history.sqlite'));
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a database from a newer version, naming the file', () => {
    const dir = tempDir();
    History.open(dir).close();
    const file = path.join(dir, 'history.sqlite');
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    expect(() => History.open(dir)).toThrow(
      new RegExp(`cannot open history database ${file}: .*schema version ${SCHEMA_VERSION + 5}.*newer Sequence Lab`),
    );
  });

  it('a failing migration leaves the previous version intact', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE datasets (x)'); // clashes with migration 1
    expect(() => migrate(db)).toThrow(/already exists/);
    expect(schemaVersion(db)).toBe(0);
    expect(tables(db)).toEqual(['datasets']);
    db.close();
  });
});
