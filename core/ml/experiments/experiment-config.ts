// The five experiments' configurations: zod schemas with defaults, one per
// kind, and their titles. An experiment's row stores the parsed config (every
// default filled), so it can be resumed or re-analysed from its record alone.
// Model fields are checked here only for their kind; the rest is validated
// when the member runs are planned against the dataset (services/experiment-plans.ts),
// which supplies the input and output widths.
import { z } from 'zod';
import { trainConfigSchema } from '../train/train-config.ts';
import { describeIssues } from '../zod-issues.ts';
import { expandPreset, presetNamesOf } from './presets.ts';

export const EXPERIMENT_KINDS = ['truncation', 'stability', 'recurrent-vs-conv', 'memory', 'truncated-vs-recurrent'] as const;
export type ExperimentKind = (typeof EXPERIMENT_KINDS)[number];

/** Kinds whose width can be searched for a parameter budget (recurrent-vs-conv). */
export const MATCHABLE_KINDS = ['lstm', 'gru', 'rnn', 'tcn', 'gcnn', 'wavenet'] as const;
/** Feed-forward kinds whose context can be set (memory). */
export const CONTEXT_KINDS = ['truncated', 'tcn', 'gcnn', 'wavenet'] as const;
/** Recurrent kinds the memory experiment can train beside its feed-forward members, at matched parameter count. */
export const MATCHED_RECURRENT_KINDS = ['lstm', 'gru', 'rnn'] as const;
/** Recurrent kinds the stability experiment constrains. */
export const STABLE_KINDS = ['rnn', 'lstm'] as const;

/** The built-in preset the config was filled from (a name of presets.ts), kept in the stored config. */
const preset = (kind: string) => {
  const names = presetNamesOf(kind);
  const error = names.length ? `preset: must be one of ${names.join(', ')}` : `preset: the ${kind} experiment has no presets`;
  return z
    .string({ error })
    .refine((v) => names.includes(v), { error })
    .optional();
};
const lambdaValue = (name: string) => {
  const error = `${name}: must be a number above 0 and at most 10`;
  return z.number({ error }).gt(0, { error }).max(10, { error });
};

