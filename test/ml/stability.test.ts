// Miller & Hardt's stability machinery: the spectral-norm projection of the
// rnn holds after every optimiser step of real training; a λ-contractive model
// is within C·λ^k of its k-truncation (and an unstable one is not); the stable
// LSTM rescales its gate blocks as the authors' code does; the data-dependent
// contraction equals a hand-computed Jacobian's norm.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import { isRecurrentModel, type RecurrentSequenceModel } from '../../core/ml/models/recurrent-model.ts';
import type { SequenceModel } from '../../core/ml/models/sequence-model.ts';
import { truncatedForward } from '../../core/ml/models/truncated.ts';
import { Rng } from '../../core/ml/rng.ts';
import { analyticStateJacobian } from '../../core/ml/stability/cell-jacobian.ts';
import { measureContraction, stateJacobian } from '../../core/ml/stability/contraction.ts';
import { STABLE_FORGET_BIAS, STABLE_FORGET_INPUT_NORM, STABLE_RECURRENT_NORMS } from '../../core/ml/constraints/lstm-constraint.ts';
import { jacobiSvd } from '../../core/ml/constraints/svd.ts';
import { createTextTask } from '../../core/ml/tasks/text-task.ts';
import { trainConfigSchema } from '../../core/ml/train/train-config.ts';
import { Trainer } from '../../core/ml/train/trainer.ts';
import { patternCorpus } from '../helpers/memory-source.ts';
import { leakedTensors, useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(useCpuBackend);

const V = 8;

function param(model: SequenceModel, name: string): tf.Variable {
  const p = model.variables.find((v) => v.name === name);
  if (!p) throw new Error(`no parameter ${name}`);
  return p.variable;
}

/** Exact largest singular value of a variable [rows, cols] (rows ≥ cols), by the Jacobi SVD. */
function topSingular(v: tf.Variable): number {
  const [rows, cols] = v.shape as [number, number];
  return jacobiSvd(v.dataSync(), rows, cols).s[0]!;
}

function asRecurrent(m: SequenceModel): RecurrentSequenceModel {
  if (!isRecurrentModel(m)) throw new Error('expected a recurrent model');
  return m;
}

function trainerFor(model: SequenceModel, lr: number) {
  const corpus = patternCorpus(4000, V);
  const config = trainConfigSchema.parse({
    steps: 100,
    batchSize: 4,
    seqLen: 16,
    lr,
    validEvery: 1000,
    validTokens: 64,
    checkpointEvery: 1000,
    seed: 2,
  });
  return new Trainer(model, config, createTextTask(corpus.source, corpus.splits, V));
}

const tokens = (batch: number, time: number, seed: number) => {
  const rng = new Rng(seed);
  return tf.tensor2d(
    Int32Array.from({ length: batch * time }, () => rng.int(V)),
    [batch, time],
    'int32',
  );
};

describe('rnn with spectralBound 0.8', () => {
  it('keeps ‖U‖₂ ≤ 0.8 + 1e-4 after every optimiser step of real training, on every layer', async () => {
    const model = buildModel(
      { kind: 'rnn', vocabSize: V, inputFeatures: 0, embedSize: 6, hiddenSize: 12, layers: 2, dropout: 0, spectralBound: 0.8 },
      1,
    );
    const layers = [param(model, 'rnn0/recurrent_kernel'), param(model, 'rnn1/recurrent_kernel')];
    for (const u of layers) expect(topSingular(u)).toBeLessThanOrEqual(0.8 + 1e-4); // feasible from the start
    const trainer = trainerFor(model, 0.05);
    let active = 0;
    for (let step = 0; step < 15; step++) {
      expect(await trainer.trainStep()).not.toBeNull();
      for (const u of layers) {
        const top = topSingular(u);
        expect(top).toBeLessThanOrEqual(0.8 + 1e-4);
        if (top > 0.8 - 1e-3) active++; // the projection bit (the bound is tight), so the check is not vacuous
      }
    }
    expect(active).toBeGreaterThan(10);
    expect(await model.stabilityBound!()).toBeLessThanOrEqual(0.8 + 1e-4);
    trainer.dispose();
    model.dispose();
  });

  it('is within C·0.8^k of its k-truncation for k = 1..T; an unstable rnn is not', async () => {
    const T = 24;
    const B = 4;
    const lambda = 0.8;
    /** d_k = max over rows and t of ‖y_t − y_t^k‖ for k = 1..T, and C = ‖W_out‖₂ · max_t ‖h_t‖ (‖h_t − h_t^k‖ ≤ λ^k ‖h_{t−k}‖). */
    const distances = async (model: RecurrentSequenceModel) => {
      const input = tokens(B, T, 3);
      const full = model.forward(input, null, { training: false });
      const hs = tf.tidy(() => model.recur(model.embed(input), model.initialState(B), { training: false }).hs);
      const maxH = tf.tidy(() => tf.max(tf.norm(hs, 'euclidean', 2)).dataSync()[0]!);
      const c = topSingular(param(model, 'output/kernel')) * maxH;
      const d: number[] = [];
      for (let k = 1; k <= T; k++) {
        const yk = truncatedForward(model, input, k);
        d.push(tf.tidy(() => tf.max(tf.norm(tf.sub(full.logits, yk), 'euclidean', 2)).dataSync()[0]!));
        yk.dispose();
      }
      tf.dispose([input, full.logits, ...full.state!, hs]);
      return { d, c };
    };

    // Stable: a U of large norm (×4), projected back onto ‖U‖₂ ≤ 0.8, so that most singular values sit at the bound.
    const stable = asRecurrent(
      buildModel(
        { kind: 'rnn', vocabSize: V, inputFeatures: 0, embedSize: 6, hiddenSize: 10, layers: 1, dropout: 0, spectralBound: lambda },
        4,
      ),
    );
    const u = param(stable, 'rnn0/recurrent_kernel');
    tf.tidy(() => u.assign(tf.mul(u, 4)));
    await stable.constrain!();
    const s = await distances(stable);
    expect(s.d[0]!).toBeGreaterThan(1e-2); // truncation to 1 step does change the outputs
    expect(s.d[0]! / lambda).toBeLessThanOrEqual(s.c); // C fitted from k = 1 is within the theoretical one
    s.d.forEach((dk, i) => expect(dk, `k = ${i + 1}`).toBeLessThanOrEqual(s.c * lambda ** (i + 1) + 1e-5));
    stable.dispose();

    // Unstable: U = 2·I and no bias make every unit bistable: the first input sets its sign for good, later
    // (weakened) inputs cannot flip it, so a restart k steps back lands on other signs however large k is.
    const unstable = asRecurrent(
      buildModel({ kind: 'rnn', vocabSize: V, inputFeatures: 0, embedSize: 6, hiddenSize: 10, layers: 1, dropout: 0 }, 4),
    );
    tf.tidy(() => {
      param(unstable, 'rnn0/recurrent_kernel').assign(tf.mul(tf.eye(10), 2));
      const w = param(unstable, 'rnn0/kernel');
      w.assign(tf.mul(w, 0.05));
      const b = param(unstable, 'rnn0/bias');
      b.assign(tf.zerosLike(b));
    });
    expect(await unstable.stabilityBound!()).toBeCloseTo(2, 5);
    const un = await distances(unstable);
    const violations = un.d.filter((dk, i) => dk > un.c * lambda ** (i + 1) + 1e-5).length;
    expect(violations).toBeGreaterThan(T / 2);
    expect(un.d[T - 2]!).toBeGreaterThan(0.1); // no decay at all
    unstable.dispose();
  });
});

describe('stable LSTM (Miller & Hardt’s code)', () => {
  const config: ModelConfig = {
    kind: 'lstm',
    vocabSize: V,
    inputFeatures: 0,
    embedSize: 6,
    hiddenSize: 8,
    layers: 2,
    dropout: 0,
    stabilize: true,
  };

  /** Largest |ℓ1 norm − target| over rows and gates, and the forget bias. */
  const violation = (model: SequenceModel, l: number) => {
    const h = 8;
    const rowNorms = (w: Float32Array, rows: number, gate: number) =>
      Array.from({ length: rows }, (_, j) =>
        w.subarray(j * 4 * h + gate * h, j * 4 * h + (gate + 1) * h).reduce((a, x) => a + Math.abs(x), 0),
      );
    const rec = param(model, `lstm${l}/recurrent_kernel`).dataSync() as Float32Array;
    const ker = param(model, `lstm${l}/kernel`).dataSync() as Float32Array;
    let worst = 0;
    STABLE_RECURRENT_NORMS.forEach((target, g) => rowNorms(rec, h, g).forEach((n) => (worst = Math.max(worst, Math.abs(n - target)))));
    rowNorms(ker, ker.length / (4 * h), 1).forEach((n) => (worst = Math.max(worst, Math.abs(n - STABLE_FORGET_INPUT_NORM))));
    return worst;
  };

  it('starts with the forget bias at 10 and every gate block rescaled to its ℓ1 norm', async () => {
    const model = buildModel(config, 5);
    for (const l of [0, 1]) {
      expect(violation(model, l)).toBeLessThan(1e-5);
      const bias = param(model, `lstm${l}/bias`).dataSync();
      expect(Array.from(bias.subarray(8, 16))).toEqual(new Array(8).fill(STABLE_FORGET_BIAS));
    }
    // The contraction factor of lstmLayerBound at the authors' norms: σ(0.405) + … = 0.9933.
    const f = 1 / (1 + Math.exp(-(0.155 + 0.25)));
    expect(await model.stabilityBound!()).toBeCloseTo(f + 0.155 / 4 / (1 - f) + 0.395 / 4 + 0.099 + 0.395 / 4, 5);
    expect(await model.stabilityBound!()).toBeLessThan(1);
    const plain = buildModel({ ...config, stabilize: false }, 5);
    expect(await plain.stabilityBound!()).toBeGreaterThan(1);
    expect(plain.constrain).toBeUndefined();
    plain.dispose();
    model.dispose();
  });

  it('rescales (not merely clips) after every optimiser step of real training', async () => {
    const model = buildModel(config, 6);
    const trainer = trainerFor(model, 0.05);
    for (let step = 0; step < 5; step++) {
      expect(await trainer.trainStep()).not.toBeNull();
      for (const l of [0, 1]) expect(violation(model, l)).toBeLessThan(1e-5);
    }
    trainer.dispose();
    model.dispose();
  });
});

describe('measureContraction', () => {
  it('is null for feed-forward models, the truncated kind included', async () => {
    const input = tokens(2, 5, 1);
    for (const config of [
      {
        kind: 'tcn',
        vocabSize: V,
        inputFeatures: 0,
        embedSize: 4,
        hiddenSize: 4,
        levels: 2,
        kernelSize: 2,
        dropout: 0,
        convsPerBlock: 1,
        weightNorm: false,
        residual: false,
      },
      {
        kind: 'truncated',
        vocabSize: V,
        inputFeatures: 0,
        embedSize: 4,
        dropout: 0,
        base: { kind: 'rnn', hiddenSize: 4, layers: 1 },
        k: 3,
      },
    ] satisfies ModelConfig[]) {
      const model = buildModel(config, 1);
      expect(await measureContraction(model, input)).toBeNull();
      model.dispose();
    }
    input.dispose();
  });

  it('equals the mean of ‖diag(1 − h_t²)·Uᵀ‖₂ computed by hand for a tiny rnn', async () => {
    const H = 3;
    const B = 2;
    const T = 6;
    const model = asRecurrent(
      buildModel({ kind: 'rnn', vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: H, layers: 1, dropout: 0 }, 7),
    );
    const u = param(model, 'rnn0/recurrent_kernel');
    tf.tidy(() => u.assign(tf.mul(u, 3))); // a nominally unstable U, so the gates of tanh matter
    const input = tokens(B, T, 8);
    const x = tf.tidy(() => model.embed(input)).arraySync() as number[][][]; // [B, T, E]
    const [W, U, b] = ['rnn0/kernel', 'rnn0/recurrent_kernel', 'rnn0/bias'].map((n) => param(model, n).arraySync()) as [
      number[][],
      number[][],
      number[],
    ];
    let sum = 0;
    for (let r = 0; r < B; r++) {
      let h = new Array(H).fill(0);
      for (let t = 0; t < T; t++) {
        h = Array.from({ length: H }, (_, j) =>
          Math.tanh(x[r]![t]!.reduce((s, v, e) => s + v * W[e]![j]!, 0) + h.reduce((s, v, i) => s + v * U[i]![j]!, 0) + b[j]!),
        );
        // J[i][j] = ∂h_t[i]/∂h_{t−1}[j] = (1 − h_t[i]²)·U[j][i]
        const jac = Array.from({ length: H }, (_, i) => Array.from({ length: H }, (_, j) => (1 - h[i]! ** 2) * U[j]![i]!)).flat();
        sum += jacobiSvd(jac, H, H).s[0]!;
      }
    }
    const measured = (await measureContraction(model, input))!;
    expect(Math.abs(measured - sum / (B * T)) / (sum / (B * T))).toBeLessThan(1e-4);
    // maxSteps: the mean over the first 3 steps only
    const head = tf.slice(input, [0, 0], [B, 3]);
    expect(Math.abs((await measureContraction(model, input, 3))! - (await measureContraction(model, head))!)).toBeLessThan(1e-6);
    tf.dispose([input, head]);
    model.dispose();
  });

  it('differentiates the whole stacked state (h and c of every LSTM layer), as central differences confirm', () => {
    const model = asRecurrent(
      buildModel({ kind: 'lstm', vocabSize: V, inputFeatures: 0, embedSize: 3, hiddenSize: 3, layers: 2, dropout: 0 }, 9),
    );
    const B = 2;
    const S = 12; // 2 layers × (h, c) × 3
    const rng = new Rng(10);
    const state = Array.from({ length: 4 }, () =>
      tf.tensor2d(
        Float32Array.from({ length: B * 3 }, () => rng.normal() * 0.5),
        [B, 3],
      ),
    );
    const xt = tf.tidy(() => model.embed(tokens(B, 1, 11)));
    const jac = stateJacobian(model, xt, state).arraySync() as number[][][]; // [B, S, S]
    const flat = tf.concat(state, 1).arraySync() as number[][];
    const next = (s: number[][]) =>
      tf.tidy(
        () =>
          tf
            .concat(model.recur(xt, tf.split(tf.tensor2d(s), [3, 3, 3, 3], 1) as tf.Tensor2D[], { training: false }).state, 1)
            .arraySync() as number[][],
      );
    const eps = 1e-2;
    for (let j = 0; j < S; j++) {
      const plus = next(flat.map((row) => row.map((v, c) => (c === j ? v + eps : v))));
      const minus = next(flat.map((row) => row.map((v, c) => (c === j ? v - eps : v))));
      for (let r = 0; r < B; r++)
        for (let i = 0; i < S; i++) expect(Math.abs((plus[r]![i]! - minus[r]![i]!) / (2 * eps) - jac[r]![i]![j]!)).toBeLessThan(2e-3);
    }
    tf.dispose([...state, xt]);
    model.dispose();
  });
});

describe('closed-form state Jacobians', () => {
  const cases: Record<string, ModelConfig> = {
    'rnn 3 layers': { kind: 'rnn', vocabSize: V, inputFeatures: 0, embedSize: 3, hiddenSize: 4, layers: 3, dropout: 0 },
    'gru 2 layers': { kind: 'gru', vocabSize: V, inputFeatures: 0, embedSize: 3, hiddenSize: 4, layers: 2, dropout: 0 },
    'lstm 3 layers': { kind: 'lstm', vocabSize: V, inputFeatures: 0, embedSize: 3, hiddenSize: 4, layers: 3, dropout: 0 },
  };
  it.each(Object.entries(cases))('%s: equals the autodiff Jacobian along a trajectory', (_name, config) => {
    const model = asRecurrent(buildModel(config, 12));
    const B = 3;
    const x = tf.tidy(() => model.embed(tokens(B, 4, 13)));
    let state = model.initialState(B);
    for (let t = 0; t < 4; t++) {
      const xt = tf.slice(x, [0, t, 0], [B, 1, -1]);
      const closed = analyticStateJacobian(model, xt, state)!;
      const auto = stateJacobian(model, xt, state);
      expect(closed.shape).toEqual(auto.shape);
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(closed, auto))).dataSync()[0]!)).toBeLessThan(1e-5);
      const next = tf.tidy(() => model.recur(xt, state, { training: false }).state);
      tf.dispose([closed, auto, xt, ...state]);
      state = next;
    }
    tf.dispose([x, ...state]);
    model.dispose();
  });
});

describe('tensor leaks', () => {
  it('constrain, stabilityBound and measureContraction leave no tensors behind', async () => {
    const rnn = buildModel(
      { kind: 'rnn', vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 6, layers: 2, dropout: 0, spectralBound: 0.5 },
      1,
    );
    const lstm = buildModel(
      { kind: 'lstm', vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 6, layers: 2, dropout: 0, stabilize: true },
      1,
    );
    const gru = buildModel({ kind: 'gru', vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 6, layers: 2, dropout: 0 }, 1);
    const u = param(rnn, 'rnn0/recurrent_kernel');
    tf.tidy(() => u.assign(tf.mul(u, 5))); // so the projection has work to do
    expect(await leakedTensors(() => rnn.constrain!())).toBe(0);
    expect(await leakedTensors(() => lstm.constrain!())).toBe(0);
    const input = tokens(2, 6, 1);
    for (const m of [rnn, lstm, gru]) {
      expect(await leakedTensors(() => m.stabilityBound!())).toBe(0);
      expect(await leakedTensors(() => measureContraction(m, input))).toBe(0);
      m.dispose();
    }
    input.dispose();
  });
});
