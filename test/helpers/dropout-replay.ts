// The dropout module with seededDropout replaying given masks: what the native
// steps' tests mock core/ml/ops/dropout.ts with, so the stock TF.js step uses
// the addon's masks. Each test file still calls vi.mock itself (vitest hoists
// mocks per file) and imports this from inside the factory; it imports only
// TF.js, so loading it there cannot reach the module being mocked.
import * as tf from '@tensorflow/tfjs';
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
