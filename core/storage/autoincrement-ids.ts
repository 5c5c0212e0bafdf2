// Rebuilds a table so that its integer primary key is AUTOINCREMENT: SQLite
// then never hands a deleted row's id to a new row (a plain INTEGER PRIMARY
// KEY reuses the largest one). The new table is the old one's own CREATE
// statement with AUTOINCREMENT added, so columns other migrations added are
// kept whatever order migrations were appended in; rows keep their ids and
// the table's indexes are made again. Runs inside migrate()'s transaction,
// with foreign keys off (a TABLE_REBUILDS migration).
import type Database from 'better-sqlite3';

/** Rebuilds `table` with `id INTEGER PRIMARY KEY AUTOINCREMENT`; no-op when it already is. */
export function rebuildWithAutoincrement(db: Database.Database, table: string): void {
  const row = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) as { sql: string } | undefined;
  if (!row) throw new Error(`migration: table ${table} is missing`);
  if (/AUTOINCREMENT/i.test(row.sql)) return;
  const keyed = row.sql.replace(/\bid(\s+)INTEGER(\s+)PRIMARY(\s+)KEY\b/i, 'id$1INTEGER$2PRIMARY$3KEY AUTOINCREMENT');
  if (keyed === row.sql) throw new Error(`migration: table ${table} has no "id INTEGER PRIMARY KEY" column`);
  const temp = `${table}_autoincrement`;
  const created = keyed.replace(/^CREATE TABLE\s+("[^"]+"|\S+)/i, `CREATE TABLE ${temp}`);
  const indexes = (
    db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`).all(table) as { sql: string }[]
  ).map((r) => r.sql);
  db.exec(created);
  db.exec(`INSERT INTO ${temp} SELECT * FROM "${table}"`);
  db.exec(`DROP TABLE "${table}"`);
  db.exec(`ALTER TABLE ${temp} RENAME TO "${table}"`);
  for (const sql of indexes) db.exec(sql);
}
