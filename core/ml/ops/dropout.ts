// Dropout with a seed drawn from the run's generator, so a seed (and a
// resumed checkpoint) fixes every mask. Identity outside training.
import * as tf from '@tensorflow/tfjs';
import type { ForwardOptions } from './forward-options.ts';

/** True when seededDropout(x, rate, options) changes x (training, rate > 0); a model may then fuse what follows it. */
export function dropoutActive(rate: number, options: ForwardOptions): boolean {
  return options.training && rate !== 0;
}

/** @param x any shape; @returns x with a fraction `rate` zeroed and the rest scaled by 1/(1−rate). */
export function seededDropout<T extends tf.Tensor>(x: T, rate: number, options: ForwardOptions): T {
  if (!dropoutActive(rate, options)) return x;
  if (!options.rng) throw new Error('dropout needs options.rng while training');
  return tf.dropout(x, rate, undefined, options.rng.seed()) as T;
}
