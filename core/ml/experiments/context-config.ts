// Experiment 4 trains one feed-forward model per context length: the depth
// (or k) is chosen so that the receptive field is the largest that fits the
// context. The achieved receptive field is reported beside the asked one.
import type { ModelConfig } from '../models/model-config.ts';
import { receptiveFieldOfConfig } from '../models/receptive-field.ts';

export interface ContextConfig {
  config: ModelConfig;
  /** Steps of input one output sees (≤ the context asked for). */
  receptiveField: number;
}

/** Depth knob of each convolutional kind and its range. */
const DEPTH: Partial<Record<ModelConfig['kind'], { field: string; max: number }>> = {
  tcn: { field: 'levels', max: 16 },
  gcnn: { field: 'levels', max: 32 },
  wavenet: { field: 'layersPerStack', max: 16 },
};

/**
 * A model of `config`'s kind whose receptive field is the largest ≤ `context`
 * (fit 'at-most'), or the smallest ≥ `context` (fit 'at-least': a memory task
 * whose model must see the whole sequence). Truncated models take k = context
 * exactly. Throws naming the context when no depth fits.
 */
export function configForContext(config: ModelConfig, context: number, fit: 'at-most' | 'at-least' = 'at-most'): ContextConfig {
  if (config.kind === 'truncated') return { config: { ...config, k: context }, receptiveField: context };
  const depth = DEPTH[config.kind];
  if (!depth) throw new Error(`kind: ${config.kind} has no context to set; use truncated, tcn, gcnn or wavenet`);
  let best: ContextConfig | null = null;
  let smallest = Infinity;
  let largest = 0;
  for (let d = 1; d <= depth.max; d++) {
    const c = { ...config, [depth.field]: d } as ModelConfig;
    const rf = receptiveFieldOfConfig(c);
    smallest = Math.min(smallest, rf);
    largest = Math.max(largest, rf);
    if (fit === 'at-least' ? rf >= context && (!best || rf < best.receptiveField) : rf <= context && (!best || rf > best.receptiveField))
      best = { config: c, receptiveField: rf };
  }
  if (!best && fit === 'at-least')
    throw new Error(
      `contexts: ${context} is beyond the largest receptive field of this ${config.kind} (${largest} steps at ${depth.field} ${depth.max}); use a larger kernelSize`,
    );
  if (!best)
    throw new Error(
      `contexts: ${context} is below the smallest receptive field of this ${config.kind} (${smallest} steps); drop it, or use a smaller kernelSize (or the truncated kind, whose k can be 1)`,
    );
  return best;
}
