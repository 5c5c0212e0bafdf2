// Guards the whole native training step of the TCN language model
// (core/engine/fused/native-tcn-step.ts, native/src/tcn-step.cc) against the
// stock TF.js step (every fused kernel unregistered) on odd shapes (batch 3,
// window 7, vocabulary 11, kernel 3, up to 3 levels so dilation 4 puts whole
// taps in the padding), for the TCN's variants: embed ≠ hidden (level 0's
// downsample), embed = hidden (identity skip), one convolution per block with
// and without weight norm and residual. On cpu and wasm: which path the
// trainer gets, the loss and every gradient of one step within 1e-4, the
// losses and parameters after 12 steps of Adam and of SGD with clipping
// within 1e-4, Adam inside the step against the stock Adam within 1e-6 after
// 50 steps, a bit-for-bit resume, no leaked tensors, and 30 steps on real
// text with the same curve as the stock step. With dropout (its masks are the
// addon's, not TF.js's): the loss and gradients of a step and the losses and
// parameters after 6 steps against the stock step replaying the same masks
// (the model's own seededDropout swapped for the addon's masks), the masks
// themselves (rate, scale, seeds), one draw of the run's generator per step,
// repeatable runs and a bit-for-bit resume. Skipped where the addon is not built.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { activateBackend } from '../../core/engine/backends.ts';
import { tcnArenaLayout } from '../../core/engine/fused/native-tcn-step.ts';
import { nativeStepRefusal } from '../../core/engine/fused/native-train-step.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig, TcnConfig } from '../../core/ml/models/model-config.ts';
import { Rng } from '../../core/ml/rng.ts';
import { type ConvStepSuite, describeDropoutCases, describeRealTextCurve, equivalenceCases } from '../helpers/native-dropout-cases.ts';
import { expectStepPaths, nativeWithStep, randomTextTask, trainFor, withStockKernels } from '../helpers/train-step-cases.ts';

/** Masks for the stock step to replay, one per convolution unit in the forward's order; null: the model's own dropout. */
const replay = vi.hoisted(() => ({ masks: null as Float32Array[] | null }));
vi.mock('../../core/ml/ops/dropout.ts', async (importOriginal) =>
  (await import('../helpers/dropout-replay.ts')).replayingDropout(await importOriginal(), replay),
);

const native = nativeWithStep('tcnStep', 'native TCN step tests');

const V = 11;
const tcn = (extra: Partial<TcnConfig> = {}): TcnConfig => ({
  kind: 'tcn',
  vocabSize: V,
  inputFeatures: 0,
  embedSize: 4,
  hiddenSize: 5,
  levels: 3,
  kernelSize: 3,
  dropout: 0,
  convsPerBlock: 2,
  weightNorm: true,
  residual: true,
  ...extra,
});
/** The variants the native step covers, each on odd shapes. */
const VARIANTS: Record<string, TcnConfig> = {
  'embed ≠ hidden (downsample), 3 levels': tcn(),
  'embed = hidden (identity skip), 2 levels': tcn({ embedSize: 5, levels: 2 }),
  'one conv per block with downsample': tcn({ convsPerBlock: 1 }),
  'plain stack (no weight norm, no residual)': tcn({ convsPerBlock: 1, weightNorm: false, residual: false }),
};

const task = () => randomTextTask(V);

const suite: ConvStepSuite<TcnConfig> = {
  label: 'TCN',
  path: 'native-tcn',
  built: !!native,
  plain: VARIANTS,
  base: tcn(),
  /** The dropout variants: odd shapes, weight norm on and off, embed ≠ hidden (downsample) and not, no residual. */
  variants: {
    'weight norm, embed ≠ hidden, 3 levels': tcn({ dropout: 0.3 }),
    'no weight norm, embed ≠ hidden, 2 levels': tcn({ dropout: 0.3, weightNorm: false, levels: 2 }),
    'weight norm, embed = hidden, 2 levels': tcn({ dropout: 0.3, embedSize: 5, levels: 2 }),
    'no residual, one conv per block': tcn({ dropout: 0.3, residual: false, convsPerBlock: 1, weightNorm: false }),
  },
  /** one per unit in the forward's order. */
  masksFor: (c, seed, rows) =>
    Array.from({ length: c.levels * c.convsPerBlock }, (_, i) => native!.tcnDropoutMask(seed, i, rows * c.hiddenSize, c.dropout)),
  task,
  replay,
  realText: (vocab) => tcn({ vocabSize: vocab, embedSize: 16, hiddenSize: 32 }),
};

