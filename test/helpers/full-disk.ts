// A real full disk for the reliability and read-only tests: a small tmpfs the
// test may mount (root on Linux; null elsewhere, so the test skips), filled to
// its last block.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Mounts a tmpfs of `size` (e.g. '2m') on a fresh temp folder named from `prefix`; null where mounting is not allowed. */
export function mountTmpfs(size: string, prefix = 'seqlab-full-'): string | null {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    fs.rmdirSync(dir);
    return null;
  }
}

/** Fills the file system holding `dir` to the last block (halving the write until even 512 bytes do not fit). */
export function fillUp(dir: string): void {
  const fd = fs.openSync(path.join(dir, 'filler'), 'w');
  try {
    for (let chunk = 65536; chunk >= 512;) {
      try {
        fs.writeSync(fd, new Uint8Array(chunk));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
        chunk /= 2;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Unmounts (lazily, so an open handle cannot block it) and removes a folder from mountTmpfs. */
export function unmountTmpfs(dir: string): void {
  execFileSync('umount', ['-l', dir]);
  fs.rmdirSync(dir);
}
