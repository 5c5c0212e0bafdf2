// A sweep's trials from its spec alone: the points of the space (grid or
// seeded draws), each turned into model and training settings. The caller
// validates each against the dataset (services/sweeps) before storing.
import { sweepPoints, type SweepPoint } from './sweep-sampling.ts';
import type { SweepSpec } from './sweep-spec.ts';
import { checkSweepFields, trialSettings, type TrialSettings } from './trial-config.ts';

export interface PlannedTrial {
  index: number;
  /** The swept values of this trial, by config name as in the file. */
  point: SweepPoint;
  settings: TrialSettings;
}

/** Every trial of the sweep, in order; throws naming a bad field. */
export function planTrials(spec: SweepSpec): PlannedTrial[] {
  checkSweepFields(spec);
  return sweepPoints(spec).map((point, index) => ({ index, point, settings: trialSettings(spec, point) }));
}

/** "lr=0.0031, hiddenSize=64" for messages and labels. */
export function describePoint(point: SweepPoint): string {
  return Object.entries(point)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(3)) : String(v)}`)
    .join(', ');
}
