// What the Compare screen can overlay besides loss: bits, recall accuracy,
// throughput, gradient norm and the stability bound. Each metric says how to
// read it from a metric row, how to draw its axis, and why a run cannot have
// it when that follows from the run's dataset or model alone; a run that
// simply recorded none is named in the chart's legend instead of vanishing.
import type { RowPick } from './curves.ts';
import { isCopyTask } from './dataset-kinds.ts';
import type { DatasetSummary } from './types.ts';

export const COMPARE_METRICS = ['loss', 'bits', 'accuracy', 'throughput', 'gradNorm', 'stability'] as const;
export type CompareMetric = (typeof COMPARE_METRICS)[number];

export interface CompareMetricSpec {
  /** The picker's words. */
  label: string;
  /** The validation series (or the only one). */
  pick: RowPick;
  /** The training series drawn dashed with "show train" (loss and bits only). */
  trainPick?: RowPick;
  /** What follows the run's name in its series label ("valid"; none where the run has one series). */
  suffix?: string;
  /** Always logarithmic (norms spanning decades), whatever the toggle. */
  log?: boolean;
  /** Never logarithmic, with this fixed range (an accuracy in [0, 1]). */
  yRange?: [number, number];
  /** Why a run of this dataset and model kind has no such values, or null when it may have them. */
  unavailable: (dataset: DatasetSummary | null, kind: string) => string | null;
  /** What the legend says of a run that could have recorded the metric but did not. */
  missing: string;
}

const RECURRENT = new Set(['rnn', 'gru', 'lstm', 'truncated']);

export const COMPARE_METRIC_SPECS: Record<CompareMetric, CompareMetricSpec> = {
  loss: {
    label: 'Loss',
    pick: (r) => r.validLoss,
    trainPick: (r) => r.trainLoss,
    suffix: 'valid',
    unavailable: () => null,
    missing: 'no validation yet',
  },
  bits: {
    label: 'Bits',
    // Bits are nats over ln 2: only where the loss is a log-likelihood per symbol (text, audio, copy memory).
    pick: (r) => (r.validLoss === null ? null : r.validLoss / Math.LN2),
    trainPick: (r) => r.bitsPerSymbol,
    suffix: 'valid',
    unavailable: (d) =>
      d?.lossUnit === 'MSE'
        ? 'its loss is a mean squared error, not bits'
        : d?.lossUnit === 'nats per step'
          ? 'its loss is per time step, not per symbol'
          : null,
    missing: 'no validation yet',
  },
  accuracy: {
    label: 'Accuracy',
    pick: (r) => r.validAccuracy,
    yRange: [0, 1],
    unavailable: (d) => (d && !isCopyTask(d) ? 'only copy-memory runs record recall accuracy' : null),
    missing: 'no accuracy recorded',
  },
  throughput: {
    label: 'Throughput',
    pick: (r) => r.tokensPerSec,
    unavailable: () => null,
    missing: 'no steps recorded',
  },
  gradNorm: {
    label: 'Gradient norm',
    pick: (r) => r.gradNorm,
    unavailable: () => null,
    missing: 'no steps recorded',
  },
  stability: {
    label: 'Stability bound',
    pick: (r) => r.stabilityBound,
    log: true,
    unavailable: (_d, kind) => (RECURRENT.has(kind) ? null : 'only recurrent models report a stability bound'),
    missing: 'no bound recorded',
  },
};

/** The y axis's words for `metric` over runs that share `dataset` (null when they differ). */
export function compareAxis(metric: CompareMetric, dataset: DatasetSummary | null): { title: string; y: string } {
  switch (metric) {
    case 'loss':
      throw new Error('the loss axis follows the dataset: lossAxis');
    case 'bits': {
      const per = !dataset
        ? 'symbol'
        : dataset.kind === 'audio'
          ? 'sample'
          : dataset.kind === 'text' && dataset.level === 'word'
            ? 'word'
            : dataset.kind === 'text'
              ? 'char'
              : 'symbol';
      return { title: `Bits per ${per}`, y: `bits per ${per}` };
    }
    case 'accuracy':
      return { title: 'Recall accuracy (valid)', y: 'accuracy' };
    case 'throughput': {
      // Episodic tasks process positions of whole sequences; audio, samples; text, tokens.
      if (!dataset) return { title: 'Throughput (tokens, positions or samples per second)', y: 'per second' };
      const per = dataset.kind === 'audio' ? 'samples' : dataset.kind === 'text' ? 'tokens' : 'positions';
      return { title: `Throughput (${per} per second)`, y: `${per}/s` };
    }
    case 'gradNorm':
      return { title: 'Gradient norm (before clipping)', y: '‖g‖' };
    case 'stability':
      // The models report different quantities under one name (RNN/GRU: ‖U‖₂; LSTM: its constraint's bound).
      return { title: "Stability bound (log scale; each model's own: ‖U‖₂ for RNN and GRU, the constraint's bound for LSTM)", y: 'bound' };
  }
}
