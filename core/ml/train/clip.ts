// Global-norm gradient clipping (Pascanu, Mikolov & Bengio 2013). TF.js has no
// clipnorm option, so the training loop does it.
import * as tf from '@tensorflow/tfjs';

/** ‖g‖₂ over all gradients together, as a scalar tensor. */
export function globalNorm(grads: Record<string, tf.Tensor>): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
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
