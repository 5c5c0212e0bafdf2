// The training configuration: everything besides the model that decides a run.
// Validated with zod; every error names the field and the allowed range.
import { z } from 'zod';

const range = (name: string, min: number, max: number, integer = true) => {
  const msg = `${name}: must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`;
  const base = z.number({ error: msg }).min(min, { error: msg }).max(max, { error: msg });
  return integer ? base.int({ error: msg }) : base;
};

export const BACKEND_NAMES = ['auto', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export const trainConfigSchema = z
  .object({
    /** Optimiser steps in the whole run. */
    steps: range('steps', 1, 10_000_000).default(1000),
    batchSize: range('batchSize', 1, 4096).default(32),
    /** Window length: tokens per sequence per step, and how far back gradients flow (TBPTT). */
    seqLen: range('seqLen', 1, 8192).default(64),
    optimizer: z.enum(['adam', 'sgd'], { error: 'optimizer: must be adam or sgd' }).default('adam'),
    lr: range('lr', 1e-7, 10, false).default(0.002),
    schedule: z.enum(['constant', 'cosine', 'linear'], { error: 'schedule: must be constant, cosine or linear' }).default('constant'),
    /** Linear warm-up from 0 to lr over these steps. */
    warmupSteps: range('warmupSteps', 0, 1_000_000).default(0),
    /** Global gradient-norm bound; 0 turns clipping off. */
    clip: range('clip', 0, 1e6, false).default(1),
    seed: range('seed', 0, 2 ** 31 - 1).default(1),
    /** Validate every N steps (and at the last step). */
    validEvery: range('validEvery', 1, 10_000_000).default(100),
    /** Validation tokens per evaluation (caps the cost of a validation pass). */
    validTokens: range('validTokens', 1, 100_000_000).default(16384),
    /**
     * Early stopping: end the run after this many validations in a row without a
     * new best valid loss (0 = off; train to `steps`). With it, `steps` is a cap
     * and a run trains "to a plateau" (issue 18's stability sweep).
     */
    patience: range('patience', 0, 1_000_000).default(0),
    /**
     * Training-time budget in seconds (the optimiser steps' time, summed over
     * resumes; validation not counted): the run ends at the first step past it
     * (0 = off). Gives members of an experiment equal wall-clock.
     */
    timeLimitSeconds: range('timeLimitSeconds', 0, 10_000_000, false).default(0),
    /** Checkpoint every N steps (and at the end). */
    checkpointEvery: range('checkpointEvery', 1, 10_000_000).default(200),
    /** Generate a sample every N steps while training (0 = off): text for text datasets, audio for audio ones. */
    sampleEvery: range('sampleEvery', 0, 10_000_000).default(0),
    sampleLength: range('sampleLength', 1, 10_000).default(200),
    sampleTemperature: range('sampleTemperature', 0, 10, false).default(0.8),
    /** Seconds of audio per training-time sample (audio datasets; stored with the run). */
    sampleSeconds: range('sampleSeconds', 0.01, 60, false).default(1),
    backend: z.enum(BACKEND_NAMES, { error: `backend: must be one of ${BACKEND_NAMES.join(', ')}` }).default('auto'),
  })
  .strict(); // an unknown field is refused by name, never silently dropped

export type TrainConfig = z.infer<typeof trainConfigSchema>;
