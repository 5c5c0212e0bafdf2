// The run bundle, version 1 (ARCHITECTURE.md, "Run bundles"): what one sweep
// trial that ran away from the history (a Slurm array task) leaves in the
// shared folder, self-contained so `seqlab sweep collect` can merge it into the
// history later: config, every metric row, samples, final checkpoint, the
// task's log, and a manifest with the format version, the seqlab version,
// each file's size and sha256, and the run's final state.
import { z } from 'zod';
import type { MetricRow } from '../../storage/history.ts';

/** The format this code writes, and the newest it reads. Bump on any change a reader of the old version would misread. */
export const BUNDLE_VERSION = 1;

/** File names inside a sealed bundle. `checkpoint.safetensors` and the audio files are absent when the run made none. */
export const BUNDLE_FILES = {
  manifest: 'manifest.json',
  config: 'config.json',
  metrics: 'metrics.json',
  samples: 'samples.json',
  audio: 'audio.json',
  checkpoint: 'checkpoint.safetensors',
  log: 'log.txt',
} as const;

/** Name of audio sample `n` (0-based, in audio.json order) in a bundle. */
export const audioFileName = (n: number): string => `audio-${n}.wav`;

const finalStatusSchema = z.enum(['completed', 'stopped', 'diverged', 'crashed']);

const fileEntrySchema = z.object({ bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict();

/** Where a trial's run ended, as the worker recorded it. */
export const bundleStateSchema = z
  .object({
    status: finalStatusSchema,
    /** Highest metric step recorded (-1 before the first). */
    step: z.number().int(),
    totalSteps: z.number().int().nonnegative(),
    validLoss: z.number().nullable(),
    trainLoss: z.number().nullable(),
    error: z.string().nullable(),
    backend: z.string().nullable(),
    device: z.string().nullable(),
    /** Step of checkpoint.safetensors, null when the run stored none. */
    checkpointStep: z.number().int().nonnegative().nullable(),
    startedAt: z.string().nullable(),
    finishedAt: z.string(),
  })
  .strict();
export type BundleState = z.infer<typeof bundleStateSchema>;

/**
 * manifest.json. Read in two steps: `bundleVersion` first (a newer version is
 * refused by name before its fields are judged), then this strict schema.
 */
export const bundleManifestSchema = z
  .object({
    format: z.literal('seqlab-run-bundle'),
    bundleVersion: z.literal(BUNDLE_VERSION),
    seqlabVersion: z.string(),
    sweepId: z.number().int().positive(),
    trialIndex: z.number().int().nonnegative(),
    dataset: z.object({ name: z.string(), fingerprint: z.string() }).strict(),
    paramCount: z.number().int().nonnegative(),
    state: bundleStateSchema,
    /** Every other file of the bundle: size and sha256, checked before anything is merged. */
    files: z.record(z.string(), fileEntrySchema),
  })
  .strict();
export type BundleManifest = z.infer<typeof bundleManifestSchema>;

/** samples.json entries: text samples as the history stores them (without ids). */
export const bundleSampleSchema = z
  .object({
    step: z.number().int().nonnegative(),
    temperature: z.number(),
    topK: z.number().int().nullable(),
    prime: z.string(),
    text: z.string(),
  })
  .strict();
export type BundleSample = z.infer<typeof bundleSampleSchema>;

/** audio.json entries; the WAV bytes are in audio-<n>.wav. */
export const bundleAudioSchema = z
  .object({
    step: z.number().int().nonnegative(),
    temperature: z.number(),
    seconds: z.number(),
    sampleRate: z.number().int().positive(),
    method: z.string(),
    primeClip: z.string().nullable(),
  })
  .strict();
export type BundleAudio = z.infer<typeof bundleAudioSchema>;

/**
 * metrics.json rows. JSON has no NaN: a non-finite number is written as null
 * and, for the columns every row has, read back as NaN (the history's own
 * rule for its NULLs, core/storage/history-metrics.ts).
 */
const always = z
  .number()
  .nullable()
  .transform((v) => (v === null ? Number.NaN : v));
const optional = z.number().nullable();
export const bundleMetricSchema = z
  .object({
    step: z.number().int().nonnegative(),
    wallMs: always,
    trainLoss: always,
    validLoss: optional,
    bitsPerSymbol: optional,
    validAccuracy: optional,
    stabilityBound: optional,
    contraction: optional,
    tokensPerSec: always,
    gradNorm: always,
    lr: always,
  })
  .strict();

/** JSON of metric rows (or one row) with non-finite numbers as null (see {@link bundleMetricSchema}). */
export function metricsJson(rows: readonly MetricRow[] | MetricRow): string {
  return JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}
