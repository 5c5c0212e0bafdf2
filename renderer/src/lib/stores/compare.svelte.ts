// The Compare screen's choices, kept while the user visits other screens.
// Smoothing starts off: compared curves are validation points, and an EMA
// over a handful of them misstates where each run ended.
import type { CompareMetric } from '../compare-metrics.ts';
import type { XMode } from '../smoothing.ts';

class CompareState {
  ids = $state<number[]>([]);
  /** The quantity overlaid (loss until the user picks another). */
  metric = $state<CompareMetric>('loss');
  xMode = $state<XMode>('step');
  smoothing = $state(0);
  logY = $state(false);
  showTrain = $state(false);
}

export const compare = new CompareState();
