// Opening the history when the disk is full. Every normal open writes (the WAL
// index, the probe, migrations), so on a full disk it fails while the data is
// intact. Reading still works: a plain read-only open where the WAL index
// (-shm) already exists, else an in-memory copy of the database file — with
// no room for the index, SQLite cannot read a WAL database in place.
import fs from 'node:fs';
import Database from 'better-sqlite3';

/** What a user is told when a write fails for lack of space (after the failed write's own message). */
export const DISK_FULL_NOTE =
  'the disk holding the history is full, so nothing more can be recorded until space is freed; listing, showing, sampling and exporting to another disk keep working';

/**
 * An ENOSPC error when the file system holding `dir` has no block left for
 * this user, else null (also where statfs cannot tell). Why: SQLite still
 * writes into pages its files already hold (a write-ahead log's spare frames),
 * so on a full disk the open's probe can succeed and the first write that
 * needs a new block fail later; whether it did depended on what the last
 * process left in the log. With nothing free, the history opens read-only
 * from the start.
 */
export function noSpaceLeft(dir: string): Error | null {
  try {
    if (fs.statfsSync(dir).bavail > 0) return null;
  } catch {
    return null;
  }
  return Object.assign(new Error('no free block left on the file system'), { code: 'ENOSPC' });
}

/** Whether an error means the disk (or the quota) is full. */
export function isDiskFull(err: unknown): boolean {
  const code = String((err as { code?: unknown } | undefined)?.code ?? '');
  const message = err instanceof Error ? err.message : String(err);
  return (
    code === 'ENOSPC' ||
    code === 'EDQUOT' ||
    code === 'SQLITE_FULL' ||
    code === 'SQLITE_IOERR_SHMSIZE' ||
    /disk is full|no space left/i.test(message)
  );
}

/**
 * A read-only connection to `file`, without writing anything next to it.
 * Commits still only in a WAL file that cannot be indexed are not visible in
 * the in-memory copy; `partial` says so.
 */
export function openReadOnly(file: string): { db: Database.Database; partial: boolean } {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get(); // the WAL index is touched on the first read
    return { db, partial: false };
  } catch (err) {
    db?.close();
    if (!isDiskFull(err)) throw err;
  }
  const bytes = fs.readFileSync(file);
  // Bytes 18 and 19 say "WAL" (2); an in-memory database cannot be in WAL mode, so the copy says "rollback" (1).
  if (bytes.length >= 20) bytes[18] = bytes[19] = 1;
  const walSize = fs.statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
  return { db: new Database(bytes, { readonly: true }), partial: walSize > 0 };
}
