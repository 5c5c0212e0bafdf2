// The one interface every sequence model implements. Layout everywhere:
// [batch, time, channels]; tokens are int32 ids [batch, time].
import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng.ts';
import type { ModelConfig } from './model-config.ts';
import type { NamedVariable } from './params.ts';

export interface ForwardOptions {
  /** Dropout on when true. */
  training: boolean;
  /** Source of dropout seeds; required when training with dropout. */
  rng?: Rng;
}

/** Recurrent state carried between windows (TBPTT), or null for feed-forward models. */
export type ModelState = tf.Tensor[] | null;

export interface ForwardResult {
  /** Unnormalised next-token scores, [batch, time, vocab]. */
  logits: tf.Tensor3D;
  /** State after the last step (recurrent models), else null. */
  state: ModelState;
}

export interface SequenceModel {
  readonly config: ModelConfig;
  /** Trainable variables in a fixed order. */
  readonly variables: readonly NamedVariable[];
  /** True when the model carries state across windows. */
  readonly recurrent: boolean;
  /** Zero state for `batch` sequences (null for feed-forward models). Caller disposes. */
  initialState(batch: number): ModelState;
  /**
   * Runs the model over a window. Output at t depends on tokens ≤ t only (and on `state`).
   * @param tokens [batch, time] int32
   */
  forward(tokens: tf.Tensor2D, state: ModelState, options: ForwardOptions): ForwardResult;
  /** Trainable parameter count. */
  parameterCount(): number;
  /** Steps of input that can influence one output: Infinity for recurrent models. */
  receptiveField(): number;
  dispose(): void;
}