describe.skipIf(!native).each(['cpu', 'wasm'])('the whole native TCN training step on %s', (backend) => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await activateBackend(backend as 'cpu' | 'wasm');
    expect(tf.getBackend()).toBe(backend);
  });

  it('runs for the TCN language model and falls back to TF.js where it does not cover', () => {
    const data = task();
    // A constrained recurrent model with dropout takes the recurrent step (it projects after the update); the
    // k-truncated model its own (windows of its base through the recurrent step).
    const lstm = {
      kind: 'lstm',
      vocabSize: V,
      inputFeatures: 0,
      embedSize: 4,
      hiddenSize: 5,
      layers: 1,
      dropout: 0.05,
      stabilize: true,
    } as ModelConfig;
    const truncated = {
      kind: 'truncated',
      vocabSize: V,
      inputFeatures: 0,
      embedSize: 4,
      dropout: 0,
      k: 3,
      base: { kind: 'gru', hiddenSize: 5, layers: 1 },
    } as ModelConfig;
    const cases: [ModelConfig, string][] = [
      ...Object.values(VARIANTS).map((c): [ModelConfig, string] => [c, 'native-tcn']),
      [tcn({ dropout: 0.05 }), 'native-tcn'],
      [lstm, 'native-recurrent'],
      [truncated, 'native-truncated'],
    ];
    expectStepPaths(cases, data);
    const dropped = buildModel(tcn({ dropout: 0.05 }), 3);
    expect(nativeStepRefusal({ model: dropped, data, optimizer: 'adam', clip: 0, rng: new Rng(1) })).toBeNull();
    dropped.dispose();
  });

  equivalenceCases(suite);

  // wasm only: the skip is the addon's whatever the backend, and the stock step at this width takes ~30 s on cpu.
  it.skipIf(backend !== 'wasm')(
    'skips the panels whose rows read only padding, and its losses match the stock step over 12 steps (520 channels)',
    async () => {
      // 520 channels put tap 0 of each kernel alone in the GEMM's first depth block (KC 256 or 512); at
      // level 2 its shift of 8 passes the window of 7, so the forward and the input gradient skip that block's
      // panels, and the forward writes zeros over the workspace's previous step instead of its product (left
      // out, step 2's loss is 1.7e-2 off). Losses only: at this width, after 12 Adam steps the hidden kernels
      // are up to 1.9e-3 (cpu) and 6.6e-3 (wasm) apart, their biases within 2e-5, the same bit for bit with the
      // build before the skip: Adam moves entries whose gradients are near zero by a full step on their
      // rounding. (SGD: 3e-7 on cpu, 3.4e-4 on wasm.) The narrow variants above pin the parameters at 1e-4.
      const wide = tcn({ hiddenSize: 520, convsPerBlock: 1, weightNorm: false, residual: false });
      for (const over of [{ optimizer: 'adam' }, { optimizer: 'sgd', lr: 0.5, clip: 0.25 }]) {
        const fast = await trainFor(wide, task(), over, 12);
        const stock = await withStockKernels(() => trainFor(wide, task(), over, 12));
        expect([fast.path, stock.path]).toEqual(['native-tcn', 'tfjs']);
        fast.losses.forEach((l, i) =>
          expect(Math.abs(l - stock.losses[i]!) / stock.losses[i]!, `${over.optimizer} step ${i + 1}`).toBeLessThanOrEqual(1e-4),
        );
      }
    },
  );
});

