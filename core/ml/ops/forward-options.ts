// Options of one forward pass, read by the ops (dropout) and passed through
// every model: below core/ml/models so the ops need nothing above them.
import type { Rng } from '../rng.ts';

export interface ForwardOptions {
  /** Dropout on when true. */
  training: boolean;
  /** Source of dropout seeds; required when training with dropout. */
  rng?: Rng;
}
