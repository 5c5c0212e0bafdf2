// tf.tidy for results that hold nulls (e.g. a feed-forward model's state):
// TF.js walks such containers fine at run time, but its types reject null.
import * as tf from '@tensorflow/tfjs';

/** Like tf.tidy: frees every intermediate tensor, keeps the tensors reachable from the result. */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}
