// Stacked vanilla RNN h_t = tanh(x_t·W + h_{t−1}·U + b) (structure in
// stacked-recurrent.ts), optionally with Miller & Hardt's stability constraint
// ‖U‖₂ ≤ λ on every layer, kept by projected gradient descent: after every
// optimiser step the singular values of U are clipped at λ.
import * as tf from '@tensorflow/tfjs';
import { rnnSequence } from '../ops/rnn-sequence.ts';
import type { Rng } from '../rng.ts';
import { SpectralClip, spectralNorm } from '../constraints/spectral.ts';
import type { RnnConfig } from './model-config.ts';
import { uniform, type ParamStore } from './params.ts';
import { StackedRecurrentModel, type RecurrentCell } from './stacked-recurrent.ts';

/**
 * Parameters `rnn{l}/kernel` [in, h], `/recurrent_kernel` [h, h], `/bias` [h], uniform ±1/√h as torch.nn.RNN.
 * @param clips per layer, the spectral projection of a stable RNN (empty when unconstrained): the initial
 *   U is projected as it is drawn, so the model starts on the constraint set without reading a variable back
 */
function rnnCell(clips: readonly SpectralClip[]): RecurrentCell {
  return {
    prefix: 'rnn',
    statesPerLayer: 1,
    addLayer(p: ParamStore, l: number, inSize: number, h: number) {
      const bound = 1 / Math.sqrt(h);
      p.add(`rnn${l}/kernel`, [inSize, h], uniform(bound));
      p.add(`rnn${l}/recurrent_kernel`, [h, h], (rng, size) => {
        const u = uniform(bound)(rng, size);
        return clips[l]?.apply(u, h, h) ?? u;
      });
      p.add(`rnn${l}/bias`, [h], uniform(bound));
    },
    runLayer(p: ParamStore, l: number, x: tf.Tensor3D, [h0]: tf.Tensor2D[]) {
      const out = rnnSequence(
        x,
        p.get(`rnn${l}/kernel`) as tf.Tensor2D,
        p.get(`rnn${l}/recurrent_kernel`) as tf.Tensor2D,
        p.get(`rnn${l}/bias`) as tf.Tensor1D,
        h0!,
      );
      return { hs: out.hs, state: [out.h] };
    },
  };
}

export class RnnModel extends StackedRecurrentModel<RnnConfig> {
  /** Present only with a spectralBound: the trainer awaits it after every optimiser step. */
  readonly constrain?: () => Promise<void>;
  /** Per layer, the projection with its warm start (the last step's singular vectors). */
  private readonly clips: readonly SpectralClip[];

  constructor(config: RnnConfig, rng: Rng) {
    const bound = config.spectralBound;
    const clips = bound != null ? Array.from({ length: config.layers }, () => new SpectralClip(bound)) : [];
    super(config, rng, rnnCell(clips)); // starts on the constraint set: the cell projects the initial U
    this.clips = clips;
    if (bound != null) this.constrain = () => this.projectRecurrent();
  }

  /**
   * Clips the singular values of every layer's U at the bound (constraints/spectral.ts).
   * The SVD runs in JS on U read back asynchronously (a synchronous read is impossible on webgpu in Node).
   */
  private async projectRecurrent(): Promise<void> {
    const h = this.config.hiddenSize;
    for (let l = 0; l < this.clips.length; l++) {
      const u = this.layerParam(l, 'recurrent_kernel');
      const projected = this.clips[l]!.apply((await u.data()) as Float32Array, h, h);
      if (projected) tf.tidy(() => u.assign(tf.tensor2d(projected, [h, h])));
    }
  }

  /** Largest spectral norm ‖U‖₂ over the layers (Lanczos): < 1 means the model is contractive. */
  async stabilityBound(): Promise<number> {
    const h = this.config.hiddenSize;
    let worst = 0;
    for (let l = 0; l < this.config.layers; l++) {
      worst = Math.max(worst, spectralNorm((await this.layerParam(l, 'recurrent_kernel').data()) as Float32Array, h, h));
    }
    return worst;
  }
}
