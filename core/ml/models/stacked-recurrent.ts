// The structure rnn, lstm and gru models share: input projection -> `layers`
// recurrent layers (dropout between them) -> dropout -> linear read-out. A
// cell supplies its parameters and its sequence kernel; this class does the
// rest, forward() and the per-step API (recurrent-model.ts) alike.
// Initialisation follows PyTorch (uniform ±1/sqrt(fan)), so learning curves
// are comparable with shared/bench/torch_ref.py.
import * as tf from '@tensorflow/tfjs';
import { tidy } from '../engine/tidy.ts';
import { seededDropout } from '../ops/dropout.ts';
import { timeDistributedDense } from '../ops/embed-tokens.ts';
import { projectInput, type SequenceInput } from '../ops/project-input.ts';
import type { Rng } from '../rng.ts';
import type { RecurrentConfig } from './model-config.ts';
import { addInputProjection, addReadout, ParamStore } from './params.ts';
import type { RecurrenceResult, RecurrentSequenceModel } from './recurrent-model.ts';
import type { ForwardOptions, ForwardResult } from './sequence-model.ts';

/** What distinguishes one recurrent layer type from another. */
export interface RecurrentCell {
  /** Parameter prefix: layer l's parameters are `${prefix}${l}/…`. */
  readonly prefix: string;
  /** State tensors per layer: 1 ([h]) or 2 ([h, c]). */
  readonly statesPerLayer: number;
  /** Adds layer `layer`'s parameters (their order is the checkpoint order). */
  addLayer(p: ParamStore, layer: number, inSize: number, hidden: number): void;
  /**
   * Runs layer `layer` over a window.
   * @param x [batch, time, in] @param state the layer's state tensors, each [batch, hidden]
   */
  runLayer(p: ParamStore, layer: number, x: tf.Tensor3D, state: tf.Tensor2D[]): RecurrenceResult;
}

export abstract class StackedRecurrentModel<C extends RecurrentConfig> implements RecurrentSequenceModel {
  readonly recurrent = true;
  protected readonly params: ParamStore;

  constructor(
    readonly config: C,
    rng: Rng,
    private readonly cell: RecurrentCell,
  ) {
    const { vocabSize: v, embedSize: e, hiddenSize: h, layers } = config;
    this.params = new ParamStore(rng);
    const p = this.params;
    addInputProjection(p, config);
    for (let l = 0; l < layers; l++) cell.addLayer(p, l, l === 0 ? e : h, h);
    addReadout(p, h, v);
  }

  get variables() {
    return this.params.list;
  }

  get hiddenSize(): number {
    return this.config.hiddenSize;
  }

  /** Layer l's parameter `name`, e.g. layerParam(0, 'recurrent_kernel') is "rnn0/recurrent_kernel" in an rnn. */
  protected layerParam(layer: number, name: string): tf.Variable {
    return this.params.get(`${this.cell.prefix}${layer}/${name}`);
  }

  initialState(batch: number): tf.Tensor2D[] {
    const state: tf.Tensor2D[] = [];
    for (let i = 0; i < this.config.layers * this.cell.statesPerLayer; i++) state.push(tf.zeros([batch, this.config.hiddenSize]));
    return state;
  }

  embed(input: SequenceInput): tf.Tensor3D {
    return projectInput(input, this.params.get('input/kernel') as tf.Tensor2D, this.params.get('input/bias') as tf.Tensor1D);
  }

  recur(x: tf.Tensor3D, state: tf.Tensor2D[], options: ForwardOptions): RecurrenceResult {
    return tidy(() => {
      const k = this.cell.statesPerLayer;
      const next: tf.Tensor2D[] = [];
      let hs = x;
      for (let l = 0; l < this.config.layers; l++) {
        if (l > 0) hs = seededDropout(hs, this.config.dropout, options);
        const out = this.cell.runLayer(this.params, l, hs, state.slice(l * k, (l + 1) * k));
        hs = out.hs;
        next.push(...out.state);
      }
      return { hs, state: next };
    });
  }

  readout(hs: tf.Tensor3D, options: ForwardOptions): tf.Tensor3D {
    return tidy(() => {
      const x = seededDropout(hs, this.config.dropout, options);
      return timeDistributedDense(x, this.params.get('output/kernel') as tf.Tensor2D, this.params.get('output/bias') as tf.Tensor1D);
    });
  }

  forward(input: SequenceInput, state: tf.Tensor[] | null, options: ForwardOptions): ForwardResult {
    return tidy(() => {
      const start = (state as tf.Tensor2D[] | null) ?? this.initialState(input.shape[0]);
      const out = this.recur(this.embed(input), start, options);
      return { logits: this.readout(out.hs, options), state: out.state };
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
