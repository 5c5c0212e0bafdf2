// The rnn and gru sequence kernels against plain loops of their formulas
// (torch.nn.RNN with one bias; torch.nn.GRU / Keras reset_after), the per-step
// API of the recurrent models against forward(), and the LSTM refactor's
// parameter names.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import { isRecurrentModel } from '../../core/ml/models/recurrent-model.ts';
import { gruSequence } from '../../core/ml/ops/gru-sequence.ts';
import { rnnSequence } from '../../core/ml/ops/rnn-sequence.ts';
import { Rng } from '../../core/ml/rng.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(useCpuBackend);

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const random = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.normal() * 0.7);

/** Σ_k a[k]·W[k, col] for W row-major [rows, cols]. */
const dotCol = (a: ArrayLike<number>, w: ArrayLike<number>, cols: number, col: number) =>
  Array.from(a).reduce((s, x, k) => s + x * w[k * cols + col]!, 0);

const B = 2;
const T = 5;
const I = 3;
const H = 4;

describe('recurrent kernels match their formulas', () => {
  it('rnnSequence: h_t = tanh(x_t·W + h_{t−1}·U + b)', async () => {
    const rng = new Rng(1);
    const [x, w, u, b, h0] = [random(rng, B * T * I), random(rng, I * H), random(rng, H * H), random(rng, H), random(rng, B * H)];
    const out = rnnSequence(
      tf.tensor3d(x, [B, T, I]),
      tf.tensor2d(w, [I, H]),
      tf.tensor2d(u, [H, H]),
      tf.tensor1d(b),
      tf.tensor2d(h0, [B, H]),
    );
    const hs = await out.hs.data();
    for (let r = 0; r < B; r++) {
      let h = Array.from(h0.subarray(r * H, (r + 1) * H));
      for (let t = 0; t < T; t++) {
        const xt = x.subarray((r * T + t) * I, (r * T + t + 1) * I);
        h = Array.from({ length: H }, (_, j) => Math.tanh(dotCol(xt, w, H, j) + dotCol(h, u, H, j) + b[j]!));
        h.forEach((v, j) => expect(Math.abs(hs[(r * T + t) * H + j]! - v)).toBeLessThan(1e-5));
      }
    }
    tf.dispose([out.hs, out.h]);
  });

  it('gruSequence: PyTorch GRU, gates z, r, n with the reset gate after U·h', async () => {
    const rng = new Rng(2);
    const [x, w, u, b, h0] = [
      random(rng, B * T * I),
      random(rng, I * 3 * H),
      random(rng, H * 3 * H),
      random(rng, 2 * 3 * H),
      random(rng, B * H),
    ];
    const out = gruSequence(
      tf.tensor3d(x, [B, T, I]),
      tf.tensor2d(w, [I, 3 * H]),
      tf.tensor2d(u, [H, 3 * H]),
      tf.tensor2d(b, [2, 3 * H]),
      tf.tensor2d(h0, [B, H]),
    );
    const hs = await out.hs.data();
    for (let r = 0; r < B; r++) {
      let h = Array.from(h0.subarray(r * H, (r + 1) * H));
      for (let t = 0; t < T; t++) {
        const xt = x.subarray((r * T + t) * I, (r * T + t + 1) * I);
        const gi = (gate: number, j: number) => dotCol(xt, w, 3 * H, gate * H + j) + b[gate * H + j]!; // W_i· x + b_i
        const gh = (gate: number, j: number) => dotCol(h, u, 3 * H, gate * H + j) + b[3 * H + gate * H + j]!; // W_h· h + b_h
        h = h.map((hj, j) => {
          const z = sigmoid(gi(0, j) + gh(0, j));
          const rr = sigmoid(gi(1, j) + gh(1, j));
          const n = Math.tanh(gi(2, j) + rr * gh(2, j));
          return (1 - z) * n + z * hj;
        });
        h.forEach((v, j) => expect(Math.abs(hs[(r * T + t) * H + j]! - v)).toBeLessThan(1e-5));
      }
    }
    tf.dispose([out.hs, out.h]);
  });
});

