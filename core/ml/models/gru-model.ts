// Stacked GRU (structure in stacked-recurrent.ts) in PyTorch's variant, so its
// weights map onto torch.nn.GRU and ONNX GRU (linear_before_reset = 1); the
// recurrence and gate layout are in ops/gru-sequence.ts.
import type * as tf from '@tensorflow/tfjs';
import { gruSequence } from '../ops/gru-sequence.ts';
import type { Rng } from '../rng.ts';
import { spectralNorm } from '../constraints/spectral.ts';
import type { GruConfig } from './model-config.ts';
import { uniform, type ParamStore } from './params.ts';
import { StackedRecurrentModel, type RecurrentCell } from './stacked-recurrent.ts';

/**
 * Parameters `gru{l}/kernel` [in, 3h], `/recurrent_kernel` [h, 3h] (gates z, r, h),
 * `/bias` [2, 3h] (input bias; recurrent bias), all uniform ±1/√h as torch.nn.GRU.
 */
const gruCell: RecurrentCell = {
  prefix: 'gru',
  statesPerLayer: 1,
  addLayer(p: ParamStore, l: number, inSize: number, h: number) {
    const bound = 1 / Math.sqrt(h);
    p.add(`gru${l}/kernel`, [inSize, 3 * h], uniform(bound));
    p.add(`gru${l}/recurrent_kernel`, [h, 3 * h], uniform(bound));
    p.add(`gru${l}/bias`, [2, 3 * h], uniform(bound));
  },
  runLayer(p: ParamStore, l: number, x: tf.Tensor3D, [h0]: tf.Tensor2D[]) {
    const out = gruSequence(
      x,
      p.get(`gru${l}/kernel`) as tf.Tensor2D,
      p.get(`gru${l}/recurrent_kernel`) as tf.Tensor2D,
      p.get(`gru${l}/bias`) as tf.Tensor2D,
      h0!,
    );
    return { hs: out.hs, state: [out.h] };
  },
};

export class GruModel extends StackedRecurrentModel<GruConfig> {
  constructor(config: GruConfig, rng: Rng) {
    super(config, rng, gruCell);
  }

  /**
   * Largest spectral norm over the layers of the whole recurrent matrix
   * [h, 3h] (all three gates' blocks): a read-out to compare runs by, not a
   * stability certificate (the GRU's contraction also depends on its gates).
   */
  async stabilityBound(): Promise<number> {
    const h = this.config.hiddenSize;
    let worst = 0;
    for (let l = 0; l < this.config.layers; l++) {
      worst = Math.max(worst, spectralNorm((await this.layerParam(l, 'recurrent_kernel').data()) as Float32Array, h, 3 * h));
    }
    return worst;
  }
}
