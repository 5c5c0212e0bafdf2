// Temporal convolutional network (Bai, Kolter & Koltun 2018; locuslab/TCN):
// input projection -> residual blocks of [causal dilated conv -> ReLU -> dropout] × 2
// with weight normalisation, dilation 2^i at level i -> linear read-out.
// With convsPerBlock 1, no residual and no weight norm it is the plain conv
// stack of shared/bench/torch_ref.py.
import * as tf from '@tensorflow/tfjs';
import { tidy } from '../engine/tidy.ts';
import { stackedReceptiveField } from '../ops/causal-conv.ts';
import { causalConvUnit } from '../ops/causal-conv-unit.ts';
import { dropoutActive, seededDropout } from '../ops/dropout.ts';
import { timeDistributedDense } from '../ops/embed-tokens.ts';
import { projectInput, type SequenceInput } from '../ops/project-input.ts';
import type { Rng } from '../rng.ts';
import type { TcnConfig } from './model-config.ts';
import { addInputProjection, addReadout, normal, ParamStore, uniform } from './params.ts';
import type { ForwardOptions, ForwardResult, SequenceModel } from './sequence-model.ts';
import { addConvKernel, convWeightsOf } from './weight-norm.ts';

export class TcnModel implements SequenceModel {
  readonly recurrent = false;
  private readonly params: ParamStore;

  constructor(
    readonly config: TcnConfig,
    rng: Rng,
  ) {
    const { vocabSize: v, embedSize: e, hiddenSize: h, levels, kernelSize: k, convsPerBlock } = config;
    this.params = new ParamStore(rng);
    const p = this.params;
    addInputProjection(p, config);
    for (let l = 0; l < levels; l++) {
      for (let c = 0; c < convsPerBlock; c++) {
        const cin = l === 0 && c === 0 ? e : h;
        const name = `block${l}/conv${c}`;
        // PyTorch's default Conv1d init, uniform ±1/√(k·cin), with or without weight norm (g = ‖v‖, so w = v
        // at step 0). That is what locuslab/TCN really trains from: its init_weights' normal_(0, 0.01) on a
        // weight-normed conv is overwritten by weight_norm's pre-forward hook (locuslab/TCN issue #1, confirmed by
        // the authors). An N(0, 0.01) start is ~4× smaller per layer here, and a PyTorch replica of the
        // adding-200 preset stayed at the baseline for 3,000 steps with it, where this init solved it (docs/benchmarks.md).
        addConvKernel(p, name, [k * cin, h], uniform(1 / Math.sqrt(k * cin)), config.weightNorm);
        p.add(`${name}/bias`, [h], uniform(1 / Math.sqrt(k * cin)));
      }
      if (config.residual && l === 0 && e !== h) {
        // The 1×1 downsample has no weight norm, so locuslab/TCN's N(0, 0.01) does take effect on it.
        p.add(`block${l}/downsample/kernel`, [e, h], normal(0.01));
        p.add(`block${l}/downsample/bias`, [h], uniform(1 / Math.sqrt(e)));
      }
    }
    addReadout(p, h, v);
  }

  get variables() {
    return this.params.list;
  }

  /** Dilation of level l: 2^l. */
  dilation(level: number): number {
    return 2 ** level;
  }

  initialState(): null {
    return null;
  }

  forward(input: SequenceInput, _state: null, options: ForwardOptions): ForwardResult {
    return tidy(() => {
      const p = this.params;
      const { levels, kernelSize, convsPerBlock, residual } = this.config;
      let x = projectInput(input, p.get('input/kernel') as tf.Tensor2D, p.get('input/bias') as tf.Tensor1D);
      // Without dropout between them, the block's residual add and ReLU join its last convolution's unit.
      const fuseResidual = residual && !dropoutActive(this.config.dropout, options);
      for (let l = 0; l < levels; l++) {
        const skip = residual ? this.skipPath(l, x) : null;
        let h = x;
        for (let c = 0; c < convsPerBlock; c++) {
          const name = `block${l}/conv${c}`;
          const tail = fuseResidual && c === convsPerBlock - 1 ? skip : null;
          const weights = convWeightsOf(p, name, this.config.weightNorm);
          const unit = { kernelSize, dilation: this.dilation(l), activation: 'relu' as const };
          h = seededDropout(causalConvUnit(h, weights, p.get(`${name}/bias`) as tf.Tensor1D, tail, unit), this.config.dropout, options);
        }
        if (skip && !fuseResidual) h = tf.relu(tf.add(h, skip)) as tf.Tensor3D;
        x = h;
      }
      const logits = timeDistributedDense(x, p.get('output/kernel') as tf.Tensor2D, p.get('output/bias') as tf.Tensor1D);
      return { logits, state: null };
    });
  }

  /** Block l's residual path: its input, through a 1×1 downsample where the widths differ. */
  private skipPath(level: number, x: tf.Tensor3D): tf.Tensor3D {
    const p = this.params;
    if (!this.hasDownsample(level)) return x;
    return timeDistributedDense(
      x,
      p.get(`block${level}/downsample/kernel`) as tf.Tensor2D,
      p.get(`block${level}/downsample/bias`) as tf.Tensor1D,
    );
  }

  hasDownsample(level: number): boolean {
    return this.config.residual && level === 0 && this.config.embedSize !== this.config.hiddenSize;
  }

  parameterCount(): number {
    return this.params.count();
  }

  /** 1 + convsPerBlock·(k−1)·(2^L − 1) steps. */
  receptiveField(): number {
    return tcnReceptiveField(this.config);
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** Receptive field of a TCN config, in steps: 1 + convsPerBlock·(k−1)·(2^L − 1). */
export function tcnReceptiveField(config: Pick<TcnConfig, 'levels' | 'kernelSize' | 'convsPerBlock'>): number {
  const dilations: number[] = [];
  for (let l = 0; l < config.levels; l++) {
    for (let c = 0; c < config.convsPerBlock; c++) dilations.push(2 ** l);
  }
  return stackedReceptiveField(config.kernelSize, dilations);
}
