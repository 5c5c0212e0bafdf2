// The TF.js side of the fused recurrent WGSL kernels: tf.customGrad wrapping
// (one output per op, the backward pass's tensors kept by TF.js's own save
// mechanism so nothing outlives the tape), and the products that turn the
// per-step gate gradients of a backward kernel into weight and input
// gradients. Everything here stays on the device: no read-back.
import * as tf from '@tensorflow/tfjs';

/** A fused op's forward pass: its one output, what to save for the backward pass, and the backward pass over the saved tensors. */
export interface SavingPass {
  value: tf.Tensor;
  /** Kept by TF.js while the tape records (and disposed with it); not kept when no gradient is being taken. */
  save: tf.Tensor[];
  /** Gradients in input order, each shaped like its input; `saved` is `save` as TF.js hands it back. */
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
}

/** tf.customGrad whose forward pass returns a SavingPass; inputs arrive as one list. */
export function savingOp(forward: (inputs: tf.Tensor[]) => SavingPass): (...inputs: tf.Tensor[]) => tf.Tensor {
  const f = (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const inputs = args.slice(0, -1) as tf.Tensor[];
    const pass = forward(inputs);
    save(pass.save);
    return { value: pass.value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => pass.gradFunc(dy, saved)) };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (...inputs: tf.Tensor[]) => tf.Tensor;
}

/** The last step of [batch, time, hidden] as [batch, hidden] (its gradient flows into hs). */
export function lastStep(hs: tf.Tensor3D): tf.Tensor2D {
  const [batch, time, hidden] = hs.shape;
  return tf.reshape(tf.slice(hs, [0, time - 1, 0], [batch, 1, hidden]), [batch, hidden]);
}

/**
 * The state entering every step, h_{t−1} for t = 0..time−1, as rows.
 * @param h0 [batch, hidden]
 * @param states [batch, ≥time, ≥hidden]: h_t in columns 0..hidden of rows 0..time−1
 * @returns [batch·time, hidden]
 */
export function previousStates(h0: tf.Tensor2D, states: tf.Tensor3D, time: number): tf.Tensor2D {
  const [batch, hidden] = h0.shape;
  const first = tf.reshape(h0, [batch, 1, hidden]);
  const prev = time === 1 ? first : tf.concat([first, tf.slice(states, [0, 0, 0], [batch, time - 1, hidden])], 1);
  return tf.reshape(prev, [batch * time, hidden]);
}

/**
 * Columns [from, from + width) of rows 0..time−1 of a [batch, rows, columns]
 * tensor, as [batch·time, width].
 */
export function stepRows(packed: tf.Tensor3D, time: number, from: number, width: number): tf.Tensor2D {
  const batch = packed.shape[0];
  return tf.reshape(tf.slice(packed, [0, 0, from], [batch, time, width]), [batch * time, width]);
}

/**
 * Gradients of the input term x·W given the gradient of the gate
 * pre-activations dA: dx = dA·Wᵀ and dW = xᵀ·dA.
 * @param x [batch, time, in] @param kernel W, [in, G·hidden] @param dA [batch·time, G·hidden]
 */
export function inputTermGrads(x: tf.Tensor3D, kernel: tf.Tensor2D, dA: tf.Tensor2D): { dx: tf.Tensor3D; dW: tf.Tensor2D } {
  const [batch, time, width] = x.shape;
  return {
    dx: tf.reshape(tf.matMul(dA, kernel, false, true), [batch, time, width]),
    dW: tf.matMul(tf.reshape(x, [batch * time, width]), dA, true, false),
  };
}

/**
 * x·W for every step of the window in one product.
 * @param x [batch, time, in] @param kernel [in, G·hidden] @returns [batch·time, G·hidden]
 */
export function inputTerm(x: tf.Tensor3D, kernel: tf.Tensor2D): tf.Tensor2D {
  const [batch, time, width] = x.shape;
  return tf.matMul(tf.reshape(x, [batch * time, width]), kernel);
}
