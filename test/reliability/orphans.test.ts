// No orphans (issue 17): what a killed import, a killed export or a failed
// upload left behind is removed when the history next opens, once older than
// the grace period, and `seqlab doctor` says what was reclaimed. Whatever a
// record owns, and anything recent (perhaps still being written), stays.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { History } from '../../core/storage/history.ts';
import { sampleDataset } from '../storage/helpers.ts';
import { seqlab, tempHome } from '../helpers/cli.ts';

const HOUR = 3600_000;

/** Writes `bytes` bytes at `file` (folders created), dated `ageMs` ago, folders too. */
function leave(root: string, rel: string, bytes: number, ageMs: number): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.alloc(bytes, 1));
  const when = new Date(Date.now() - ageMs);
  for (let p = file; p.length > root.length; p = path.dirname(p)) fs.utimesSync(p, when, when);
}

/** A data folder with one owned dataset, one recorded export elsewhere, and orphans of each kind, old and recent. */
function littered(): { home: string; elsewhere: string } {
  const home = tempHome();
  const elsewhere = tempHome();
  leave(home, 'datasets/owned-00000001/tokens.u16', 5000, 3 * HOUR);
  const h = History.open(home, { reclaim: false });
  const ds = h.insertDataset({ ...sampleDataset('owned'), tokenFile: path.join(home, 'datasets/owned-00000001/tokens.u16') });
  const run = h.createRun({
    datasetId: ds.id,
    modelKind: 'lstm',
    config: {},
    seed: 1,
    datasetFingerprint: ds.fingerprint,
    totalSteps: 1,
    paramCount: 1,
  });
  h.recordExport(run.id, { format: 'onnx', path: path.join(elsewhere, 'exp-onnx'), sha256: 'x'.repeat(64) });
  h.close();
  leave(home, 'datasets/killed-0000000a/tokens.u16.tmp', 200_000, 2 * HOUR); // a killed import
  leave(home, 'datasets/busy-0000000b/tokens.u16.tmp', 1000, 60_000); // an import still running elsewhere
  leave(home, 'exports/.run-1-tfjs-2026.partial-4242/weights.bin', 30_000, 2 * HOUR); // a killed default-folder export
  leave(elsewhere, '.exp-tfjs.partial-4343/weights.bin', 20_000, 2 * HOUR); // a killed export beside a recorded one
  leave(elsewhere, '.keep.partial-notapid/x', 10, 2 * HOUR); // not ours: the name does not match
  leave(home, 'uploads/0123456789abcdef01234567/corpus.txt', 7000, 2 * HOUR); // an upload whose import failed
  leave(home, 'uploads/89abcdef0123456789abcdef/corpus.txt', 7000, 10_000); // an upload awaiting its import
  return { home, elsewhere };
}

describe('orphans', () => {
  it('are removed on open after the grace period, with a report; owned and recent entries stay', () => {
    const { home, elsewhere } = littered();
    const h = History.open(home);
    const r = h.reclaimed!;
    expect(
      r.removed
        .map((x) => [x.kind, path.relative(home, x.path).startsWith('..') ? path.basename(x.path) : path.relative(home, x.path), x.bytes])
        .sort(),
    ).toEqual([
      ['export', '.exp-tfjs.partial-4343', 20_000],
      ['export', 'exports/.run-1-tfjs-2026.partial-4242', 30_000],
      ['import', 'datasets/killed-0000000a', 200_000],
      ['upload', 'uploads/0123456789abcdef01234567', 7000],
    ]);
    expect(r.bytes).toBe(257_000);
    expect(r.failed).toEqual([]);
    expect(fs.readdirSync(path.join(home, 'datasets')).sort()).toEqual(['busy-0000000b', 'owned-00000001']);
    expect(fs.readdirSync(path.join(home, 'uploads'))).toEqual(['89abcdef0123456789abcdef']);
    expect(fs.readdirSync(elsewhere)).toEqual(['.keep.partial-notapid']);
    h.close();
    // Nothing left to reclaim on the next open; a worker's open (markCrashed: false) does not look.
    expect(History.open(home).reclaimed).toEqual({ removed: [], bytes: 0, failed: [] });
    expect(History.open(home, { markCrashed: false }).reclaimed).toBeNull();
  });

  it('seqlab doctor reports what it reclaimed', () => {
    const { home } = littered();
    const r = seqlab(home, ['doctor']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/reclaimed 0\.3 MB on open: 1 partial import, 2 partial exports, 1 stale upload/);
    expect(seqlab(home, ['doctor']).stdout).toMatch(/reclaimed nothing left behind by interrupted imports, exports or uploads/);
  });
});
