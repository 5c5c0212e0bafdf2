// Run bundles (version 1) without a scheduler: trials trained by the real
// training worker into bundles, read back and verified, merged into the
// history; a changed byte and a newer version are refused by name; collecting
// twice gives the same history; a task that died without a bundle leaves its
// trial failed with its log. The work folder survives a torn append.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltinDataset } from '../../core/services/datasets.ts';
import { readBundle } from '../../core/services/sweep-bundles/bundle-files.ts';
import { BUNDLE_RUN_ID, BundleRunStore } from '../../core/services/sweep-bundles/bundle-run-store.ts';
import { collectSweep } from '../../core/services/sweep-bundles/collect-bundles.ts';
import { runTrialToBundle } from '../../core/worker/bundle-trial.ts';
import { trialBundleDir, trialLogPath, trialWorkDir, writeSharedSweep } from '../../core/services/sweep-bundles/shared-sweep.ts';
import { createSweep, loadSweep } from '../../core/services/sweeps/sweep-store.ts';
import { History } from '../../core/storage/history.ts';
import { cleanupTempDirs, tempDir } from '../storage/helpers.ts';

afterAll(cleanupTempDirs);

const dataDir = tempDir();
const sharedDir = tempDir();
let history: History;
let sweepId: number;
let folder: string;

/** Everything collect may touch, for comparing two collects. */
function snapshot() {
  const sweep = loadSweep(history, sweepId);
  const runs = sweep.trials.map((t) =>
    t.runId === null
      ? null
      : {
          run: history.getRun(t.runId),
          metrics: history.getMetrics(t.runId),
          samples: history.listSamples(t.runId),
          checkpoints: history.listCheckpoints(t.runId),
        },
  );
  return {
    trials: sweep.trials.map(({ updatedAt: _u, ...t }) => t),
    runs: runs.map((r) => r && { ...r, run: { ...r.run, updatedAt: '' } }),
    runCount: history.listRuns().length,
  };
}

/** A copy of trial `i`'s bundle in a scratch folder, to damage. */
function copyOfBundle(i: number): string {
  const copy = path.join(tempDir(), `trial-${i}`);
  fs.cpSync(trialBundleDir(folder, i), copy, { recursive: true });
  return copy;
}

beforeAll(async () => {
  history = History.open(dataDir);
  const dataset = await ensureBuiltinDataset(history, dataDir, 'brackets');
  const sweep = createSweep(history, dataset, {
    method: 'grid',
    steps: 12,
    base: { batchSize: 4, seqLen: 16, validEvery: 6, checkpointEvery: 6, sampleEvery: 12, sampleLength: 20, backend: 'cpu' },
    space: { hiddenSize: [8, 12, 16] },
  });
  sweepId = sweep.id;
  folder = writeSharedSweep(
    sharedDir,
    sweep.id,
    dataset,
    sweep.trials.map((t) => t.config),
  );
  // Trials 0 and 1 train for real (the training child process, writing the work folder); trial 2 never runs.
  for (const i of [0, 1]) {
    fs.writeFileSync(trialLogPath(folder, i), `log of trial ${i}\n`);
    const out = await runTrialToBundle(folder, i);
    expect(out.manifest.state.status).toBe('completed');
  }
}, 240_000);

afterAll(() => history.close());

