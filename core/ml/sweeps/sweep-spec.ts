// The sweep file (issue 19): a search space over run config fields, a method
// (grid, random, successive halving), a budget and the metric to minimise.
// Strict like every config: an unknown or malformed field is refused by its
// path ("space.lr: log-uniform needs two positive numbers a < b").
import { z } from 'zod';
import { describeIssues } from '../zod-issues.ts';

export const SWEEP_METHODS = ['grid', 'random', 'halving'] as const;

/** Metrics a sweep can minimise: columns of a run's metric rows. */
export const SWEEP_METRICS = ['validLoss', 'trainLoss'] as const;

/** A value a config field can take (numbers, strings, booleans, null). */
export const fieldValueSchema = z.union([z.number(), z.string(), z.boolean(), z.null()]);
export type FieldValue = z.infer<typeof fieldValueSchema>;

/**
 * One field's range: an explicit list, or a continuous / integer interval.
 * log-uniform draws exp(uniform(log a, log b)); int-uniform draws whole numbers a..b inclusive.
 */
export type SpaceRange =
  FieldValue[] | { 'log-uniform': [number, number] } | { uniform: [number, number] } | { 'int-uniform': [number, number] };

export const RANGE_KINDS = ['log-uniform', 'uniform', 'int-uniform'] as const;
export type RangeKind = (typeof RANGE_KINDS)[number];

/** Largest grid or trial count a sweep may hold (each trial is a run in the history). */
export const MAX_TRIALS = 1024;

/** Checks one range; returns the reason it is bad, or null. */
function rangeProblem(raw: unknown): string | null {
  if (Array.isArray(raw)) {
    if (raw.length === 0) return 'a list needs at least one value';
    const bad = raw.findIndex((v) => !fieldValueSchema.safeParse(v).success);
    return bad >= 0 ? `list entry ${bad} must be a number, string, boolean or null` : null;
  }
  if (typeof raw !== 'object' || raw === null)
    return `must be a list of values or one of {"log-uniform": [a, b]}, {"uniform": [a, b]}, {"int-uniform": [a, b]}`;
  const keys = Object.keys(raw);
  if (keys.length !== 1 || !(RANGE_KINDS as readonly string[]).includes(keys[0]!)) {
    return `must be a list of values or an object with exactly one of ${RANGE_KINDS.join(', ')} (got ${keys.length ? keys.map((k) => `"${k}"`).join(', ') : 'an empty object'})`;
  }
  const kind = keys[0] as RangeKind;
  const ab = (raw as Record<string, unknown>)[kind];
  const pair =
    Array.isArray(ab) && ab.length === 2 && ab.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (ab as [number, number]) : null;
  if (kind === 'log-uniform' && !(pair && pair[0] > 0 && pair[0] < pair[1])) return 'log-uniform needs two positive numbers a < b';
  if (kind === 'uniform' && !(pair && pair[0] < pair[1])) return 'uniform needs two numbers a < b';
  if (kind === 'int-uniform' && !(pair && Number.isInteger(pair[0]) && Number.isInteger(pair[1]) && pair[0] <= pair[1]))
    return 'int-uniform needs two whole numbers a <= b';
  return null;
}

const spaceRangeSchema = z.custom<SpaceRange>((v) => rangeProblem(v) === null, {
  error: (issue) => rangeProblem(issue.input) ?? undefined,
});

const int = (name: string, min: number, max: number) => {
  const msg = `${name}: must be a whole number from ${min} to ${max}`;
  return z.number({ error: msg }).int({ error: msg }).min(min, { error: msg }).max(max, { error: msg });
};

export const sweepSpecSchema = z
  .object({
    method: z.enum(SWEEP_METHODS, { error: `method: must be one of ${SWEEP_METHODS.join(', ')}` }),
    metric: z.enum(SWEEP_METRICS, { error: `metric: must be one of ${SWEEP_METRICS.join(', ')}` }).default('validLoss'),
    /** Trials to run (random, halving); grid: the cap on the grid's size (default: the whole grid). */
    trials: int('trials', 1, MAX_TRIALS).optional(),
    /** Optimiser steps of each trial (halving: of a trial that survives every rung). */
    steps: int('steps', 1, 10_000_000),
    seed: int('seed', 0, 2 ** 31 - 1).default(1),
    /** Fixed train options by config name, as `seqlab train --set` knows them (kind, hiddenSize, lr, batchSize, ...). */
    base: z.record(z.string(), fieldValueSchema).default({}),
    /** Swept fields by config name. */
    space: z.record(z.string(), spaceRangeSchema),
  })
  .strict();

export type SweepSpec = z.infer<typeof sweepSpecSchema>;

/**
 * Parses a sweep file's JSON. Throws an Error naming every bad field.
 * Space and base keys are only checked for shape here; `expandSweep`
 * (sweep-trials.ts) checks them against the run config.
 */
export function parseSweepSpec(input: unknown): SweepSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new Error('sweep: must be a JSON object with method, steps and space');
  const parsed = sweepSpecSchema.safeParse(input);
  if (!parsed.success) throw new Error(describeIssues(parsed.error));
  const spec = parsed.data;
  if (Object.keys(spec.space).length === 0) throw new Error('space: needs at least one field to sweep');
  for (const key of Object.keys(spec.space)) {
    if (key in spec.base) throw new Error(`space.${key}: also set in base; a field is either fixed or swept`);
  }
  if ('steps' in spec.space || 'steps' in spec.base)
    throw new Error(`${'steps' in spec.space ? 'space' : 'base'}.steps: the steps of each trial are the sweep's "steps"`);
  if (spec.method !== 'grid' && spec.trials === undefined) throw new Error(`trials: ${spec.method} needs the number of trials`);
  if (spec.method === 'halving' && (spec.trials ?? 0) < 2) throw new Error('trials: halving needs at least 2 trials');
  return spec;
}
