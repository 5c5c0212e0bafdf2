// Migrations: idempotent, tracked in user_version, and a newer database is refused.

import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from '../../core/storage/schema.ts';
import { History } from '../../core/storage/history.ts';
import { cleanupTempDirs, tempDir } from './helpers.ts';

afterEach(cleanupTempDirs);

const tables = (db: Database.Database): string[] =>
  (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[]);

describe('migrations', () => {
  it('apply once and set user_version; running again changes nothing', () => {
    const db = new Database(path.join(tempDir(), 'm.sqlite'));
    expect(schemaVersion(db)).toBe(0);
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    const first = db.prepare('SELECT sql FROM sqlite_master ORDER BY name').pluck().all();
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT sql FROM sqlite_master ORDER BY name').pluck().all()).toEqual(first);
    expect(tables(db)).toEqual(['audio_samples', 'checkpoints', 'datasets', 'experiment_runs', 'experiments', 'exports', 'metrics', 'runs', 'samples']);
    db.close();
  });

  it('2 rebuilds datasets for music and synthetic kinds without losing rows or the runs that point at them', () => {
    const db = new Database(path.join(tempDir(), 'v1.sqlite'));
    db.pragma('foreign_keys = ON');
    db.exec(MIGRATIONS[0]!);
    db.pragma('user_version = 1');
    const at = '2026-01-01T00:00:00.000Z';
    db.prepare(`INSERT INTO datasets (name, kind, level, source, fingerprint, encoding, vocab_json, stats_json, splits_json, token_file, created_at)
                VALUES ('old', 'text', 'char', 's', 'f', 'utf-8', '{}', '{}', '{}', '/t', ?)`).run(at);
    db.prepare(`INSERT INTO runs (dataset_id, model_kind, config_json, seed, dataset_fingerprint, total_steps, param_count, created_at, updated_at)
                VALUES (1, 'lstm', '{}', 1, 'f', 10, 5, ?, ?)`).run(at, at);
    db.prepare(`INSERT INTO metrics (run_id, step, wall_ms, train_loss) VALUES (1, 1, 2, 3)`).run();
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT name, kind, level, task_json FROM datasets').all()).toEqual([{ name: 'old', kind: 'text', level: 'char', task_json: null }]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.prepare('SELECT valid_accuracy, stability_bound, contraction FROM metrics').get()).toEqual({ valid_accuracy: null, stability_bound: null, contraction: null });
    // The rebuilt table keeps its constraints: runs still refer to it, the kind check holds.
    expect(() => db.prepare('DELETE FROM datasets WHERE id = 1').run()).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare(`UPDATE datasets SET kind = 'video' WHERE id = 1`).run()).toThrow(/CHECK/);
    db.prepare(`UPDATE datasets SET kind = 'music', level = NULL, task_json = '{}' WHERE id = 1`).run();
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
