// The reference generators, through the models' own forward passes:
// feed-forward models re-read their whole receptive field for every new code
// (the "naive" method; exact, because output t depends on the last
// receptiveField inputs only), recurrent models step their state one code at
// a time. One TF.js forward per code: correct and slow.
import * as tf from '@tensorflow/tfjs';
import { tidy } from '../engine/tidy.ts';
import type { ModelState, SequenceModel } from '../models/sequence-model.ts';

/** Produces the logits for the next code after each fed code. */
export interface CodeStepper {
  /**
   * Feeds codes (at least one) and returns the logits [vocab] that follow the last of them.
   * The returned array is the caller's.
   */
  feed(codes: ArrayLike<number>): Promise<Float32Array>;
  dispose(): void;
}

/** Last-position logits of a [1, time, vocab] forward. */
async function lastLogits(model: SequenceModel, window: number[], state: ModelState): Promise<{ logits: Float32Array; state: ModelState }> {
  const { last, next } = tidy(() => {
    const r = model.forward(tf.tensor2d(window, [1, window.length], 'int32'), state, { training: false });
    return { last: tf.reshape(tf.slice(r.logits, [0, window.length - 1, 0], [1, 1, -1]), [-1]), next: r.state };
  });
  const logits = (await last.data()) as Float32Array;
  last.dispose();
  return { logits, state: next };
}

/** Naive window generation for a feed-forward model: forward over the last receptiveField codes, keep the last logits. */
export function windowStepper(model: SequenceModel): CodeStepper {
  const context = model.receptiveField();
  if (!Number.isFinite(context)) throw new Error('generate: the window method needs a feed-forward model');
  const history: number[] = [];
  return {
    async feed(codes) {
      for (let i = 0; i < codes.length; i++) history.push(codes[i]!);
      if (history.length > context) history.splice(0, history.length - context);
      return (await lastLogits(model, history, null)).logits;
    },
    dispose() {},
  };
}

/** Recurrent generation: the state after each code is carried to the next forward of one step. */
export function recurrentStepper(model: SequenceModel): CodeStepper {
  let state: ModelState = model.initialState(1);
  return {
    async feed(codes) {
      const r = await lastLogits(model, Array.from(codes), state);
      state?.forEach((t) => t.dispose());
      state = r.state;
      return r.logits;
    },
    dispose() {
      state?.forEach((t) => t.dispose());
      state = null;
    },
  };
}
