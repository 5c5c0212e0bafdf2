// Exact writes (issue 17): a short write is continued, a write that cannot
// finish (ENOSPC) is an error, and either way nothing is left at the target
// and nothing is recorded. Short writes are injected through the write
// function; the disk-full cases run on a real 1 MiB tmpfs where the tests may
// mount one (root on Linux), as the repro did.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFolderAtomically } from '../../core/export/write-folder-atomically.ts';
import { exportRun } from '../../core/services/exports.ts';
import { writeFileExactly, writeFileExactlySync, type WriteSyncFn } from '../../core/storage/exact-write.ts';
import { History } from '../../core/storage/history.ts';
import { storedAddingRun } from '../helpers/stored-run.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-exact-'));
const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

/** Writes at most `chunk` bytes per call; after `budget` bytes in all, every write fails with ENOSPC (or writes 0 with `zero`). */
function stingyWrite(chunk: number, budget = Infinity, zero = false): WriteSyncFn {
  let left = budget;
  return (fd, buffer, offset, length) => {
    if (left <= 0) {
      if (zero) return 0;
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    const n = Math.min(chunk, length, left);
    left -= n;
    return fs.writeSync(fd, buffer, offset, n);
  };
}

describe('short writes (injected)', () => {
  it('are continued until every byte is written', () => {
    const out = path.join(scratch, 'continued');
    const files = { 'weights.bin': bytes(10_000), 'model.json': '{"a":1}' };
    const expected = writeFolderAtomically(path.join(scratch, 'reference'), files);
    expect(writeFolderAtomically(out, files, stingyWrite(333))).toBe(expected);
    expect(fs.readFileSync(path.join(out, 'weights.bin'))).toEqual(Buffer.from(files['weights.bin']));
    const file = path.join(scratch, 'one.bin');
    writeFileExactlySync(file, bytes(5000), stingyWrite(1000));
    expect(fs.readFileSync(file)).toEqual(Buffer.from(bytes(5000)));
  });

  it.each([
    ['ENOSPC', false],
    ['no progress', true],
  ] as const)('that cannot finish (%s) fail and leave nothing at the target', (_, zero) => {
    const out = path.join(scratch, `short-${String(zero)}`);
    expect(() => writeFolderAtomically(out, { 'weights.bin': bytes(10_000), 'model.json': '{}' }, stingyWrite(4096, 6000, zero))).toThrow(
      /could not write .*weights\.bin: 5,998 of 10,000 bytes written.*(ENOSPC|no progress)/,
    );
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(scratch).filter((n) => n.includes(`short-${String(zero)}`))).toEqual([]);
    const file = path.join(scratch, `one-${String(zero)}.bin`);
    expect(() => writeFileExactlySync(file, bytes(5000), stingyWrite(1000, 2500, zero))).toThrow(/2,500 of 5,000 bytes/);
    expect(fs.readdirSync(scratch).filter((n) => n.startsWith(`one-${String(zero)}`))).toEqual([]);
  });
});

/** Mounts a 1 MiB tmpfs at a fresh folder, or returns null where that is not allowed. */
function mountTmpfs(): string | null {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    fs.rmdirSync(dir);
    return null;
  }
}

/** Fills the mount until `freePages` 4 KiB pages are left. */
function fill(dir: string, freePages: number): void {
  const reserve = path.join(dir, 'reserve');
  fs.writeFileSync(reserve, bytes(freePages * 4096));
  const fd = fs.openSync(path.join(dir, 'filler'), 'w');
  try {
    for (;;) fs.writeSync(fd, bytes(65536));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    fs.closeSync(fd);
  }
  fs.rmSync(reserve);
}

describe('a full disk (1 MiB tmpfs)', () => {
  let mount: string | null = null;
  beforeAll(() => {
    mount = mountTmpfs();
  });
  afterAll(() => {
    if (mount) {
      execFileSync('umount', [mount]);
      fs.rmdirSync(mount);
    }
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('an export that does not fit fails, leaves no folder (nor .partial-*) and records nothing', async (t) => {
    if (!mount) return t.skip();
    await useCpuBackend();
    const home = fs.mkdtempSync(path.join(scratch, 'home-'));
    const history = History.open(home);
    const run = await storedAddingRun(history);
    fill(mount, 1);
    const out = path.join(mount, 'exp-safetensors');
    await expect(exportRun(history, String(run.id), 'safetensors', out)).rejects.toThrow(/ENOSPC|no space|bytes written/);
    expect(fs.readdirSync(mount).sort()).toEqual(['filler']);
    expect(history.listExports(run.id)).toEqual([]);
    history.close();
  });

  it('a folder whose file only partly fits (the kernel writes short) fails and leaves nothing', (t) => {
    if (!mount) return t.skip();
    fs.rmSync(path.join(mount, 'filler'), { force: true });
    fill(mount, 2);
    const out = path.join(mount, 'exp4-tfjs');
    expect(() => writeFolderAtomically(out, { 'weights.bin': bytes(64 * 1024) })).toThrow(
      /weights\.bin: .* of 65,536 bytes written.*ENOSPC/,
    );
    expect(fs.readdirSync(mount).sort()).toEqual(['filler']);
  });

  it('a token or roll file that does not fit fails and leaves nothing (async writer)', async (t) => {
    if (!mount) return t.skip();
    fs.rmSync(path.join(mount, 'filler'), { force: true });
    fill(mount, 2);
    const file = path.join(mount, 'rolls.bin');
    await expect(writeFileExactly(file, bytes(64 * 1024))).rejects.toThrow(/ENOSPC|bytes written/);
    expect(fs.readdirSync(mount).sort()).toEqual(['filler']);
  });
});