describe('run bundles', () => {
  it('hold the whole run: config, every metric row, samples, final checkpoint, log, and a manifest hashing each file', () => {
    const b = readBundle(trialBundleDir(folder, 1));
    expect(b.manifest).toMatchObject({
      format: 'seqlab-run-bundle',
      bundleVersion: 1,
      sweepId,
      trialIndex: 1,
      state: { status: 'completed', step: 12, totalSteps: 12, checkpointStep: 12 },
    });
    expect(b.config).toEqual(loadSweep(history, sweepId).trials[1]!.config);
    expect(b.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(b.metrics.filter((m) => m.validLoss !== null).map((m) => m.step)).toEqual([6, 12]);
    expect(b.samples.map((s) => s.step)).toEqual([12]);
    expect(b.checkpoint!.byteLength).toBe(b.manifest.files['checkpoint.safetensors']!.bytes);
    expect(b.log).toContain('log of trial 1');
    expect(Object.keys(b.manifest.files).sort()).toEqual([
      'checkpoint.safetensors',
      'config.json',
      'log.txt',
      'metrics.json',
      'samples.json',
    ]);
  });

  it('refuse a file whose bytes differ from the manifest, naming the file', () => {
    const copy = copyOfBundle(0);
    const file = path.join(copy, 'metrics.json');
    const original = fs.readFileSync(file);
    const bytes = Buffer.from(original);
    bytes[bytes.length - 2] = bytes[bytes.length - 2] === 0x30 ? 0x31 : 0x30; // same length, one digit changed
    fs.writeFileSync(file, bytes);
    expect(() => readBundle(copy)).toThrow(/metrics\.json: sha256 [0-9a-f]{64} does not match the manifest's [0-9a-f]{64}$/);
    fs.writeFileSync(file, original);
    expect(readBundle(copy).metrics).toHaveLength(12);
    fs.rmSync(path.join(copy, 'log.txt'));
    expect(() => readBundle(copy)).toThrow(/log\.txt is listed in the manifest but missing$/);
  });

  it('refuse a bundle of a newer version with both versions named', () => {
    const copy = copyOfBundle(0);
    const file = path.join(copy, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...manifest, bundleVersion: 2, seqlabVersion: '9.0.0', newField: true }));
    expect(() => readBundle(copy)).toThrow(
      /is run bundle version 2 \(written by seqlab 9\.0\.0\); this seqlab \(\S+\) reads bundle version 1 at most: collect it with a newer seqlab$/,
    );
  });

  it('merge into the history as ordinary runs equal to the bundles, and collecting twice gives the same history', async () => {
    const first = await collectSweep(history, sweepId, { sharedDir });
    expect(first.merged.map((m) => [m.index, m.status, m.state])).toEqual([
      [0, 'completed', 'completed'],
      [1, 'completed', 'completed'],
    ]);
    expect(first.waiting).toEqual([2]); // no scheduler and not --all-ended: trial 2 may still be running somewhere
    for (const i of [0, 1]) {
      const b = readBundle(trialBundleDir(folder, i));
      const trial = loadSweep(history, sweepId).trials[i]!;
      const run = history.getRun(trial.runId!)!;
      expect(run).toMatchObject({ status: 'completed', step: 12, name: `sweep ${sweepId} trial ${i}`, backend: b.manifest.state.backend });
      expect(history.getMetrics(run.id)).toEqual(b.metrics);
      expect(history.listSamples(run.id).map((s) => s.text)).toEqual(b.samples.map((s) => s.text));
      const ckpt = history.loadLatestCheckpoint(run.id)!;
      expect([ckpt.step, Buffer.from(ckpt.bytes).equals(b.checkpoint!)]).toEqual([12, true]);
      expect(trial.metric).toBe(b.manifest.state.validLoss);
    }
    const before = snapshot();
    const second = await collectSweep(history, sweepId, { sharedDir });
    expect(second.merged).toEqual([]);
    expect(second.already).toEqual([0, 1]);
    expect(snapshot()).toEqual(before);
  });

  it('leave a trial whose task ended without a bundle failed, with its log', async () => {
    fs.writeFileSync(trialLogPath(folder, 2), 'line one\nslurmstepd: error: *** JOB 7 ON node CANCELLED ***\n');
    const r = await collectSweep(history, sweepId, { sharedDir, allEnded: true });
    expect(r.died).toEqual([{ index: 2, log: trialLogPath(folder, 2), runId: null }]);
    const trial = loadSweep(history, sweepId).trials[2]!;
    expect(trial).toMatchObject({ state: 'failed', logPath: trialLogPath(folder, 2), runId: null });
    expect(trial.error).toMatch(/ended without sealing its bundle.*log: .*trial-2\.log\n.*CANCELLED/s);
    expect(loadSweep(history, sweepId)).toMatchObject({ state: 'completed', error: '1 of 3 trials failed' });
    const again = await collectSweep(history, sweepId, { sharedDir, allEnded: true });
    expect(again.already).toEqual([0, 1, 2]);
  });
});

describe('a trial work folder', () => {
  it('drops a torn last metric line and appends after it cleanly', () => {
    const work = trialWorkDir(folder, 0);
    const file = path.join(work, 'metrics.jsonl');
    const rows = fs.readFileSync(file, 'utf8');
    fs.appendFileSync(file, '{"step":13,"wallMs":1,"trainL'); // a kill mid-append
    const store = BundleRunStore.open(work);
    expect(store.resolveRun(String(BUNDLE_RUN_ID)).step).toBe(12);
    const row = {
      step: 13,
      wallMs: 5,
      trainLoss: Number.NaN,
      validLoss: null,
      bitsPerSymbol: null,
      validAccuracy: null,
      stabilityBound: null,
      contraction: null,
      tokensPerSec: 1,
      gradNorm: 1,
      lr: 0.002,
    };
    store.appendMetrics(BUNDLE_RUN_ID, [row]);
    expect(() => store.appendMetrics(BUNDLE_RUN_ID, [row])).toThrow(/already has metrics for step 13/);
    expect(fs.readFileSync(file, 'utf8')).toBe(
      `${rows}{"step":13,"wallMs":5,"trainLoss":null,"validLoss":null,"bitsPerSymbol":null,"validAccuracy":null,"stabilityBound":null,"contraction":null,"tokensPerSec":1,"gradNorm":1,"lr":0.002}\n`,
    );
    const reread = BundleRunStore.readWork(work).metrics.at(-1)!;
    expect(reread.trainLoss).toBeNaN();
    expect(store.truncateMetricsAfter(BUNDLE_RUN_ID, 12)).toBe(1);
  });
});
