// Turns a sweep point into the two halves of a run config, by config name the
// way `seqlab train --set` does: `kind` (or `model`) picks the model kind,
// fields of that kind's config go to the model, training fields to training.
// A field only some of the swept kinds have (levels when kind is lstm | tcn)
// reaches only those, like the CLI's kind-specific flags.
import { MODEL_KINDS, modelConfigSchema } from '../models/model-config.ts';
import { trainConfigSchema } from '../train/train-config.ts';
import { halvingRungs } from './successive-halving.ts';
import type { SweepPoint } from './sweep-sampling.ts';
import type { FieldValue, SweepSpec } from './sweep-spec.ts';

/** Model kind of a trial whose spec names none (as `seqlab train`). */
export const DEFAULT_SWEEP_KIND = 'lstm';

/** The two halves of a run config before validation (widths from the dataset are added by the caller). */
export interface TrialSettings {
  model: Record<string, unknown>;
  train: Record<string, unknown>;
}

const TRAIN_FIELDS = new Set(Object.keys(trainConfigSchema.shape));

function modelFields(kind: string): Set<string> {
  const option = modelConfigSchema.options.find((o) => o.shape.kind.value === kind);
  return new Set(option ? Object.keys(option.shape) : []);
}

/** Strips an explicit "model." / "train." prefix ("model.kind" → "kind"). */
function bareName(key: string): string {
  return key.replace(/^(model|train)\./, '');
}

/** Where a key was given, for error messages. */
function origin(spec: SweepSpec, key: string): string {
  return `${key in spec.space ? 'space' : 'base'}.${key}`;
}

/** Every model kind the sweep can produce. */
function sweepKinds(spec: SweepSpec): string[] {
  const key = ['kind', 'model', 'model.kind'].find((k) => k in spec.space || k in spec.base);
  if (!key) return [DEFAULT_SWEEP_KIND];
  const range = key in spec.space ? spec.space[key] : [spec.base[key] as FieldValue];
  if (!Array.isArray(range)) throw new Error(`space.${key}: a model kind is chosen from a list (${MODEL_KINDS.join(', ')})`);
  for (const kind of range) {
    if (typeof kind !== 'string' || !(MODEL_KINDS as readonly string[]).includes(kind))
      throw new Error(`${origin(spec, key)}: "${String(kind)}" is not a model kind (${MODEL_KINDS.join(', ')})`);
  }
  return range as string[];
}

/**
 * Checks every base and space key names a field of some swept kind or of
 * training, before any trial is built. Throws naming the key.
 */
export function checkSweepFields(spec: SweepSpec): void {
  const kinds = sweepKinds(spec);
  const known = new Set(kinds.flatMap((k) => [...modelFields(k)]));
  for (const key of [...Object.keys(spec.base), ...Object.keys(spec.space)]) {
    const name = bareName(key);
    if (name === 'kind' || name === 'model') continue;
    if (!known.has(name) && !TRAIN_FIELDS.has(name)) {
      throw new Error(
        `${origin(spec, key)}: not a field of a ${kinds.join(' or ')} model or of training (model fields: ${[...known].filter((f) => f !== 'kind').join(', ')})`,
      );
    }
  }
}

/** A trial's model and training settings: base, then the point, then the sweep's steps. */
export function trialSettings(spec: SweepSpec, point: SweepPoint): TrialSettings {
  const all: Record<string, FieldValue> = {};
  for (const [k, v] of [...Object.entries(spec.base), ...Object.entries(point)]) all[bareName(k)] = v;
  const kind = String(all['kind'] ?? all['model'] ?? DEFAULT_SWEEP_KIND);
  const fields = modelFields(kind);
  const model: Record<string, unknown> = { kind };
  const train: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(all)) {
    if (name === 'kind' || name === 'model') continue;
    if (fields.has(name)) model[name] = value;
    else if (TRAIN_FIELDS.has(name)) train[name] = value;
    // else: a field of another swept kind (checkSweepFields refused unknown ones)
  }
  train['steps'] = spec.steps;
  if (spec.method === 'halving') train['validEvery'] = halvingValidEvery(spec, train['validEvery']);
  return { model, train };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Halving ranks trials by the metric at each rung's last step, so validation
 * must fall on every rung boundary: the rungs' greatest common divisor unless
 * the spec sets validEvery, which must then divide each rung's steps.
 */
function halvingValidEvery(spec: SweepSpec, given: unknown): number {
  const rungSteps = halvingRungs(spec.trials!, spec.steps).map((r) => r.steps);
  if (given === undefined) return rungSteps.reduce(gcd);
  if (typeof given !== 'number' || !rungSteps.every((s) => s % given === 0)) {
    throw new Error(
      `${'validEvery' in spec.space ? 'space' : 'base'}.validEvery: halving validates at the end of every rung (steps ${rungSteps.join(', ')}), so validEvery must divide each; leave it out to have it chosen`,
    );
  }
  return given;
}
