// WaveNet (van den Oord et al. 2016, "WaveNet: A Generative Model for Raw
// Audio"): input projection -> causal convolution of kernel 2 -> stacks of
// dilated gated units z = tanh(W_f*x) ⊙ σ(W_g*x), each with a 1×1 residual
// projection added to its input and a 1×1 skip projection -> Σ skips -> ReLU ->
// 1×1 -> ReLU -> 1×1 to vocabSize classes (text tokens, or 256 mu-law levels).
// The network is exposed as its parts (embed, layer i, head) with each layer's
// dilation, so a queue-based fast generator (Paine et al. 2016) can run one
// step per layer from cached activations without re-deriving the structure.
import * as tf from '@tensorflow/tfjs';
import { tidy } from '../engine/tidy.ts';
import { causalConv1d, stackedReceptiveField } from '../ops/causal-conv.ts';
import { causalConvUnit } from '../ops/causal-conv-unit.ts';
import { seededDropout } from '../ops/dropout.ts';
import { timeDistributedDense } from '../ops/embed-tokens.ts';
import { projectInput, type SequenceInput } from '../ops/project-input.ts';
import type { Rng } from '../rng.ts';
import type { WavenetConfig } from './model-config.ts';
import { inputWidth, ParamStore, uniform } from './params.ts';
import type { ForwardOptions, ForwardResult, SequenceModel } from './sequence-model.ts';

/** Kernel of the causal input convolution, as in the paper. */
export const WAVENET_INPUT_KERNEL = 2;

/** One gated residual layer's place in the network. Its parameters are `layer{index}/…`. */
export interface WavenetLayer {
  /** 0-based over all layers of all stacks. */
  index: number;
  stack: number;
  /** 2^(index mod layersPerStack). */
  dilation: number;
  /** False for the last layer, whose output feeds only the skip sum (a residual there would be dead weight). */
  hasResidual: boolean;
}

/** The layer structure of a config, in order. */
export function wavenetLayers(config: Pick<WavenetConfig, 'stacks' | 'layersPerStack'>): WavenetLayer[] {
  const total = config.stacks * config.layersPerStack;
  return Array.from({ length: total }, (_, index) => ({
    index,
    stack: Math.floor(index / config.layersPerStack),
    dilation: 2 ** (index % config.layersPerStack),
    hasResidual: index < total - 1,
  }));
}

/** Receptive field: 1 + (2−1) for the input convolution + stacks·(k−1)·(2^layersPerStack − 1). */
export function wavenetReceptiveField(config: Pick<WavenetConfig, 'stacks' | 'layersPerStack' | 'kernelSize'>): number {
  const inputConv = stackedReceptiveField(WAVENET_INPUT_KERNEL, [1]) - 1;
  return (
    inputConv +
    stackedReceptiveField(
      config.kernelSize,
      wavenetLayers(config).map((l) => l.dilation),
    )
  );
}

export class WavenetModel implements SequenceModel {
  readonly recurrent = false;
  readonly layers: readonly WavenetLayer[];
  private readonly params: ParamStore;

  constructor(
    readonly config: WavenetConfig,
    rng: Rng,
  ) {
    const { vocabSize: v, embedSize: e, residualChannels: r, dilationChannels: d, skipChannels: s, kernelSize: k } = config;
    this.layers = wavenetLayers(config);
    this.params = new ParamStore(rng);
    const p = this.params;
    // PyTorch's default bound 1/sqrt(fan_in) for every weight and bias.
    const dense = (name: string, fanIn: number, out: number) => {
      p.add(`${name}/kernel`, [fanIn, out], uniform(1 / Math.sqrt(fanIn)));
      p.add(`${name}/bias`, [out], uniform(1 / Math.sqrt(fanIn)));
    };
    dense('input', inputWidth(config), e);
    dense('causal', WAVENET_INPUT_KERNEL * e, r);
    for (const layer of this.layers) {
      const name = `layer${layer.index}`;
      dense(`${name}/filter`, k * r, d);
      dense(`${name}/gate`, k * r, d);
      dense(`${name}/skip`, d, s);
      if (layer.hasResidual) dense(`${name}/residual`, d, r);
    }
    dense('output/hidden', s, s);
    dense('output', s, v);
  }

