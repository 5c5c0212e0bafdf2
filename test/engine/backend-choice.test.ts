// `auto` chooses the backend by measurement: the decision over measured
// figures (fastest wins, a GPU must beat the CPU rung, failures never win,
// the software adapter only when asked), the cache in the data folder (a hit
// skips measuring, another machine's entry is ignored), and one real
// measurement on this machine: the CPU rung (wasm + fused kernels) against
// Dawn's software adapter, which the CPU must win.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { activateBackend } from '../../core/engine/backends.ts';
import { decideAutoBackend } from '../../core/engine/choice/auto-backend.ts';
import { choiceFilePath, readChoices, saveChoice } from '../../core/engine/choice/choice-cache.ts';
import {
  comparisonRungs,
  describeChoice,
  fastestRung,
  findCachedChoice,
  GPU_MARGIN,
  isSoftwareAdapter,
  machineKey,
  type BackendChoice,
  type Rung,
  type RungFigure,
} from '../../core/engine/choice/choose-backend.ts';
import type { TrainingWorkload } from '../../core/engine/choice/measure-training.ts';
import { classKey, workloadClass } from '../../core/engine/choice/workload-class.ts';
import { memoryTokenSource } from '../../core/ml/data/memory-source.ts';
import { modelConfigSchema } from '../../core/ml/models/model-config.ts';
import { createTextTask } from '../../core/ml/tasks/text-task.ts';
import { trainConfigSchema } from '../../core/ml/train/train-config.ts';
import { probeSoftwareWebgpu } from '../helpers/software-webgpu.ts';

const CPU: Rung = {
  backend: 'wasm',
  label: 'wasm + fused kernels',
  device: 'wasm, SIMD, 1 thread; fused native kernels, 2 threads',
  cpu: true,
};
const GPU: Rung = { backend: 'webgpu', label: 'webgpu', device: 'nvidia hopper NVIDIA H200', cpu: false };
const SOFTWARE: Rung = {
  backend: 'webgpu',
  label: 'webgpu (software)',
  device: 'software (OpenGL, llvmpipe; OpenGL version 4.5 (Core Profile) Mesa 22.3.6)',
  cpu: false,
};
const figure = (rung: Rung, tokensPerSec: number | null): RungFigure => ({
  backend: rung.backend,
  label: rung.label,
  tokensPerSec,
  ...(tokensPerSec === null ? { error: 'crashed' } : {}),
});

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-choice-'));
}

/** A small character-level workload, LSTM h64 b8 t32: big enough that arithmetic, not per-op overhead, decides between the CPU and the software adapter. */
function tinyWorkload(): TrainingWorkload {
  const tokens = new Int32Array(4000).map((_, i) => (i * 7 + (i >> 5)) % 13);
  const task = createTextTask(
    memoryTokenSource(tokens),
    { train: { start: 0, end: 3000 }, valid: { start: 3000, end: 4000 }, test: { start: 0, end: 0 } },
    13,
  );
  return {
    model: modelConfigSchema.parse({ kind: 'lstm', vocabSize: 13, embedSize: 8, hiddenSize: 64 }),
    train: trainConfigSchema.parse({ batchSize: 8, seqLen: 32, steps: 10, seed: 3 }),
    task,
  };
}

