// The dropout module with seededDropout replaying given masks: what the native
// steps' tests mock core/ml/ops/dropout.ts with, so the stock TF.js step uses
// the addon's masks. Each test file still calls vi.mock itself (vitest hoists
// mocks per file) and imports this from inside the factory; it imports only
// TF.js and vitest, so loading it there cannot reach the module being mocked.
// replaying() runs a stock step with the masks set and checks every one was used.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type * as Dropout from '../../core/ml/ops/dropout.ts';

/** Where the mock takes its masks from, one per dropout site in the forward's order; null: the model's own dropout. */
export interface DropoutReplay {
  masks: Float32Array[] | null;
}

/** `real` with seededDropout multiplying by the next of `replay.masks` while they are set (and dropout is active). */
export function replayingDropout(real: typeof Dropout, replay: DropoutReplay): typeof Dropout {
  const seededDropout: typeof real.seededDropout = (x, rate, options) => {
    if (!replay.masks || !real.dropoutActive(rate, options)) return real.seededDropout(x, rate, options);
    const mask = replay.masks.shift();
    if (!mask) throw new Error('replayed dropout: more sites than masks');
    return tf.mul(x, tf.tensor(mask, x.shape, 'float32')) as typeof x;
  };
  return { ...real, seededDropout };
}

/** Runs `fn` with `replay` holding `masks` (the stock step replays them); every mask must be used. */
export async function replaying<T>(replay: DropoutReplay, masks: Float32Array[], fn: () => Promise<T>): Promise<T> {
  replay.masks = [...masks];
  try {
    const out = await fn();
    expect(replay.masks, 'every dropout site took its mask').toHaveLength(0);
    return out;
  } finally {
    replay.masks = null;
  }
}
