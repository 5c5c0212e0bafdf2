// Stacked LSTM language model: input projection -> LSTM layers -> linear read-out
// (structure in stacked-recurrent.ts). Optionally Miller & Hardt's stable LSTM
// (config.stabilize; the constraint is in constraints/lstm-constraint.ts).
import * as tf from '@tensorflow/tfjs';
import { lstmSequence } from '../ops/lstm-sequence.ts';
import type { Rng } from '../rng.ts';
import { lstmLayerBound, STABLE_FORGET_BIAS, stabilizeLstmLayer } from '../constraints/lstm-constraint.ts';
import type { LstmConfig } from './model-config.ts';
import { uniform, type ParamStore } from './params.ts';
import { StackedRecurrentModel, type RecurrentCell } from './stacked-recurrent.ts';

/** Gate order i, f, c, o (Keras / tfjs-layers), parameters `lstm{l}/kernel` [in, 4h], `/recurrent_kernel` [h, 4h], `/bias` [4h]. */
function lstmCell(stabilize: boolean): RecurrentCell {
  return {
    prefix: 'lstm',
    statesPerLayer: 2,
    addLayer(p: ParamStore, l: number, inSize: number, h: number) {
      const bound = 1 / Math.sqrt(h);
      p.add(`lstm${l}/kernel`, [inSize, 4 * h], uniform(bound));
      p.add(`lstm${l}/recurrent_kernel`, [h, 4 * h], uniform(bound));
      // Drawn in full either way, so the generator's stream (and every later weight) does not depend on `stabilize`.
      p.add(`lstm${l}/bias`, [4 * h], (rng, size) => {
        const b = uniform(bound)(rng, size);
        if (stabilize) b.fill(STABLE_FORGET_BIAS, h, 2 * h);
        return b;
      });
    },
    runLayer(p: ParamStore, l: number, x: tf.Tensor3D, [h0, c0]: tf.Tensor2D[]) {
      const out = lstmSequence(
        x,
        p.get(`lstm${l}/kernel`) as tf.Tensor2D,
        p.get(`lstm${l}/recurrent_kernel`) as tf.Tensor2D,
        p.get(`lstm${l}/bias`) as tf.Tensor1D,
        h0!,
        c0!,
      );
      return { hs: out.hs, state: [out.h, out.c] };
    },
  };
}

export class LstmModel extends StackedRecurrentModel<LstmConfig> {
  /** Present only with config.stabilize: the trainer awaits it after every optimiser step. */
  readonly constrain?: () => Promise<void>;

  constructor(config: LstmConfig, rng: Rng) {
    super(config, rng, lstmCell(config.stabilize === true));
    if (config.stabilize) {
      this.stabilize(); // start on the constraint set, not only after the first step
      // Tensor ops only, nothing read back: it resolves at once on every backend.
      this.constrain = () => {
        this.stabilize();
        return Promise.resolve();
      };
    }
  }

  /** Rescales every layer's gate blocks to the constraint's norms (constraints/lstm-constraint.ts). */
  private stabilize(): void {
    for (let l = 0; l < this.config.layers; l++)
      stabilizeLstmLayer(this.layerParam(l, 'kernel'), this.layerParam(l, 'recurrent_kernel'), this.config.hiddenSize);
  }

  /** Largest over layers of the contraction factor of lstmLayerBound (a read-out to compare runs, not a proof: see lstmLayerBound). */
  async stabilityBound(): Promise<number> {
    const { layers, hiddenSize: h, embedSize: e } = this.config;
    let worst = 0;
    for (let l = 0; l < layers; l++) {
      const kernel = (await this.layerParam(l, 'kernel').data()) as Float32Array;
      const recurrent = (await this.layerParam(l, 'recurrent_kernel').data()) as Float32Array;
      worst = Math.max(worst, lstmLayerBound(kernel, recurrent, l === 0 ? e : h, h));
    }
    return worst;
  }
}