describe('the decision over measured figures', () => {
  it('takes the fastest rung', () => {
    expect(fastestRung([figure(CPU, 48_100), figure(GPU, 2_300)], 'wasm')?.backend).toBe('wasm');
    expect(fastestRung([figure(CPU, 48_100), figure(GPU, 400_000)], 'wasm')?.backend).toBe('webgpu');
    const tensorflow: Rung = { backend: 'tensorflow', label: 'tensorflow', device: 'TensorFlow C library (CUDA)', cpu: false };
    expect(fastestRung([figure(CPU, 10_000), figure(GPU, 20_000), figure(tensorflow, 30_000)], 'wasm')?.backend).toBe('tensorflow');
  });

  it('keeps the CPU unless another rung beats it by the margin, and never takes a failed rung', () => {
    expect(fastestRung([figure(CPU, 10_000), figure(GPU, 10_000 * GPU_MARGIN * 0.99)], 'wasm')?.backend).toBe('wasm');
    expect(fastestRung([figure(CPU, 10_000), figure(GPU, null)], 'wasm')?.backend).toBe('wasm');
    expect(fastestRung([figure(CPU, null), figure(GPU, 5)], 'wasm')?.backend).toBe('webgpu');
    expect(fastestRung([figure(CPU, null), figure(GPU, null)], 'wasm')).toBeUndefined();
  });

  it('leaves the software adapter out unless it was asked for', () => {
    expect(isSoftwareAdapter(SOFTWARE.device)).toBe(true);
    expect(isSoftwareAdapter('Google SwiftShader')).toBe(true);
    expect(isSoftwareAdapter(GPU.device)).toBe(false);
    expect(comparisonRungs([CPU, SOFTWARE], false)).toEqual([CPU]);
    expect(comparisonRungs([CPU, SOFTWARE], true)).toEqual([CPU, SOFTWARE]);
    expect(comparisonRungs([CPU, GPU], false)).toEqual([CPU, GPU]);
  });

  it('says what was chosen and why, with the figures', () => {
    const choice: BackendChoice = {
      machine: 'm',
      workload: 'lstm h≤128 b×t≤4096',
      backend: 'wasm',
      label: CPU.label,
      figures: [figure(CPU, 48_100), figure(GPU, 2_300)],
      measuredAt: '2026-12-03T14:00:00.000Z',
    };
    expect(describeChoice(choice, true)).toBe(
      'auto: wasm + fused kernels 48,100 tok/s vs webgpu 2,300 tok/s (measured 2026-12-03, cached)',
    );
    expect(describeChoice({ ...choice, figures: [figure(CPU, 48_100), figure(GPU, null)] }, false)).toBe(
      'auto: wasm + fused kernels 48,100 tok/s vs webgpu failed (measured 2026-12-03)',
    );
  });
});

describe('size classes', () => {
  const lstm = (hiddenSize: number) => modelConfigSchema.parse({ kind: 'lstm', vocabSize: 64, hiddenSize });

  it('round the width up to a power of two and batch × time up to a power of four', () => {
    expect(workloadClass(lstm(128), [32, 64])).toEqual({ kind: 'lstm', width: 128, positions: 4096 });
    expect(workloadClass(lstm(129), [32, 129])).toEqual({ kind: 'lstm', width: 256, positions: 16384 });
    expect(workloadClass(lstm(5), [2, 8])).toEqual({ kind: 'lstm', width: 16, positions: 256 });
    expect(classKey(workloadClass(lstm(100), [32, 64]))).toBe('lstm h≤128 b×t≤4096');
  });

  it('name the truncated model by its base and measure WaveNet by its widest channels', () => {
    const truncated = modelConfigSchema.parse({ kind: 'truncated', vocabSize: 64, k: 8, base: { kind: 'gru', hiddenSize: 300 } });
    expect(workloadClass(truncated, [16, 32])).toEqual({ kind: 'truncated-gru', width: 512, positions: 1024 });
    const wavenet = modelConfigSchema.parse({
      kind: 'wavenet',
      vocabSize: 256,
      residualChannels: 32,
      dilationChannels: 48,
      skipChannels: 64,
    });
    expect(workloadClass(wavenet, [8, 1000, 1]).width).toBe(64);
  });
});

