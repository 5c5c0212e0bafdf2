// Global-norm gradient clipping (Pascanu, Mikolov & Bengio 2013). TF.js has no
// clipnorm option, so the training loop does it.
import * as tf from '@tensorflow/tfjs';
import { defineKernel } from '../engine/kernel-registry.ts';

/** ‖g‖₂ over all the tensors together, as a scalar tensor. Stock ops: two kernels per tensor, the addNs and a sqrt. */
function globalNormReference(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(sumInChunks(tensors.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}

// A kernel: a backend may reduce every gradient in one pass (webgpu: one dispatch per few gradients).
const globalNormKernel = defineKernel('globalNorm', globalNormReference);

/** ‖g‖₂ over all gradients together, as a scalar tensor. */
export function globalNorm(grads: Record<string, tf.Tensor>): tf.Scalar {
  return globalNormKernel(Object.values(grads));
}

/**
 * Most tensors one `addN` may take: TF.js's webgpu AddN binds every input as a
 * storage buffer and does not split, and WebGPU guarantees only 8 storage
 * buffers per shader stage (one is the output); more makes an invalid pipeline
 * whose result is garbage, silently.
 */
const MAX_ADDN_INPUTS = 7;

/**
 * Σ xs as a left fold of `addN`s of at most MAX_ADDN_INPUTS inputs. The cpu
 * and wasm AddN also add left to right, rounding each partial sum to float32,
 * so the result is bit-for-bit one `addN` of them all there.
 */
function sumInChunks(xs: tf.Tensor[]): tf.Tensor {
  let acc = tf.addN(xs.slice(0, MAX_ADDN_INPUTS));
  for (let i = MAX_ADDN_INPUTS; i < xs.length; i += MAX_ADDN_INPUTS - 1) acc = tf.addN([acc, ...xs.slice(i, i + MAX_ADDN_INPUTS - 1)]);
  return acc;
}

/**
 * Scales every gradient by min(1, maxNorm / norm). Returns new tensors and
 * disposes the inputs that were replaced; maxNorm ≤ 0 disables clipping.
 */
export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, norm: number, maxNorm: number): Record<string, tf.Tensor> {
  if (maxNorm <= 0 || norm <= maxNorm) return grads;
  const scale = maxNorm / norm;
  const out: Record<string, tf.Tensor> = {};
  for (const [name, g] of Object.entries(grads)) {
    out[name] = tf.mul(g, scale);
    g.dispose();
  }
  return out;
}
