// A database that cannot be written gives a clear error naming the file, at open.
// Tests run as root, where chmod does not stop writes: then the open runs in a
// child process as user "nobody" (uid 65534), which the permissions do stop.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { History } from '../../core/storage/history.ts';
import { FIXTURES, REPO_ROOT, cleanupTempDirs, tempDir } from './helpers.ts';

afterEach(cleanupTempDirs);

const isRoot = process.getuid?.() === 0;

/** Opens the history in `dir` as a user that the file permissions apply to. */
function openAsUnprivileged(dir: string): { ok: boolean; error?: string } {
  if (!isRoot) {
    try {
      History.open(dir).close();
      return { ok: true };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(FIXTURES, 'open-history.ts'), dir], {
    cwd: REPO_ROOT,
    uid: 65534,
    gid: 65534,
    env: { ...process.env, HOME: '/tmp' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  const line = res.stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith('{')) throw new Error(`open-history child failed (${res.status}): ${res.stderr}`);
  return JSON.parse(line) as { ok: boolean; error?: string };
}

/** Makes a root-created data folder writable by the unprivileged child. */
function shareWithEveryone(dir: string): void {
  fs.chmodSync(dir, 0o777);
  for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o666);
}

describe('unwritable database', () => {
  it('a read-only file in a read-only folder is refused with the file and the cause', () => {
    const dir = tempDir();
    History.open(dir).close();
    const file = path.join(dir, 'history.sqlite');
    shareWithEveryone(dir);
    expect(openAsUnprivileged(dir)).toEqual({ ok: true }); // the same open works while writable
    for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o444);
    fs.chmodSync(dir, 0o555);
    const res = openAsUnprivileged(dir);
    expect(res.ok).toBe(false);
    expect(res.error).toContain(`cannot open history database ${file}: `);
    expect(res.error).toMatch(/readonly|read-only|permission|EACCES/i);
    expect(res.error).toContain('check that the file and its folder are writable');
  }, 60_000);

  it('a read-only file in a writable folder is refused too (SQLite would open it read-only)', () => {
    const dir = tempDir();
    History.open(dir).close();
    shareWithEveryone(dir);
    expect(openAsUnprivileged(dir)).toEqual({ ok: true });
    fs.chmodSync(path.join(dir, 'history.sqlite'), 0o444);
    const res = openAsUnprivileged(dir);
    expect(res.ok).toBe(false);
    expect(res.error).toMatch(/cannot open history database .*history\.sqlite: attempt to write a readonly database/);
  }, 60_000);

  it('a data folder inside a regular file names the file and ENOTDIR', () => {
    const base = tempDir();
    const blocker = path.join(base, 'blocker');
    fs.writeFileSync(blocker, 'x');
    const dir = path.join(blocker, 'seqlab');
    expect(() => History.open(dir)).toThrow(new RegExp(`cannot open history database ${path.join(dir, 'history.sqlite')}: .*ENOTDIR`));
  });

  it('a file that is not a database is refused', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'history.sqlite'), 'this is not sqlite'.repeat(100));
    expect(() => History.open(dir)).toThrow(/cannot open history database .*history\.sqlite: file is not a database/);
  });
});
