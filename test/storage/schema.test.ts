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
    expect(tables(db)).toEqual(['checkpoints', 'datasets', 'exports', 'metrics', 'runs', 'samples']);
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
