// Stacked LSTM language model: input projection -> LSTM layers -> linear read-out.
// Initialisation follows PyTorch (uniform ±1/sqrt(fan)), so learning curves are
// comparable with shared/bench/torch_ref.py.
import * as tf from '@tensorflow/tfjs';
import { tidy } from '../engine/tidy.ts';
import { seededDropout } from '../ops/dropout.ts';
import { embedTokens, timeDistributedDense } from '../ops/embed-tokens.ts';
import { lstmSequence } from '../ops/lstm-sequence.ts';
import type { Rng } from '../rng.ts';
import type { LstmConfig } from './model-config.ts';
import { ParamStore, uniform } from './params.ts';
import type { ForwardOptions, ForwardResult, ModelState, SequenceModel } from './sequence-model.ts';

export class LstmModel implements SequenceModel {
  readonly recurrent = true;
  private readonly params: ParamStore;

  constructor(readonly config: LstmConfig, rng: Rng) {
    const { vocabSize: v, embedSize: e, hiddenSize: h, layers } = config;
    this.params = new ParamStore(rng);
    const p = this.params;
    p.add('input/kernel', [v, e], uniform(1 / Math.sqrt(v)));
    p.add('input/bias', [e], uniform(1 / Math.sqrt(v)));
    for (let l = 0; l < layers; l++) {
      const inSize = l === 0 ? e : h;
      const bound = 1 / Math.sqrt(h);
      p.add(`lstm${l}/kernel`, [inSize, 4 * h], uniform(bound));
      p.add(`lstm${l}/recurrent_kernel`, [h, 4 * h], uniform(bound));
      p.add(`lstm${l}/bias`, [4 * h], uniform(bound));
    }
    p.add('output/kernel', [h, v], uniform(1 / Math.sqrt(h)));
    p.add('output/bias', [v], uniform(1 / Math.sqrt(h)));
  }

  get variables() {
    return this.params.list;
  }

  /** State layout: [h_0, c_0, h_1, c_1, ...], each [batch, hidden]. */
  initialState(batch: number): ModelState {
    const state: tf.Tensor[] = [];
    for (let l = 0; l < this.config.layers; l++) {
      state.push(tf.zeros([batch, this.config.hiddenSize]), tf.zeros([batch, this.config.hiddenSize]));
    }
    return state;
  }

  forward(tokens: tf.Tensor2D, state: ModelState, options: ForwardOptions): ForwardResult {
    return tidy(() => {
      const p = this.params;
      const [batch] = tokens.shape;
      const start = state ?? this.initialState(batch)!;
      let x = embedTokens(tokens, p.get('input/kernel') as tf.Tensor2D, p.get('input/bias') as tf.Tensor1D);
      const next: tf.Tensor[] = [];
      for (let l = 0; l < this.config.layers; l++) {
        if (l > 0) x = seededDropout(x, this.config.dropout, options);
        const out = lstmSequence(
          x,
          p.get(`lstm${l}/kernel`) as tf.Tensor2D,
          p.get(`lstm${l}/recurrent_kernel`) as tf.Tensor2D,
          p.get(`lstm${l}/bias`) as tf.Tensor1D,
          start[2 * l] as tf.Tensor2D,
          start[2 * l + 1] as tf.Tensor2D,
        );
        x = out.hs;
        next.push(out.h, out.c);
      }
      x = seededDropout(x, this.config.dropout, options);
      const logits = timeDistributedDense(x, p.get('output/kernel') as tf.Tensor2D, p.get('output/bias') as tf.Tensor1D);
      return { logits, state: next };
    });
  }

  parameterCount(): number {
    return this.params.count();
  }

  receptiveField(): number {
    return Infinity;
  }

  dispose(): void {
    this.params.dispose();
  }
}