describe('the cache in the data folder', () => {
  const workload = tinyWorkload();
  const key = classKey(workloadClass(workload.model, [8, 32]));
  const rungs = [CPU, GPU];
  const here = machineKey('AMD EPYC ×2', rungs);
  const cachedChoice: BackendChoice = {
    machine: here,
    workload: key,
    backend: 'webgpu',
    label: 'webgpu',
    figures: [figure(CPU, 1_000), figure(GPU, 9_000)],
    measuredAt: '2026-11-30T10:00:00.000Z',
  };
  /** Every activation fails, so a decision that measured shows it: all its figures are failures. */
  const refuse = () => Promise.reject(new Error('not available in this test'));

  it("keeps one entry per machine and workload, and finds only this machine's", () => {
    const dir = tempDir();
    saveChoice(dir, { ...cachedChoice, backend: 'wasm' });
    saveChoice(dir, cachedChoice);
    saveChoice(dir, { ...cachedChoice, machine: 'another machine' });
    expect(readChoices(dir)).toHaveLength(2);
    expect(findCachedChoice(readChoices(dir), here, key, rungs)).toEqual(cachedChoice);
    expect(
      findCachedChoice(readChoices(dir), machineKey('AMD EPYC ×2', [CPU, { ...GPU, device: 'amd rdna3 Radeon RX 7900' }]), key, rungs),
    ).toBeUndefined();
    expect(findCachedChoice(readChoices(dir), here, key, [CPU])).toBeUndefined(); // its backend is gone
  });

  it('a hit skips measuring', async () => {
    const dir = tempDir();
    saveChoice(dir, cachedChoice);
    const decision = await decideAutoBackend({ rungs, activate: refuse, workload, dataDir: dir, cpuModel: 'AMD EPYC ×2' });
    expect(decision).toMatchObject({ backend: 'webgpu', cached: true, choice: cachedChoice });
    expect(decision.reason).toBe('auto: webgpu 9,000 tok/s vs wasm + fused kernels 1,000 tok/s (measured 2026-11-30, cached)');
  });

  it('an entry from another machine is ignored: the workload is measured', async () => {
    const dir = tempDir();
    saveChoice(dir, { ...cachedChoice, machine: machineKey('Intel Xeon ×64', rungs) });
    const decision = await decideAutoBackend({ rungs, activate: refuse, workload, dataDir: dir, cpuModel: 'AMD EPYC ×2' });
    expect(decision.cached).toBe(false);
    expect(decision.choice?.figures.map((f) => f.error)).toEqual(['not available in this test', 'not available in this test']);
    expect(decision).toMatchObject({ backend: 'wasm', reason: 'auto: wasm + fused kernels (every backend failed while measuring)' });
  });

  it('an unreadable file is an empty cache', () => {
    const dir = tempDir();
    fs.writeFileSync(choiceFilePath(dir), '{ not json');
    expect(readChoices(dir)).toEqual([]);
    fs.writeFileSync(choiceFilePath(dir), JSON.stringify({ version: 1, choices: [{ machine: 'x' }, cachedChoice] }));
    expect(readChoices(dir)).toEqual([cachedChoice]);
  });
});

describe('measured on this machine', async () => {
  const software = await probeSoftwareWebgpu();
  if (!software.available)
    console.warn(`software WebGPU adapter unavailable here (${software.reason}); the measured comparison is skipped`);

  it.runIf(software.available)('the CPU rung beats the software adapter, the choice is cached, and nothing is left behind', async () => {
    const dir = tempDir();
    const workload = tinyWorkload();
    await activateBackend('wasm');
    const tensorsBefore = tf.memory().numTensors;
    const first = await activateBackend('auto', { workload, dataDir: dir });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(first.name, first.reason).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(first.reason).toMatch(
      /^auto: wasm( \+ fused kernels)? [\d,]+ tok\/s vs webgpu \(software\) [\d,]+ tok\/s \(measured \d{4}-\d\d-\d\d\)$/,
    );
    expect(first.device).toContain(first.reason);
    const [saved] = readChoices(dir);
    const speed = (backend: string) => saved!.figures.find((f) => f.backend === backend)!.tokensPerSec!;
    expect(saved!.backend).toBe('wasm');
    expect(speed('wasm')).toBeGreaterThan(speed('webgpu'));

    const again = await activateBackend('auto', { workload, dataDir: dir });
    expect(again.name).toBe('wasm');
    expect(again.reason).toMatch(/, cached\)$/);
  });
});
