// Small helpers shared by the history modules: a prepared-statement cache and
// the synchronous=FULL wrapper for rows that must survive a power loss.

import type Database from 'better-sqlite3';

const caches = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * Prepares `sql` once per connection. The trainer appends metrics in a tight
 * loop, and re-preparing every call would dominate the cost of small batches.
 */
export function stmt<R = unknown>(db: Database.Database, sql: string): Database.Statement<unknown[], R> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let s = cache.get(sql);
  if (!s) {
    s = db.prepare(sql);
    cache.set(sql, s);
  }
  return s as Database.Statement<unknown[], R>;
}

/**
 * Runs `fn` (which commits its own transaction) with `synchronous=FULL`, then
 * restores NORMAL. In WAL mode NORMAL already survives an application crash;
 * FULL also fsyncs the WAL at commit, so the row survives a power loss or OS
 * crash. The pragma cannot change inside a transaction, hence the wrapper
 * instead of a statement inside the transaction. Nested calls leave FULL on
 * until the outermost one ends.
 */
export function durably<T>(db: Database.Database, fn: () => T): T {
  if (db.inTransaction) return fn(); // an outer caller owns the commit and its setting
  const before = db.pragma('synchronous', { simple: true }) as number;
  if (before >= 2) return fn();
  db.pragma('synchronous = FULL');
  try {
    return fn();
  } finally {
    db.pragma(`synchronous = ${before}`);
  }
}

/** Converts a SQLite integer id (number or bigint) to a number. */
export function toId(v: number | bigint): number {
  return typeof v === 'bigint' ? Number(v) : v;
}