describe.skipIf(!native)('the native TCN step’s arguments', () => {
  it('refuses a recurrent session, an arena of the wrong length and a token outside the vocabulary, naming them', () => {
    const k = native!;
    const [session, P] = k.tcnStepSession(V, V, 4, 5, 2, 3, 2, true, true);
    const [recurrent] = k.trainStepSession(1, V, V, 4, 5, 1);
    const ids = new Int32Array(6).fill(1);
    const adam = [0, 0.01, 0.9, 0.999, 1e-8, 0.01, 0] as const;
    expect(() => k.tcnStep(recurrent, 2, 3, ids, ids, 0, null, new Float32Array(4 * P), 0, 0, ...adam)).toThrow(
      'tcnStep: session must come from tcnStepSession',
    );
    expect(() => k.tcnStep(session, 2, 3, ids, ids, 0, null, new Float32Array(4 * P - 1), 0, 0, ...adam)).toThrow(
      `tcnStep: arena has ${4 * P - 1} elements, expected ${4 * P}`,
    );
    expect(() =>
      k.tcnStep(session, 2, 3, ids, Int32Array.from([0, 1, 2, 3, 4, V]), 0, null, new Float32Array(4 * P), 0, 0, ...adam),
    ).toThrow(`tcnStep: targets[5] = ${V} is outside 0..${V - 1}`);
    expect(() => k.tcnStep(session, 2, 3, ids, ids, 0, null, new Float32Array(4 * P), 1, 0, ...adam)).toThrow(
      'tcnStep: dropout must be in [0, 1)',
    );
    expect(() => k.tcnStep(session, 2, 3, ids, ids, 0, null, new Float32Array(4 * P), 0.1, 0.5, ...adam)).toThrow(
      'tcnStep: seed must be a whole number in [0, 2^53)',
    );
    expect(() => k.tcnDropoutMask(-1, 0, 4, 0.1)).toThrow('tcnDropoutMask: seed must be a whole number in [0, 2^53)');
    expect(() => k.tcnDropoutMask(1, -1, 4, 0.1)).toThrow('tcnDropoutMask: unit must be a whole number >= 0');
    expect(() => k.tcnDropoutMask(1, 0, 4, -0.1)).toThrow('tcnDropoutMask: rate must be in [0, 1)');
    expect(() => (k.tcnDropoutMask as (...a: number[]) => Float32Array)(1, 0, 4)).toThrow('tcnDropoutMask: expected 4 arguments, got 3');
    expect(P).toBe(tcnArenaLayout(tcn({ levels: 2 })).reduce((n, e) => n + e.size, 0));
  });
});

describe.skipIf(!native)('the native TCN step’s dropout masks', () => {
  const n = 100_000;
  const rate = 0.3;
  const scale = Math.fround(1 / Math.fround(1 - rate));

  it('drop a fraction rate (within 1% over 100k elements) and scale the rest by 1/(1 − rate)', () => {
    const mask = native!.tcnDropoutMask(12345, 2, n, rate);
    expect(mask).toHaveLength(n);
    const zeros = mask.filter((m) => m === 0).length;
    expect(Math.abs(zeros / n - rate)).toBeLessThan(0.01);
    expect(mask.every((m) => m === 0 || m === scale)).toBe(true);
    // Neighbours are independent: runs of drops are as long as chance makes them.
    let pairs = 0;
    for (let k = 1; k < n; k++) if (mask[k] === 0 && mask[k - 1] === 0) pairs++;
    expect(Math.abs(pairs / (n - 1) - rate * rate)).toBeLessThan(0.01);
    const none = native!.tcnDropoutMask(12345, 2, 1000, 0);
    expect(none.every((m) => m === 1)).toBe(true);
  });

  it('the same seed and unit give the same mask; another seed or unit another', () => {
    const k = native!;
    const a = k.tcnDropoutMask(7, 0, n, rate);
    expect(k.tcnDropoutMask(7, 0, n, rate)).toEqual(a);
    // A shorter mask is the longer one's start (element k depends on k alone, not on the length or the threads).
    expect(k.tcnDropoutMask(7, 0, 1000, rate)).toEqual(a.subarray(0, 1000));
    const agree = (b: Float32Array) => b.reduce((s, m, i) => s + (m === a[i] ? 1 : 0), 0) / n;
    // Independent masks agree on 0.3² + 0.7² = 58% of the elements.
    for (const other of [k.tcnDropoutMask(8, 0, n, rate), k.tcnDropoutMask(7, 1, n, rate), k.tcnDropoutMask(2 ** 40 + 7, 0, n, rate)])
      expect(Math.abs(agree(other) - 0.58)).toBeLessThan(0.01);
  });
});

describeDropoutCases(suite);
describeRealTextCurve(suite);
