// Gated convolutional language model (Dauphin, Fan, Auli & Grangier 2017,
// "Language Modeling with Gated Convolutional Networks"): input projection ->
// residual blocks of causal GLU convolutions h = (X*W + b) ⊙ σ(X*V + c) ->
// linear read-out. Causal by left padding (k−1)·d inside causalConv1d; the
// paper uses dilation 1, `dilated` switches to 2^l in block l.
import * as tf from '@tensorflow/tfjs';
import { tidy } from '../engine/tidy.ts';
import { stackedReceptiveField } from '../ops/causal-conv.ts';
import { causalConvUnit } from '../ops/causal-conv-unit.ts';
import { seededDropout } from '../ops/dropout.ts';
import { timeDistributedDense } from '../ops/embed-tokens.ts';
import { projectInput, type SequenceInput } from '../ops/project-input.ts';
import type { Rng } from '../rng.ts';
import type { GcnnConfig } from './model-config.ts';
import { addInputProjection, addReadout, ParamStore, uniform } from './params.ts';
import type { ForwardOptions, ForwardResult, SequenceModel } from './sequence-model.ts';
import { addConvKernel, concatConvWeights, convWeightsOf } from './weight-norm.ts';

/** The two halves of a GLU convolution: the linear path W and the gate V. */
const HALVES = ['linear', 'gate'] as const;

export class GcnnModel implements SequenceModel {
  readonly recurrent = false;
  private readonly params: ParamStore;

  constructor(
    readonly config: GcnnConfig,
    rng: Rng,
  ) {
    const { vocabSize: v, embedSize: e, hiddenSize: h, levels, kernelSize: k, convsPerBlock } = config;
    this.params = new ParamStore(rng);
    const p = this.params;
    addInputProjection(p, config);
    for (let l = 0; l < levels; l++) {
      for (let c = 0; c < convsPerBlock; c++) {
        const cin = l === 0 && c === 0 ? e : h;
        const bound = 1 / Math.sqrt(k * cin);
        for (const half of HALVES) {
          const name = `block${l}/conv${c}/${half}`;
          addConvKernel(p, name, [k * cin, h], uniform(bound), config.weightNorm);
          p.add(`${name}/bias`, [h], uniform(bound));
        }
      }
      if (this.hasProjection(l)) {
        p.add(`block${l}/projection/kernel`, [e, h], uniform(1 / Math.sqrt(e)));
        p.add(`block${l}/projection/bias`, [h], uniform(1 / Math.sqrt(e)));
      }
    }
    addReadout(p, h, v);
  }

  get variables() {
    return this.params.list;
  }

  /** Dilation of every convolution in block l: 1, or 2^l when `dilated`. */
  dilation(level: number): number {
    return this.config.dilated ? 2 ** level : 1;
  }

  /** Block l's residual path needs a 1×1 projection when its input width differs (block 0, embed ≠ hidden). */
  hasProjection(level: number): boolean {
    return level === 0 && this.config.embedSize !== this.config.hiddenSize;
  }

  initialState(): null {
    return null;
  }

  /**
   * One causal GLU convolution: W and V run as a single convolution of width
   * 2·hidden, the gate in its epilogue where the kernels are fused.
   * @param x [batch, time, Cin] @returns [batch, time, hidden]
   */
  private glu(name: string, x: tf.Tensor3D, dilation: number): tf.Tensor3D {
    const p = this.params;
    const weights = concatConvWeights(HALVES.map((half) => convWeightsOf(p, `${name}/${half}`, this.config.weightNorm)));
    const b = tf.concat(HALVES.map((half) => p.get(`${name}/${half}/bias`) as tf.Tensor1D));
    return causalConvUnit(x, weights, b, null, { kernelSize: this.config.kernelSize, dilation, activation: 'glu' });
  }

  forward(input: SequenceInput, _state: null, options: ForwardOptions): ForwardResult {
    return tidy(() => {
      const p = this.params;
      const { levels, convsPerBlock, dropout } = this.config;
      let x = projectInput(input, p.get('input/kernel') as tf.Tensor2D, p.get('input/bias') as tf.Tensor1D);
      for (let l = 0; l < levels; l++) {
        let h = x;
        for (let c = 0; c < convsPerBlock; c++) h = seededDropout(this.glu(`block${l}/conv${c}`, h, this.dilation(l)), dropout, options);
        const skip = this.hasProjection(l)
          ? timeDistributedDense(x, p.get(`block${l}/projection/kernel`) as tf.Tensor2D, p.get(`block${l}/projection/bias`) as tf.Tensor1D)
          : x;
        x = tf.add(h, skip);
      }
      const logits = timeDistributedDense(x, p.get('output/kernel') as tf.Tensor2D, p.get('output/bias') as tf.Tensor1D);
      return { logits, state: null };
    });
  }

  parameterCount(): number {
    return this.params.count();
  }

  receptiveField(): number {
    return gcnnReceptiveField(this.config);
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** Receptive field of a GCNN config: 1 + convsPerBlock·(k−1)·Σ_l d_l (d_l = 1, or 2^l when dilated). */
export function gcnnReceptiveField(config: Pick<GcnnConfig, 'levels' | 'kernelSize' | 'convsPerBlock' | 'dilated'>): number {
  const dilations: number[] = [];
  for (let l = 0; l < config.levels; l++) {
    for (let c = 0; c < config.convsPerBlock; c++) dilations.push(config.dilated ? 2 ** l : 1);
  }
  return stackedReceptiveField(config.kernelSize, dilations);
}
