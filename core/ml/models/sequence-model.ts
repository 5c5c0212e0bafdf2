// The one interface every sequence model implements. Layout everywhere:
// [batch, time, channels]; tokens are int32 ids [batch, time]; features float32 [batch, time, width].
import type * as tf from '@tensorflow/tfjs';
import type { ForwardOptions } from '../ops/forward-options.ts';
import type { SequenceInput } from '../ops/project-input.ts';
import type { ModelConfig } from './model-config.ts';
import type { NamedVariable } from './params.ts';

export type { ForwardOptions };

/** Recurrent state carried between windows (TBPTT), or null for feed-forward models. */
export type ModelState = tf.Tensor[] | null;

export interface ForwardResult {
  /**
   * Unnormalised outputs, [batch, time, vocabSize]: class scores (softmax),
   * per-unit Bernoulli logits (sigmoid) or regression values, as the task says.
   */
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
   * Runs the model over a window. Output at t depends on inputs ≤ t only (and on `state`).
   * @param input [batch, time] int32 token ids, or [batch, time, inputFeatures] float32
   */
  forward(input: SequenceInput, state: ModelState, options: ForwardOptions): ForwardResult;
  /**
   * Awaited by the trainer after every optimiser step: a model with a
   * constraint (e.g. a spectral-norm bound on the recurrent matrix) projects
   * its weights back onto the feasible set here. Asynchronous because a
   * projection done in JS must read the weights back, and on webgpu only an
   * asynchronous read exists. Absent when unconstrained.
   */
  constrain?(): Promise<void>;
  /**
   * Read-outs of the model's stability, recorded with the metrics at
   * validation steps: e.g. the recurrent matrix's spectral norm, or the bound
   * of the LSTM constraint. Absent for feed-forward models.
   */
  stabilityBound?(): Promise<number>;
  /** Trainable parameter count. */
  parameterCount(): number;
  /** Steps of input that can influence one output: Infinity for recurrent models. */
  receptiveField(): number;
  dispose(): void;
}
