// The sweep part of the contract (issue 19): schemas of a sweep, its trials,
// and the requests and events the app needs. Split out of lab-contract.ts,
// which spreads these in; pure like it (zod and the pure sweep schemas).
import { z } from 'zod';
import { fieldValueSchema, SWEEP_METHODS, SWEEP_METRICS } from '../ml/sweeps/sweep-spec.ts';
import { SWEEP_STATES, TRIAL_STATES } from '../ml/sweeps/sweep-states.ts';
import { runConfigSchema } from '../ml/train/run-config.ts';

const id = z
  .number({ error: 'id: must be a whole number' })
  .int({ error: 'id: must be a whole number' })
  .positive({ error: 'id: must be positive' });
const byId = z.object({ id }).strict();

export const sweepTrialSchema = z.object({
  index: z.number().int(),
  state: z.enum(TRIAL_STATES),
  /** The trial's ordinary run (open it in Runs or Compare), or null before it starts. */
  runId: z.number().int().nullable(),
  /** The swept values by config name. */
  point: z.record(z.string(), fieldValueSchema),
  metric: z.number().nullable(),
  step: z.number().int(),
  totalSteps: z.number().int(),
  error: z.string().nullable(),
  logPath: z.string().nullable(),
});

export const sweepSummarySchema = z.object({
  id: z.number().int(),
  datasetId: z.number().int(),
  datasetName: z.string(),
  method: z.enum(SWEEP_METHODS),
  metric: z.enum(SWEEP_METRICS),
  state: z.enum(SWEEP_STATES),
  /** local, slurm, or null before it first ran. */
  execution: z.string().nullable(),
  error: z.string().nullable(),
  trialCount: z.number().int(),
  /** Trials by state. */
  counts: z.object(
    Object.fromEntries(TRIAL_STATES.map((s) => [s, z.number().int()])) as Record<(typeof TRIAL_STATES)[number], z.ZodNumber>,
  ),
  /** Lowest metric of a completed trial, or null. */
  best: z.number().nullable(),
  createdAt: z.string(),
});

export const sweepDetailSchema = sweepSummarySchema.extend({
  /** The parsed sweep file. */
  spec: z.record(z.string(), z.unknown()),
  trials: z.array(sweepTrialSchema.extend({ config: runConfigSchema })),
});

/** A sweep file as the form sends it: parsed and checked by the core (errors name the field: "space.lr: ..."). */
const sweepSpecInput = z.record(z.string(), z.unknown(), { error: 'spec: must be an object like a sweep file' });

export const sweepRequests = {
  /** Validates every trial's full config against the dataset, then stores the sweep (nothing is stored on an error). */
  createSweep: { args: z.object({ datasetId: id, spec: sweepSpecInput }).strict(), result: sweepDetailSchema },
  listSweeps: { args: z.object({}).strict(), result: z.array(sweepSummarySchema) },
  getSweep: { args: byId, result: sweepDetailSchema },
  /** Runs (or continues) the sweep locally in the background: finished trials are kept. */
  startSweep: { args: z.object({ id, maxParallel: z.number().int().min(1).max(64).optional() }).strict(), result: sweepSummarySchema },
  /** Stops the sweep's training trials (each checkpoints); startSweep continues it later. */
  cancelSweep: { args: byId, result: sweepSummarySchema },
} as const;

export const sweepEventSchemas = [
  /** A sweep changed state. */
  z.object({ type: z.literal('sweep.status'), sweepId: z.number().int(), state: z.enum(SWEEP_STATES), error: z.string().nullable() }),
  /** A trial changed state or metric; its run's own run.* events flow too. */
  z.object({
    type: z.literal('sweep.trial'),
    sweepId: z.number().int(),
    index: z.number().int(),
    state: z.enum(TRIAL_STATES),
    runId: z.number().int().nullable(),
    metric: z.number().nullable(),
  }),
] as const;
