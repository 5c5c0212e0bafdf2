// Tests run on TF.js's cpu backend: deterministic and present everywhere.
import * as tf from '@tensorflow/tfjs';

export async function useCpuBackend(): Promise<void> {
  tf.env().set('PROD', true); // as in the app: no console advice about tfjs-node
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Runs `fn` and returns how many tensors it left behind. */
export async function leakedTensors(fn: () => unknown | Promise<unknown>): Promise<number> {
  const before = tf.memory().numTensors;
  await fn();
  return tf.memory().numTensors - before;
}
