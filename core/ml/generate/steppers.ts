// The generators that run a model's own forward pass, for every modality, and
// the autoregressive loop they share. A feed-forward model re-reads its window
// (the last receptiveField inputs, exact because output t depends on those
// only) for every new output: the "naive" method. A recurrent model steps its
// state one input at a time. One TF.js forward per output: correct and slow
// (WaveNet's cached generator, wavenet-stepper.ts, is the fast exception).
import * as tf from '@tensorflow/tfjs';
import { tidy } from '../engine/tidy.ts';
import type { ModelState, SequenceModel } from '../models/sequence-model.ts';
import type { SequenceInput } from '../ops/project-input.ts';

/** How a window of step inputs (oldest first) becomes the model's input tensor. */
export interface InputLayout<T> {
  /** @returns [1, time] int32 token ids, or [1, time, width] float32 features */
  tensor(window: readonly T[]): SequenceInput;
}

/** Token ids (text) and mu-law codes (audio): one id per step. */
export const codeInput: InputLayout<number> = {
  tensor: (window) => tf.tensor2d(window as number[], [1, window.length], 'int32'),
};

/** Feature frames (piano rolls): one [width] vector per step. */
export function frameInput(width: number): InputLayout<Float32Array> {
  return {
    tensor(window) {
      const flat = new Float32Array(window.length * width);
      window.forEach((frame, i) => flat.set(frame, i * width));
      return tf.tensor3d(flat, [1, window.length, width]);
    },
  };
}

/** Produces the logits of the next step after each fed input. */
export interface Stepper<T> {
  /** Feeds inputs (at least one) and returns the logits [outputs] that follow the last of them, valid until the next feed. */
  feed(inputs: ArrayLike<T>): Promise<Float32Array>;
  dispose(): void;
}

/** Last-position logits of a [1, time, outputs] forward, and the state after it. */
async function lastLogits<T>(
  model: SequenceModel,
  layout: InputLayout<T>,
  window: T[],
  state: ModelState,
): Promise<{ logits: Float32Array; state: ModelState }> {
  const { last, next } = tidy(() => {
    const r = model.forward(layout.tensor(window), state, { training: false });
    return { last: tf.reshape(tf.slice(r.logits, [0, window.length - 1, 0], [1, 1, -1]), [-1]), next: r.state };
  });
  const logits = (await last.data()) as Float32Array;
  last.dispose();
  return { logits, state: next };
}

/**
 * Window generation for a feed-forward model: a forward over the last receptiveField inputs, keeping the last logits.
 * @param contextCap at most this many inputs per forward (a cost guard; below the receptive field it is no longer exact)
 */
export function windowStepper<T>(model: SequenceModel, layout: InputLayout<T>, contextCap = Infinity): Stepper<T> {
  if (!Number.isFinite(model.receptiveField())) throw new Error('generate: the window method needs a feed-forward model');
  const context = Math.max(1, Math.min(model.receptiveField(), contextCap));
  const history: T[] = [];
  return {
    async feed(inputs) {
      for (let i = 0; i < inputs.length; i++) history.push(inputs[i]!);
      if (history.length > context) history.splice(0, history.length - context);
      return (await lastLogits(model, layout, history, null)).logits;
    },
    dispose() {},
  };
}

/** Recurrent generation: the state after each input is carried to the next forward. */
export function recurrentStepper<T>(model: SequenceModel, layout: InputLayout<T>): Stepper<T> {
  let state: ModelState = model.initialState(1);
  return {
    async feed(inputs) {
      const r = await lastLogits(model, layout, Array.from(inputs), state);
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

/** The model's own forward path: state stepping when it is recurrent, the window otherwise. */
export function forwardStepper<T>(model: SequenceModel, layout: InputLayout<T>, contextCap = Infinity): Stepper<T> {
  return model.recurrent ? recurrentStepper(model, layout) : windowStepper(model, layout, contextCap);
}

/**
 * Autoregression: feeds the prime, then `length` times draws the next input from the logits that follow what was fed
 * and feeds it back (not after the last draw: `length` forwards in all). Disposes the stepper.
 * @param draw (logits [outputs], index) → the input drawn; the logits may be overwritten by the next feed
 */
export async function autoregress<T>(
  stepper: Stepper<T>,
  prime: ArrayLike<T>,
  length: number,
  draw: (logits: Float32Array, index: number) => T,
): Promise<void> {
  try {
    if (length === 0) return;
    let logits = await stepper.feed(prime);
    for (let i = 0; i < length; i++) {
      const next = draw(logits, i);
      if (i + 1 < length) logits = await stepper.feed([next]);
    }
  } finally {
    stepper.dispose();
  }
}
