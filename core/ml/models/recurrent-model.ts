// The per-step view of a recurrent model, beside the window-at-a-time
// SequenceModel.forward: input projection, recurrence and read-out as separate
// calls. The truncated model (restart from zero k steps back) and the state
// Jacobian of the stability read-outs are built on it.
import type * as tf from '@tensorflow/tfjs';
import type { SequenceInput } from '../ops/project-input.ts';
import type { ForwardOptions, SequenceModel } from './sequence-model.ts';

export interface RecurrenceResult {
  /** Top layer's hidden state at every step, [batch, time, hidden]. */
  hs: tf.Tensor3D;
  /** State after the last step, in the layout of initialState(). */
  state: tf.Tensor2D[];
}

export interface RecurrentSequenceModel extends SequenceModel {
  readonly recurrent: true;
  /** Width of the top layer's hidden state (the read-out's input). */
  readonly hiddenSize: number;
  /** Zero state: per layer [h] (rnn, gru) or [h, c] (lstm), each [batch, hidden]. */
  initialState(batch: number): tf.Tensor2D[];
  /**
   * Input projection, position by position.
   * @param input [batch, time] int32 ids or [batch, time, inputFeatures]
   * @returns [batch, time, embed]
   */
  embed(input: SequenceInput): tf.Tensor3D;
  /**
   * The stacked recurrence over a window of projected inputs (dropout between
   * layers when training). One step is a window of length 1.
   * @param x [batch, time, embed]
   * @param state layout of initialState()
   */
  recur(x: tf.Tensor3D, state: tf.Tensor2D[], options: ForwardOptions): RecurrenceResult;
  /**
   * Read-out (dropout before it when training).
   * @param hs [batch, time, hidden] @returns [batch, time, vocabSize]
   */
  readout(hs: tf.Tensor3D, options: ForwardOptions): tf.Tensor3D;
}

export function isRecurrentModel(model: SequenceModel): model is RecurrentSequenceModel {
  const m = model as Partial<RecurrentSequenceModel>;
  return model.recurrent && typeof m.embed === 'function' && typeof m.recur === 'function' && typeof m.readout === 'function';
}
