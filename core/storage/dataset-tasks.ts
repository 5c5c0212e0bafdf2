// The task column (`datasets.task_json`) of each dataset kind as a strict zod
// schema, and the dataset record as a union keyed by kind. Parsed once, when
// the row is read, so no caller pokes into an untyped bag. Each kind's module
// in core/datasets points at its schema here (the history must parse rows
// without loading importers, which themselves write through core/storage).
import { z } from 'zod';
import type { DatasetKind } from '../contract/kinds.ts';
import { MU } from '../ml/audio/mu-law.ts';
import type { DatasetSplits, DatasetStats, TextLevel, Vocabulary } from '../ml/data/dataset-types.ts';
import { syntheticTaskSchema } from '../ml/tasks/synthetic.ts';

const count = z.number().int().nonnegative();

/** The trivial predictor's valid loss, to read curves against. */
export const baselineSchema = z.strictObject({ label: z.string(), loss: z.number() });
export type Baseline = z.infer<typeof baselineSchema>;

/** A file a folder import left out, and why. */
export const refusedFileSchema = z.strictObject({ file: z.string(), reason: z.string() });
export type RefusedFile = z.infer<typeof refusedFileSchema>;

/** Text: the n-gram baseline, when the corpus allowed one (stored as NULL when not). */
export const textTaskSchema = z.strictObject({ baseline: baselineSchema.nullable().default(null) });

/** Music: the piano-roll layout and import statistics, refused MIDI files, the per-pitch baseline. */
export const musicTaskSchema = z.strictObject({
  sequences: z.strictObject({ train: count, valid: count, test: count }),
  steps: count,
  meanActivePitches: z.number().nonnegative(),
  meanLength: z.number().nonnegative(),
  /** Steps of the longest piece (sizes a run's memory); absent in records imported before it was kept. */
  longestSteps: count.optional(),
  pitchOffset: count,
  /** Rows of the piano roll: the model's input and output width. */
  numPitches: z.number().int().positive(),
  sourceBytes: count,
  files: count,
  refusedFiles: count,
  droppedNotes: count,
  percussionNotes: count,
  /** Steps per quarter note for MIDI, null for piano-roll JSON (its own resolution). */
  stepsPerQuarter: z.number().int().positive().nullable(),
  refused: z.array(refusedFileSchema).default([]),
  baseline: baselineSchema,
});

const [adding, copy] = syntheticTaskSchema.options;
/** Synthetic: the generator's parameters (the data is regenerated from them) and the baseline. */
export const syntheticStoredTaskSchema = z.discriminatedUnion('task', [
  adding.extend({ baseline: baselineSchema }).strict(),
  copy.extend({ baseline: baselineSchema }).strict(),
]);

/** Audio: rate, clips with their splits, trimming, source statistics, the n-gram baseline. */
export const audioTaskSchema = z.strictObject({
  sampleRate: z.number().int().positive(),
  muLaw: z.literal(MU),
  clips: z.array(
    z.strictObject({
      name: z.string(),
      start: count,
      end: count,
      seconds: z.number().nonnegative(),
      originalRate: z.number().positive(),
      channels: z.number().int().positive(),
      /** 'stream': with 1-2 clips the concatenated stream is split 90 / 5 / 5 instead of by clip. */
      split: z.enum(['train', 'valid', 'test', 'stream']),
    }),
  ),
  /** Silence trimming applied at import: threshold and seconds cut; null when off. */
  trimmedSilence: z.strictObject({ thresholdDb: z.number(), seconds: z.number() }).nullable(),
  stats: z.strictObject({ clips: z.number().int(), seconds: z.number(), originalRates: z.array(z.number()) }),
  baseline: baselineSchema,
  refused: z.array(refusedFileSchema).default([]),
});

/** The task schema of every kind; a new kind adds its entry here and its module in core/datasets. */
export const DATASET_TASK_SCHEMAS = {
  text: textTaskSchema,
  music: musicTaskSchema,
  synthetic: syntheticStoredTaskSchema,
  audio: audioTaskSchema,
} as const satisfies Record<DatasetKind, z.ZodType>;

/** The parsed task column of a dataset of kind `K`. */
export type DatasetTask<K extends DatasetKind> = z.infer<(typeof DATASET_TASK_SCHEMAS)[K]>;
export type TextTask = DatasetTask<'text'>;
export type MusicTask = DatasetTask<'music'>;
export type SyntheticStoredTask = DatasetTask<'synthetic'>;
export type AudioTask = DatasetTask<'audio'>;

/** What every dataset record has, whatever its kind. */
export interface DatasetFields {
  id: number;
  name: string;
  /** Token level of a text corpus; null for the other kinds. */
  level: TextLevel | null;
  /** Where the corpus came from (a path or a description). */
  source: string;
  fingerprint: string;
  /** Text encoding the source was decoded with. */
  encoding: string;
  vocab: Vocabulary;
  stats: DatasetStats;
  /** Text, audio: token ranges of `tokenFile`; music: sequence-index ranges of the roll file; synthetic: sequence counts. */
  splits: DatasetSplits;
  /** Path of the token file (text, audio: mu-law codes) or piano-roll file (music); '' for synthetic. */
  tokenFile: string;
  createdAt: string;
}

/** A stored dataset of kind `K`, its task parsed. */
export type DatasetOf<K extends DatasetKind> = DatasetFields & { kind: K; task: DatasetTask<K> };

/** A stored dataset: a union keyed by `kind`, so `task` has the kind's shape. */
export type DatasetRecord = { [K in DatasetKind]: DatasetOf<K> }[DatasetKind];
export type TextDataset = DatasetOf<'text'>;
export type MusicDataset = DatasetOf<'music'>;
export type SyntheticDataset = DatasetOf<'synthetic'>;
export type AudioDataset = DatasetOf<'audio'>;

/** What a dataset of kind `K` needs before it is stored (the task as the schema accepts it). */
export type NewDatasetOf<K extends DatasetKind> = Omit<DatasetFields, 'id' | 'createdAt'> & {
  kind: K;
  task: z.input<(typeof DATASET_TASK_SCHEMAS)[K]>;
};
/** What {@link DatasetRecord} needs before it is stored. */
export type NewDataset = { [K in DatasetKind]: NewDatasetOf<K> }[DatasetKind];
