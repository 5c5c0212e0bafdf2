// Readable when full (issue 17): with the disk holding the history full, the
// history opens read-only and says why; listing, showing, sampling and
// exporting to another disk keep working, and nothing is written or recorded.
// Runs on a real 2 MiB tmpfs where the tests may mount one (root on Linux).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabService } from '../../core/app/lab-service.ts';
import { exportRun } from '../../core/services/exports.ts';
import { History } from '../../core/storage/history.ts';
import { fillUp, mountTmpfs, unmountTmpfs } from '../helpers/full-disk.ts';
import { storedAddingRun } from '../helpers/stored-run.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

const mount = mountTmpfs('2m', 'seqlab-fullhome-');
const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-otherdisk-'));
afterAll(() => {
  if (mount) unmountTmpfs(mount);
  fs.rmSync(elsewhere, { recursive: true, force: true });
});

describe('a running app whose disk fills up', () => {
  it('keeps answering reads, and a refused write says why writes stopped', async (t) => {
    if (!mount) return t.skip();
    const home = path.join(mount, 'app');
    fs.mkdirSync(home);
    const history = History.open(home);
    const service = new LabService({ dataDir: home, history, mode: 'browser' });
    const d = await service.handle('createSyntheticDataset', {
      task: 'adding',
      length: 6,
      trainSize: 8,
      validSize: 4,
      testSize: 4,
      name: 'small',
    });
    expect(d.ok).toBe(true);
    fillUp(mount);
    // Enough rows to outgrow the pages SQLite has in hand.
    const big = await service.handle('createSyntheticDataset', { task: 'copy', length: 20, trainSize: 100, name: 'x'.repeat(64) });
    let refused = big;
    for (let i = 0; refused.ok && i < 200; i++)
      refused = await service.handle('createSyntheticDataset', {
        task: 'copy',
        length: 20,
        trainSize: 100,
        name: `filler-${i}-${'y'.repeat(50)}`,
      });
    expect(refused).toMatchObject({
      ok: false,
      error: expect.stringMatching(
        /full.*: the disk holding the history is full, so nothing more can be recorded until space is freed; listing, showing, sampling and exporting to another disk keep working$/,
      ),
    });
    const listed = await service.handle('listDatasets', {});
    expect(listed.ok).toBe(true);
    await service.close();
    history.close();
    fs.rmSync(path.join(mount, 'filler'));
    fs.rmSync(home, { recursive: true, force: true });
  });
});

describe('a history on a full disk', () => {
  it('opens read-only, says why, lists, shows and exports to another disk, and refuses writes by name', async (t) => {
    if (!mount) return t.skip();
    await useCpuBackend();
    const setup = History.open(mount);
    const run = await storedAddingRun(setup);
    setup.close();
    fillUp(mount);

    const h = History.open(mount);
    expect(h.readOnlyReason).toMatch(
      /disk holding .*history\.sqlite is full .*opened read-only: listing, showing, sampling and exporting to another disk work/,
    );
    expect(h.listRuns().map((r) => r.id)).toEqual([run.id]);
    expect(h.getRun(run.id)).toMatchObject({ id: run.id, status: 'queued' });
    expect(h.listDatasets().map((d) => d.name)).toEqual(['adding-tiny']);
    expect(h.getMetrics(run.id)).toHaveLength(2);
    expect(h.integrityCheck()).toEqual(['ok']);

    const out = path.join(elsewhere, 'exp');
    const r = await exportRun(h, String(run.id), 'safetensors', out);
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readdirSync(out)).toContain('model.safetensors');
    expect(h.listExports(run.id)).toEqual([]);

    expect(() => h.claimRun(run.id, process.pid)).toThrow(/^cannot train a run: the disk holding .* is full/);
    expect(() =>
      h.createRun({ datasetId: 1, modelKind: 'gru', config: {}, seed: 1, datasetFingerprint: 'x', totalSteps: 1, paramCount: 1 }),
    ).toThrow(/^cannot create a run: /);
    h.close();

    // After space is freed, the history is writable again.
    fs.rmSync(path.join(mount, 'filler'));
    const again = History.open(mount);
    expect(again.readOnlyReason).toBeNull();
    expect(again.claimRun(run.id, process.pid)).toMatchObject({ status: 'running' });
    again.close();
  });
});
