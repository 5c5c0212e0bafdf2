// The Compare screen's choices, kept while the user visits other screens.
import type { XMode } from '../smoothing.ts';

class CompareState {
  ids = $state<number[]>([]);
  xMode = $state<XMode>('step');
  smoothing = $state(0.6);
  showTrain = $state(false);
}

export const compare = new CompareState();
