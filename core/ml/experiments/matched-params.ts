// Experiment 3 needs models of different kinds at the same parameter count:
// each kind's width is searched so that countParameters lands within a
// tolerance of the target. Counting needs no weights, so the search is cheap.
import type { ModelConfig } from '../models/model-config.ts';
import { countParameters } from '../models/parameter-count.ts';

export interface MatchedWidth {
  config: ModelConfig;
  /** The width chosen (hiddenSize, the truncated base's hiddenSize, or WaveNet's residual channels). */
  width: number;
  count: number;
  /** (count − target) / target. */
  relativeError: number;
}

const MAX_WIDTH = 4096;

/** The field a kind's width is set through, as shown in tables. */
export function widthField(kind: ModelConfig['kind']): string {
  return kind === 'wavenet' ? 'residualChannels' : kind === 'truncated' ? 'base.hiddenSize' : 'hiddenSize';
}

/**
 * `config` at width w: hiddenSize for the recurrent and convolutional kinds,
 * the base's hiddenSize for truncated; for WaveNet residual = dilation
 * channels = w and skip channels `skip` (default 2w, the search also tries
 * w … 4w: one knob alone moves a WaveNet's count in steps too coarse for 5%).
 */
function withWidth(config: ModelConfig, w: number, skip = 2 * w): ModelConfig {
  switch (config.kind) {
    case 'wavenet':
      return { ...config, residualChannels: w, dilationChannels: w, skipChannels: skip };
    case 'truncated':
      return { ...config, base: { ...config.base, hiddenSize: w } };
    default:
      return { ...config, hiddenSize: w };
  }
}

/** The configs to try at width w (one, or WaveNet's skip widths, 2w first so it wins ties). */
function candidates(config: ModelConfig, w: number): ModelConfig[] {
  if (config.kind !== 'wavenet') return [withWidth(config, w)];
  const skips = [2 * w, ...Array.from({ length: 3 * w + 1 }, (_, i) => w + i).filter((s) => s !== 2 * w)];
  return skips.map((s) => withWidth(config, w, s));
}

/**
 * The width whose parameter count is closest to `target`; throws when even
 * that one is off by more than `tolerance` (naming the nearest counts).
 * Counts grow with the width, so the scan stops once every candidate is past the target.
 */
export function matchParameterCount(config: ModelConfig, target: number, tolerance = 0.05): MatchedWidth {
  let best: MatchedWidth | null = null;
  let below: MatchedWidth | null = null;
  let above: MatchedWidth | null = null;
  for (let w = 1; w <= MAX_WIDTH; w++) {
    const tried = candidates(config, w).map((c) => {
      const count = countParameters(c);
      return { config: c, width: w, count, relativeError: (count - target) / target };
    });
    for (const m of tried) {
      if (!best || Math.abs(m.relativeError) < Math.abs(best.relativeError)) best = m;
      if (m.count <= target && (!below || m.count > below.count)) below = m;
      if (m.count > target && (!above || m.count < above.count)) above = m;
    }
    if (tried.every((m) => m.count > target * (1 + tolerance))) break;
  }
  if (best && Math.abs(best.relativeError) <= tolerance) return best;
  const near = below
    ? [`width ${below.width} gives ${below.count}`, above && `width ${above.width} gives ${above.count}`].filter(Boolean).join(', ')
    : `the smallest, width 1, already gives ${above?.count}`;
  throw new Error(
    `targetParams: no ${config.kind} width gives ${target} parameters within ${Math.round(tolerance * 100)}% (${near}); change targetParams or the ${config.kind}'s other fields`,
  );
}
