// Orphan reclaim leaves alone a folder a live process is still writing (issue
// 17): a slow import may not touch its files for longer than the grace period.
// A real second process marks a folder (pid + start time); reclaim skips it
// while that process lives, and removes it once it is gone, or when the
// marker's pid now belongs to a process that started at another time.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIVE_MARKER, processStartTime } from '../../core/storage/live-marker.ts';
import { reclaimOrphans } from '../../core/storage/reclaim-orphans.ts';
import { tempHome } from '../helpers/cli.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const HOLDER = path.join(REPO_ROOT, 'test/reliability/fixtures/folder-holder.ts');
const HOUR = 3600_000;

/** Dates every entry under `dir` (and `dir`) `ageMs` ago. */
function age(dir: string, ageMs: number): void {
  const when = new Date(Date.now() - ageMs);
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) fs.utimesSync(path.join(dir, name), when, when);
  fs.utimesSync(dir, when, when);
}

/** A slow import's folder: two hours untouched, marked by a live second process. */
async function heldFolder(home: string): Promise<{ dir: string; release: () => Promise<void>; pid: number }> {
  const dir = path.join(home, 'datasets', 'slow-0000000c');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'tokens.u16.tmp'), Buffer.alloc(4096, 1));
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, dir], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  age(dir, 2 * HOUR);
  const release = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.stdin.end();
    });
  return { dir, release, pid: child.pid! };
}

const reclaim = (home: string) => reclaimOrphans(home, { datasetFolders: [], exportParents: [] });

describe('a folder a live process is writing', () => {
  it('is skipped however old its files are, and reclaimed once its writer is gone', async () => {
    const home = tempHome();
    const { dir, release, pid } = await heldFolder(home);
    expect(JSON.parse(fs.readFileSync(path.join(dir, LIVE_MARKER), 'utf8'))).toEqual({ pid, start: processStartTime(pid) });
    expect(reclaim(home).removed).toEqual([]);
    expect(fs.existsSync(dir)).toBe(true);
    await release();
    expect(reclaim(home).removed.map((r) => path.basename(r.path))).toEqual(['slow-0000000c']);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('is reclaimed when its pid now names a process that started at another time (pid reuse)', async () => {
    const home = tempHome();
    const { dir, release, pid } = await heldFolder(home);
    try {
      // The writer died and the kernel gave its pid to a later process: same pid, other start time.
      fs.writeFileSync(path.join(dir, LIVE_MARKER), JSON.stringify({ pid, start: '1' }));
      age(dir, 2 * HOUR);
      expect(reclaim(home).removed.map((r) => path.basename(r.path))).toEqual(['slow-0000000c']);
    } finally {
      await release();
    }
  });
});