  get variables() {
    return this.params.list;
  }

  initialState(): null {
    return null;
  }

  private w(name: string): tf.Tensor2D {
    return this.params.get(`${name}/kernel`) as tf.Tensor2D;
  }

  private b(name: string): tf.Tensor1D {
    return this.params.get(`${name}/bias`) as tf.Tensor1D;
  }

  /**
   * Input projection and the causal input convolution (kernel 2, dilation 1).
   * Output t reads inputs t−1 and t only, so a generator can pass just the last two steps.
   * @param input [batch, time] int32 or [batch, time, inputFeatures] float32
   * @returns [batch, time, residualChannels]
   */
  embed(input: SequenceInput): tf.Tensor3D {
    return tf.tidy(() =>
      causalConv1d(projectInput(input, this.w('input'), this.b('input')), this.w('causal'), this.b('causal'), WAVENET_INPUT_KERNEL, 1),
    );
  }

  /**
   * Gated residual layer i over a window: z = tanh(W_f*x) ⊙ σ(W_g*x) as one
   * convolution of both kernels with the gate in its epilogue (where the kernels
   * are fused), then skip = z·W_s and next = x + z·W_r.
   * A queue-based generator passes the k taps x_{t−(k−1)d}, …, x_t as a
   * [batch, k, R] window with `dilation` 1 and keeps the last step.
   * @param x [batch, time, residualChannels]
   * @returns next [batch, time, residualChannels] (null for the last layer), skip [batch, time, skipChannels]
   */
  layer(
    i: number,
    x: tf.Tensor3D,
    options: ForwardOptions,
    dilation = this.layers[i]!.dilation,
  ): { next: tf.Tensor3D | null; skip: tf.Tensor3D } {
    return tidy(() => {
      const name = `layer${i}`;
      const w = tf.concat([this.w(`${name}/filter`), this.w(`${name}/gate`)], 1);
      const b = tf.concat([this.b(`${name}/filter`), this.b(`${name}/gate`)]);
      const gated = causalConvUnit(x, { kernel: w }, b, null, { kernelSize: this.config.kernelSize, dilation, activation: 'gatedTanh' });
      const z = seededDropout(gated, this.config.dropout, options);
      const skip = timeDistributedDense(z, this.w(`${name}/skip`), this.b(`${name}/skip`));
      const next = this.layers[i]!.hasResidual
        ? (tf.add(x, timeDistributedDense(z, this.w(`${name}/residual`), this.b(`${name}/residual`))) as tf.Tensor3D)
        : null;
      return { next, skip };
    });
  }

  /**
   * Output head, position-wise: ReLU → 1×1 → ReLU → 1×1.
   * @param skipSum [batch, time, skipChannels] @returns [batch, time, vocabSize]
   */
  head(skipSum: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const hidden = tf.relu(timeDistributedDense(tf.relu(skipSum), this.w('output/hidden'), this.b('output/hidden')));
      return timeDistributedDense(hidden, this.w('output'), this.b('output'));
    });
  }

  forward(input: SequenceInput, _state: null, options: ForwardOptions): ForwardResult {
    return tidy(() => {
      let x: tf.Tensor3D | null = this.embed(input);
      let skipSum: tf.Tensor3D | null = null;
      for (const layer of this.layers) {
        const out = this.layer(layer.index, x!, options);
        skipSum = skipSum ? (tf.add(skipSum, out.skip) as tf.Tensor3D) : out.skip;
        x = out.next;
      }
      return { logits: this.head(skipSum!), state: null };
    });
  }

  parameterCount(): number {
    return this.params.count();
  }

  receptiveField(): number {
    return wavenetReceptiveField(this.config);
  }

  dispose(): void {
    this.params.dispose();
  }
}