const int = (name: string, min: number, max: number) => {
  const error = `${name}: must be a whole number from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};
const id = (name: string) => {
  const error = `${name}: must be a positive whole number (an id)`;
  return z.number({ error }).int({ error }).positive({ error });
};
const list = <T extends z.ZodType>(name: string, item: T, max: number) =>
  z
    .array(item, { error: `${name}: must be a list` })
    .min(1, { error: `${name}: give at least one value` })
    .max(max, { error: `${name}: at most ${max} values` })
    .refine((a) => new Set(a).size === a.length, { error: `${name}: values must be distinct` });

/** Training settings shared by every member run of an experiment (same seed, same data). */
const train = trainConfigSchema.prefault({});

/**
 * Model fields besides the widths the dataset sets (vocabSize, inputFeatures):
 * `kind` plus any field of that kind's config (hiddenSize, layers, embedSize, ...).
 */
const modelFields = <K extends readonly [string, ...string[]]>(name: string, kinds: K, fallback: K[number]) =>
  z
    .object({ kind: z.enum(kinds, { error: `${name}.kind: must be one of ${kinds.join(', ')}` }).default(fallback as never) })
    .catchall(z.unknown())
    .prefault({});

const datasetId = id('datasetId');

/** 1. Truncation sweep of a trained recurrent run: loss of the k-truncated model and ‖y − yᵏ‖ against k. */
export const truncationConfigSchema = z
  .object({
    /** The trained recurrent run (rnn, lstm or gru). */
    runId: id('runId'),
    /** Context lengths k; default 1, 2, 4, … up to the sequence length. Values above it are dropped. */
    ks: list('ks', int('ks', 1, 4096), 24).optional(),
    /** Validation positions scored per k (caps the cost). */
    validTokens: int('validTokens', 1, 1_000_000).default(4096),
  })
  .strict();

/** 2. The same recurrent model trained with and without Miller & Hardt's stability constraint. */
export const stabilityConfigSchema = z
  .object({
    datasetId,
    /** rnn or lstm and its fields; the stable twin adds spectralBound = lambda (rnn) or stabilize (lstm). */
    model: modelFields('model', ['rnn', 'lstm'] as const, 'rnn'),
    /** Spectral bound λ of the stable RNN's recurrent matrix (the LSTM's constraint has fixed norms and ignores it). */
    lambda: lambdaValue('lambda').default(0.9),
    /**
     * The λ sweep (issue 18): one stable RNN per λ beside the unconstrained one.
     * Absent: the original pair (unconstrained, stable at `lambda`), so older
     * experiments read as they were stored. The LSTM is not swept: its
     * constraint (Miller & Hardt's code) fixes the gate norms and has no λ, so
     * an LSTM member is trained unconstrained and stable once each.
     */
    lambdas: list('lambdas', lambdaValue('lambdas'), 12).optional(),
    /** Sweep several kinds in one experiment (rnn and lstm); absent: just `model.kind`. */
    kinds: list(
      'kinds',
      z.enum(STABLE_KINDS, { error: `kinds: each must be one of ${STABLE_KINDS.join(', ')}` }),
      STABLE_KINDS.length,
    ).optional(),
    /** Truncation sweep run on every member at analysis: its k (cut to the window length). */
    truncationKs: list('truncationKs', int('truncationKs', 1, 4096), 24).default([1, 2, 4, 8, 16, 32, 64]),
    /** Valid positions scored per k of that sweep (at most the members' validTokens). */
    truncationTokens: int('truncationTokens', 1, 1_000_000).default(2048),
    preset: preset('stability'),
    train,
  })
  .strict();

/** 3. Recurrent and convolutional models at (about) the same parameter count. */
export const recurrentVsConvConfigSchema = z
  .object({
    datasetId,
    /** Parameter budget; each kind's width is searched to land within 5% of it. */
    targetParams: int('targetParams', 100, 100_000_000).default(100_000),
    kinds: list(
      'kinds',
      z.enum(MATCHABLE_KINDS, { error: `kinds: each must be one of ${MATCHABLE_KINDS.join(', ')}` }),
      MATCHABLE_KINDS.length,
    ).default(['lstm', 'gru', 'tcn', 'gcnn', 'wavenet']),
    /** Per-kind fields besides the width (e.g. { tcn: { levels: 6 } }). */
    models: z.partialRecord(z.enum(MATCHABLE_KINDS), z.record(z.string(), z.unknown())).default({}),
    train,
  })
  .strict();

/** 4. How much memory the task needs: feed-forward models of growing context, and the gradient-lag profile. */
export const memoryConfigSchema = z
  .object({
    datasetId,
    /** Feed-forward family whose context is varied. */
    kind: z.enum(CONTEXT_KINDS, { error: `kind: must be one of ${CONTEXT_KINDS.join(', ')}` }).default('tcn'),
    /**
     * Fields of that kind; for truncated, the recurrent base ({ kind: 'lstm', hiddenSize: 64 }).
     * A tcn defaults to kernelSize 2 and one convolution per block here, so its receptive fields are powers of two.
     */
    model: z.record(z.string(), z.unknown()).default({}),
    /** Context lengths; each member's depth (or k) is the largest whose receptive field fits. */
    contexts: list('contexts', int('contexts', 1, 4096), 16).default([2, 4, 8, 16, 32, 64]),
    /** A trained recurrent run on the same dataset whose gradient-lag profile is measured too. */
    recurrentRunId: id('recurrentRunId').optional(),
    /** Largest lag j of the gradient profile; default the largest context. */
    maxLag: int('maxLag', 1, 4096).optional(),
    /**
     * How a context picks the depth: 'at-most' the largest receptive field that
     * fits it (loss against context), 'at-least' the smallest that covers it
     * (a memory task: Bai et al. size the TCN so it sees the whole sequence).
     */
    fit: z.enum(['at-most', 'at-least'], { error: 'fit: must be at-most or at-least' }).default('at-most'),
    /**
     * Recurrent kinds trained beside the feed-forward members with the same
     * training settings, each at the parameter count of the largest-context
     * member (width searched to within 5%): Bai et al.'s LSTM/GRU comparison.
     */
    matchedRecurrent: list(
      'matchedRecurrent',
      z.enum(MATCHED_RECURRENT_KINDS, { error: `matchedRecurrent: each must be one of ${MATCHED_RECURRENT_KINDS.join(', ')}` }),
      MATCHED_RECURRENT_KINDS.length,
    ).optional(),
    /** Per-kind fields of those recurrent members besides the width (e.g. { lstm: { embedSize: 16 } }). */
    recurrentModels: z.partialRecord(z.enum(MATCHED_RECURRENT_KINDS), z.record(z.string(), z.unknown())).default({}),
    preset: preset('memory'),
    train,
  })
  .strict();

/** 5. A recurrent model and its k-truncated twin, both trained from scratch with the same seed. */
export const truncatedVsRecurrentConfigSchema = z
  .object({
    datasetId,
    /** The recurrent model (rnn, lstm or gru) and its fields. */
    base: modelFields('base', ['rnn', 'lstm', 'gru'] as const, 'rnn'),
    /** Context of the truncated twin. */
    k: int('k', 1, 4096).default(8),
    train,
  })
  .strict();

export const experimentConfigSchemas = {
  truncation: truncationConfigSchema,
  stability: stabilityConfigSchema,
  'recurrent-vs-conv': recurrentVsConvConfigSchema,
  memory: memoryConfigSchema,
  'truncated-vs-recurrent': truncatedVsRecurrentConfigSchema,
} as const satisfies Record<ExperimentKind, z.ZodType>;

export type ExperimentConfigOf<K extends ExperimentKind> = z.output<(typeof experimentConfigSchemas)[K]>;
export type TruncationConfig = ExperimentConfigOf<'truncation'>;
export type StabilityConfig = ExperimentConfigOf<'stability'>;
export type RecurrentVsConvConfig = ExperimentConfigOf<'recurrent-vs-conv'>;
export type MemoryConfig = ExperimentConfigOf<'memory'>;
export type TruncatedVsRecurrentConfig = ExperimentConfigOf<'truncated-vs-recurrent'>;
/** A parsed config together with its kind. */
export type AnyExperimentConfig = { [K in ExperimentKind]: { kind: K; config: ExperimentConfigOf<K> } }[ExperimentKind];

/** Titles and one-line descriptions, for lists and the Experiments screen. */
export const EXPERIMENT_INFO: Record<ExperimentKind, { title: string; description: string }> = {
  truncation: {
    title: 'Truncation sweep',
    description:
      'For a trained recurrent run: valid loss of its k-truncated version and the output distance ‖y − yᵏ‖, for k = 1, 2, 4, … (a straight line on a log scale for a stable model).',
  },
  stability: {
    title: 'Stable vs unstable',
    description:
      'The same recurrent model trained with and without the stability projection: curves, final loss, spectral norm and data-dependent contraction over training.',
  },
  'recurrent-vs-conv': {
    title: 'Recurrent vs convolutional',
    description:
      'Recurrent and convolutional models at the same parameter count on the same data: loss against steps and against wall-clock time.',
  },
  memory: {
    title: 'How much memory does the task need',
    description:
      'Valid loss of feed-forward models against their context length, and the gradient of the loss at t with respect to the input at t − j against the lag j.',
  },
  'truncated-vs-recurrent': {
    title: 'Truncated vs recurrent, trained from scratch',
    description: 'A recurrent model and its k-truncated twin trained with the same seed: final losses and how close their outputs end up.',
  },
};

/**
 * Validates `input` as the config of a `kind` experiment, filling defaults.
 * Errors name every bad field ("train.steps: must be ...; lambda: ...").
 */
export function parseExperimentConfig<K extends ExperimentKind>(kind: K, input: unknown): ExperimentConfigOf<K> {
  const schema = experimentConfigSchemas[kind] as unknown as z.ZodType<ExperimentConfigOf<K>> | undefined;
  if (!schema) throw new Error(`kind: unknown experiment "${String(kind)}" (one of ${EXPERIMENT_KINDS.join(', ')})`);
  const parsed = schema.safeParse(expandPreset(kind, input ?? {}));
  if (!parsed.success) throw new Error(describeIssues(parsed.error, { unknownKey: `not a setting of the ${kind} experiment` }));
  return parsed.data;
}
