// Round trips through every table of the history, and the rules around them.

import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { History, type MetricRow } from '../../core/storage/history.ts';
import { cleanupTempDirs, sampleDataset, seedRun, tempDir } from './helpers.ts';

let dir: string;
let h: History;
beforeEach(() => {
  dir = tempDir();
  h = History.open(dir);
});
afterEach(() => {
  h.close();
  cleanupTempDirs();
});

/** A second raw connection, for checks and damage the API does not allow. */
function raw(): Database.Database {
  return new Database(path.join(dir, 'history.sqlite'));
}

const metric = (step: number, validLoss: number | null = null): MetricRow => ({
  step,
  wallMs: step * 10,
  trainLoss: 3 - step / 100,
  validLoss,
  bitsPerSymbol: 4.2,
  validAccuracy: null,
  stabilityBound: null,
  contraction: null,
  tokensPerSec: 1000 + step,
  gradNorm: 0.5,
  lr: 1e-3,
});

describe('datasets', () => {
  it('round-trips, finds by name or id, and refuses duplicates', () => {
    const d = h.insertDataset(sampleDataset('shakespeare'));
    expect(d).toMatchObject({ ...sampleDataset('shakespeare'), id: expect.any(Number) });
    expect(d.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(h.getDataset('shakespeare')).toEqual(d);
    expect(h.getDataset(d.id)).toEqual(d);
    expect(h.getDataset(String(d.id))).toEqual(d);
    expect(h.getDataset('nope')).toBeUndefined();
    expect(() => h.insertDataset(sampleDataset('shakespeare'))).toThrow('dataset "shakespeare" already exists');
    h.insertDataset(sampleDataset('abc'));
    expect(h.listDatasets().map((x) => x.name)).toEqual(['abc', 'shakespeare']);
  });

  it('refuses invalid datasets, naming the field', () => {
    const bad = { ...sampleDataset('bad'), splits: { train: { start: 0, end: -1 } } } as never;
    expect(() => h.insertDataset(bad)).toThrow(/invalid dataset "bad": splits.train.end: .*; splits.valid: /);
    expect(h.listDatasets()).toEqual([]);
  });

  it('refuses deletion while runs use it', () => {
    const runId = seedRun(h, 'used');
    const ds = h.getDataset('used')!;
    expect(() => h.deleteDataset(ds.id)).toThrow('dataset "used" is used by 1 run(s)');
    h.deleteRun(runId);
    expect(h.deleteDataset(ds.id)).toBe(true);
    expect(h.deleteDataset(ds.id)).toBe(false);
  });

  it('names table, id and column for a corrupt JSON column', () => {
    const d = h.insertDataset(sampleDataset());
    const db = raw();
    db.prepare('UPDATE datasets SET vocab_json = ? WHERE id = ?').run('{"level":', d.id);
    expect(() => h.getDataset(d.id)).toThrow(new RegExp(`corrupt datasets id ${d.id} column vocab_json: invalid JSON`));
    db.prepare('UPDATE datasets SET vocab_json = ?, stats_json = ? WHERE id = ?').run(
      JSON.stringify(sampleDataset().vocab),
      '{"files":1}',
      d.id,
    );
    expect(() => h.listDatasets()).toThrow(new RegExp(`corrupt datasets id ${d.id} column stats_json: sourceBytes`));
    db.close();
  });
});

describe('runs', () => {
  it('creates queued runs, lists newest first, filters', () => {
    const a = seedRun(h, 'one');
    const b = seedRun(h, 'two');
    const run = h.getRun(a)!;
    expect(run).toMatchObject({
      id: a,
      name: null,
      modelKind: 'lstm',
      config: { hidden: 32, layers: 1 },
      seed: 7,
      status: 'queued',
      step: -1,
      totalSteps: 1000,
      paramCount: 1234,
      validLoss: null,
      trainLoss: null,
      error: null,
      pid: null,
      backend: null,
      device: null,
      startedAt: null,
      finishedAt: null,
      datasetFingerprint: 'fp-one',
    });
    expect(h.listRuns().map((r) => r.id)).toEqual([b, a]);
    expect(h.listRuns({ datasetId: h.getDataset('two')!.id }).map((r) => r.id)).toEqual([b]);
    expect(h.listRuns({ status: 'running' })).toEqual([]);
    const { modelKind, seed, datasetFingerprint, totalSteps, paramCount } = run;
    expect(() => h.createRun({ datasetId: 999, config: {}, modelKind, seed, datasetFingerprint, totalSteps, paramCount })).toThrow(
      'no dataset with id 999',
    );
    expect(() =>
      h.createRun({ datasetId: run.datasetId, config: undefined, modelKind, seed, datasetFingerprint, totalSteps, paramCount }),
    ).toThrow('run config cannot be stored as JSON');
  });

  it('moves through running to a final state', () => {
    const id = seedRun(h);
    const r1 = h.markRunning(id, { pid: process.pid, backend: 'cpu', device: 'test-cpu' });
    expect(r1).toMatchObject({ status: 'running', pid: process.pid, backend: 'cpu', device: 'test-cpu' });
    expect(r1.startedAt).not.toBeNull();
    const r2 = h.setStatus(id, 'diverged', 'loss became NaN at step 3');
    expect(r2).toMatchObject({ status: 'diverged', error: 'loss became NaN at step 3' });
    expect(r2.finishedAt).not.toBeNull();
    // Resuming clears the error and finish time but keeps the first start.
    const r3 = h.markRunning(id, { pid: process.pid, backend: 'cpu', device: 'test-cpu' });
    expect(r3).toMatchObject({ status: 'running', error: null, finishedAt: null, startedAt: r1.startedAt });
    expect(h.listRuns({ status: 'running' }).map((r) => r.id)).toEqual([id]);
    expect(() => h.setStatus(999, 'completed')).toThrow('no run with id 999');
  });

  it('refuses to run a run that another live process runs', () => {
    const id = seedRun(h);
    h.markRunning(id, { pid: process.pid, backend: 'cpu', device: 'x' });
    expect(() => h.markRunning(id, { pid: process.ppid, backend: 'cpu', device: 'x' })).toThrow(
      `run ${id} is already running in process ${process.pid}`,
    );
  });

  it('resolves numeric ids and explains unknown ones', () => {
    const id = seedRun(h);
    expect(h.resolveRun(String(id)).id).toBe(id);
    expect(h.resolveRun(` ${id} `).id).toBe(id);
    expect(() => h.resolveRun('42')).toThrow('no run "42"; list runs with: seqlab runs');
    expect(() => h.resolveRun('lstm-1')).toThrow('no run "lstm-1"; list runs with: seqlab runs');
    expect(() => h.resolveRun('')).toThrow('no run ""');
  });

  it('names the run id when config_json is damaged', () => {
    const id = seedRun(h);
    const db = raw();
    db.prepare('UPDATE runs SET config_json = ? WHERE id = ?').run('{oops', id);
    db.close();
    expect(() => h.getRun(id)).toThrow(new RegExp(`corrupt runs id ${id} column config_json`));
  });

  it('deleting a run cascades to everything attached', () => {
    const id = seedRun(h);
    h.appendMetrics(id, [metric(0)]);
    h.saveCheckpoint(id, 0, new Uint8Array([1, 2, 3]));
    h.addSample(id, { step: 0, temperature: 1, topK: null, prime: 'a', text: 'ab' });
    h.recordExport(id, { format: 'tfjs', path: '/tmp/m', sha256: 'x' });
    expect(h.deleteRun(id)).toBe(true);
    const db = raw();
    for (const t of ['metrics', 'samples', 'checkpoints', 'exports']) {
      expect(db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get()).toBe(0);
    }
    db.close();
    expect(h.deleteRun(id)).toBe(false);
  });
});

describe('metrics', () => {
  it('appends, updates the run row and polls by step', () => {
    const id = seedRun(h);
    const before = h.getRun(id)!.updatedAt;
    h.appendMetrics(id, [metric(0), metric(1, 2.5), metric(2)]);
    let run = h.getRun(id)!;
    expect(run).toMatchObject({ step: 2, trainLoss: metric(2).trainLoss, validLoss: 2.5 });
    expect(run.updatedAt >= before).toBe(true);
    h.appendMetrics(id, [metric(3, 2.25), metric(4)]);
    run = h.getRun(id)!;
    expect(run).toMatchObject({ step: 4, trainLoss: metric(4).trainLoss, validLoss: 2.25 });
    expect(h.getMetrics(id)).toEqual([0, 1, 2, 3, 4].map((s) => metric(s, s === 1 ? 2.5 : s === 3 ? 2.25 : null)));
    expect(h.getMetrics(id, 2).map((m) => m.step)).toEqual([3, 4]);
  });

  it('keeps a NaN loss as NaN and refuses duplicate steps', () => {
    const id = seedRun(h);
    h.appendMetrics(id, [{ ...metric(0), trainLoss: Number.NaN, gradNorm: Number.POSITIVE_INFINITY }]);
    const [m] = h.getMetrics(id);
    expect(m!.trainLoss).toBeNaN();
    expect(m!.gradNorm).toBe(Number.POSITIVE_INFINITY);
    expect(() => h.appendMetrics(id, [metric(1), metric(0)])).toThrow(/already has metrics for step 0/);
    expect(h.getMetrics(id)).toHaveLength(1); // the whole batch rolled back
    expect(() => h.appendMetrics(999, [metric(0)])).toThrow('no run with id 999');
  });

  it('truncates after a step and re-derives the run summary', () => {
    const id = seedRun(h);
    h.appendMetrics(id, [metric(0), metric(1, 2.5), metric(2), metric(3, 2.0), metric(4)]);
    expect(h.truncateMetricsAfter(id, 2)).toBe(2);
    expect(h.getMetrics(id).map((m) => m.step)).toEqual([0, 1, 2]);
    expect(h.getRun(id)).toMatchObject({ step: 2, trainLoss: metric(2).trainLoss, validLoss: 2.5 });
    h.appendMetrics(id, [metric(3)]); // the curve continues without a gap
    expect(h.getMetrics(id).map((m) => m.step)).toEqual([0, 1, 2, 3]);
    expect(h.truncateMetricsAfter(id, -1)).toBe(4);
    expect(h.getRun(id)).toMatchObject({ step: -1, trainLoss: null, validLoss: null });
  });
});

describe('checkpoints', () => {
  const blob = (step: number, size = 64): Uint8Array => new Uint8Array(size).fill(step % 256);

  it('keeps the 2 newest and loads the newest', () => {
    const id = seedRun(h);
    for (const step of [10, 20, 30, 40]) h.saveCheckpoint(id, step, blob(step));
    const list = h.listCheckpoints(id);
    expect(list.map((c) => c.step)).toEqual([40, 30]);
    expect(list[0]).toMatchObject({ runId: id, size: 64, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(list[0]).not.toHaveProperty('bytes');
    const latest = h.loadLatestCheckpoint(id)!;
    expect(latest.step).toBe(40);
    expect(Array.from(latest.bytes)).toEqual(Array.from(blob(40)));
    h.saveCheckpoint(id, 50, blob(50), 3);
    expect(h.listCheckpoints(id).map((c) => c.step)).toEqual([50, 40, 30]);
    expect(h.loadLatestCheckpoint(seedRun(h))).toBeUndefined();
  });

  it('falls back to the previous checkpoint when the newest is corrupt', () => {
    const id = seedRun(h);
    h.saveCheckpoint(id, 10, blob(10));
    h.saveCheckpoint(id, 20, blob(20));
    const db = raw();
    // Zero the newest blob in place (same size): only the hash can tell.
    db.prepare('UPDATE checkpoints SET bytes = zeroblob(64) WHERE run_id = ? AND step = 20').run(id);
    const skipped: [number, string][] = [];
    const latest = h.loadLatestCheckpoint(id, (step, reason) => skipped.push([step, reason]));
    expect(latest?.step).toBe(10);
    expect(Array.from(latest!.bytes)).toEqual(Array.from(blob(10)));
    expect(skipped).toEqual([[20, expect.stringMatching(/step 20: sha256 mismatch/)]]);
    // Truncated blobs are caught by the size check; with both bad there is nothing.
    db.prepare("UPDATE checkpoints SET bytes = X'0102' WHERE run_id = ? AND step = 10").run(id);
    db.close();
    const reasons: string[] = [];
    expect(h.loadLatestCheckpoint(id, (_s, r) => reasons.push(r))).toBeUndefined();
    expect(reasons[1]).toMatch(/size 2 differs from recorded 64/);
  });

  it('a save after resuming from an older checkpoint drops the abandoned newer ones', () => {
    const id = seedRun(h);
    h.saveCheckpoint(id, 10, blob(10));
    h.saveCheckpoint(id, 20, blob(20));
    h.saveCheckpoint(id, 15, blob(15)); // resumed from 10, checkpointing again at 15
    expect(h.listCheckpoints(id).map((c) => c.step)).toEqual([15, 10]);
  });
});

describe('samples and exports', () => {
  it('round-trip in insertion order', () => {
    const id = seedRun(h);
    const s1 = h.addSample(id, { step: 100, temperature: 0.8, topK: 5, prime: 'The', text: 'The cat' });
    const s2 = h.addSample(id, { step: 200, temperature: 1.0, topK: null, prime: '', text: 'xyz' });
    expect(h.listSamples(id)).toEqual([s1, s2]);
    expect(s1).toMatchObject({ runId: id, step: 100, temperature: 0.8, topK: 5, prime: 'The', text: 'The cat' });
    const e = h.recordExport(id, { format: 'tfjs-layers', path: '/out/model.json', sha256: 'ab'.repeat(32) });
    expect(h.listExports(id)).toEqual([e]);
    expect(e).toMatchObject({ runId: id, format: 'tfjs-layers', path: '/out/model.json' });
    expect(() => h.addSample(999, { step: 0, temperature: 1, topK: null, prime: '', text: '' })).toThrow('no run with id 999');
  });
});

describe('resume', () => {
  it("drops the samples taken after the checkpoint step, keeping the earlier ones and other runs' samples", () => {
    const id = seedRun(h);
    const other = seedRun(h);
    for (const step of [5, 10, 15]) h.addSample(id, { step, temperature: 1, topK: null, prime: '', text: `at ${step}` });
    h.addSample(other, { step: 15, temperature: 1, topK: null, prime: '', text: 'other' });
    expect(h.truncateSamplesAfter(id, 10)).toBe(1);
    expect(h.listSamples(id).map((s) => s.step)).toEqual([5, 10]);
    expect(h.listSamples(other).map((s) => s.step)).toEqual([15]);
  });
});