const recurrent: Record<string, ModelConfig> = {
  rnn: { kind: 'rnn', vocabSize: 6, inputFeatures: 0, embedSize: 3, hiddenSize: 4, layers: 2, dropout: 0 },
  lstm: { kind: 'lstm', vocabSize: 6, inputFeatures: 0, embedSize: 3, hiddenSize: 4, layers: 2, dropout: 0 },
  'gru on features': { kind: 'gru', vocabSize: 2, inputFeatures: 3, embedSize: 3, hiddenSize: 4, layers: 3, dropout: 0 },
};

describe.each(Object.entries(recurrent))('%s per-step API', (_name, config) => {
  it('embed → recur step by step → readout equals forward(), state included', async () => {
    const model = buildModel(config, 3);
    if (!isRecurrentModel(model)) throw new Error('expected a recurrent model');
    const rng = new Rng(4);
    const input =
      config.inputFeatures > 0
        ? tf.tensor3d(random(rng, B * T * config.inputFeatures), [B, T, config.inputFeatures])
        : tf.tensor2d(
            Int32Array.from({ length: B * T }, () => rng.int(config.vocabSize)),
            [B, T],
            'int32',
          );
    const full = model.forward(input, null, { training: false });
    const stepped = tf.tidy(() => {
      const x = model.embed(input);
      let state = model.initialState(B);
      const hs: tf.Tensor3D[] = [];
      for (let t = 0; t < T; t++) {
        const out = model.recur(tf.slice(x, [0, t, 0], [B, 1, x.shape[2]]), state, { training: false });
        hs.push(out.hs);
        state = out.state;
      }
      return { logits: model.readout(tf.concat(hs, 1), { training: false }), state };
    });
    expect(stepped.state.length).toBe(full.state!.length);
    const diffs = [tf.sub(full.logits, stepped.logits), ...full.state!.map((s, i) => tf.sub(s, stepped.state[i]!))];
    for (const d of diffs) expect(tf.max(tf.abs(d)).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([input, full.logits, ...full.state!, stepped.logits, ...stepped.state, ...diffs]);
    model.dispose();
  });
});

describe('parameter names', () => {
  it('keeps the LSTM names and order of checkpoints and exports; rnn and gru follow the pattern', () => {
    const names = (config: ModelConfig) => {
      const m = buildModel(config, 1);
      const list = m.variables.map((v) => `${v.name}[${v.variable.shape.join(',')}]`);
      m.dispose();
      return list;
    };
    const layer = (p: string, l: number, shapes: string[]) =>
      ['kernel', 'recurrent_kernel', 'bias'].map((n, i) => `${p}${l}/${n}[${shapes[i]}]`);
    const io = (v: number, e: number, h: number) =>
      [
        [`input/kernel[${v},${e}]`, `input/bias[${e}]`],
        [`output/kernel[${h},${v}]`, `output/bias[${v}]`],
      ] as const;
    const [inL, outL] = io(6, 3, 4);
    expect(names(recurrent.lstm!)).toEqual([
      ...inL,
      ...layer('lstm', 0, ['3,16', '4,16', '16']),
      ...layer('lstm', 1, ['4,16', '4,16', '16']),
      ...outL,
    ]);
    expect(names(recurrent.rnn!)).toEqual([
      ...inL,
      ...layer('rnn', 0, ['3,4', '4,4', '4']),
      ...layer('rnn', 1, ['4,4', '4,4', '4']),
      ...outL,
    ]);
    const gru = names(recurrent['gru on features']!); // 3 input features, 2 outputs, 3 layers
    expect(gru.slice(0, 5)).toEqual(['input/kernel[3,3]', 'input/bias[3]', ...layer('gru', 0, ['3,12', '4,12', '2,12'])]);
    expect(gru.slice(-5)).toEqual([...layer('gru', 2, ['4,12', '4,12', '2,12']), 'output/kernel[4,2]', 'output/bias[2]']);
  });
});
