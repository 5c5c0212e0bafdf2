// Record types of the history database and the row -> record mapping.
// JSON columns are parsed and checked with zod on read, so a damaged row fails loudly.

import { z } from 'zod';
import { DATASET_KINDS, type RunStatus } from '../contract/kinds.ts';
import type { StepMetrics } from '../ml/train/trainer.ts';
import { runConfigSchema, type RunConfig } from '../ml/train/run-config.ts';
import { describeIssues } from '../ml/zod-issues.ts';
import { DATASET_TASK_SCHEMAS, type DatasetRecord } from './dataset-tasks.ts';

export { DATASET_KINDS, RUN_STATUSES, type DatasetKind, type RunStatus } from '../contract/kinds.ts';
export type { DatasetRecord, NewDataset } from './dataset-tasks.ts';

/** Statuses after which a run no longer changes unless resumed. */
export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>(['completed', 'stopped', 'crashed', 'diverged']);

/** A training run. `step` is the highest recorded metric step, -1 before the first. */
export interface RunRecord {
  id: number;
  name: string | null;
  datasetId: number;
  modelKind: string;
  /** The model / training config exactly as stored (JSON). */
  config: unknown;
  seed: number;
  datasetFingerprint: string;
  backend: string | null;
  device: string | null;
  status: RunStatus;
  step: number;
  totalSteps: number;
  paramCount: number;
  validLoss: number | null;
  trainLoss: number | null;
  error: string | null;
  pid: number | null;
  createdAt: string;
  startedAt: string | null;
  /** Last write by the trainer; doubles as the heartbeat. */
  updatedAt: string;
  finishedAt: string | null;
  /** Short labels the user gave the run (History's filter matches them). */
  tags: string[];
  /** The user's free-text note on the run. */
  note: string;
}

/** What {@link History.createRun} needs. */
export interface NewRun {
  name?: string;
  datasetId: number;
  modelKind: string;
  config: unknown;
  seed: number;
  datasetFingerprint: string;
  totalSteps: number;
  paramCount: number;
}

/**
 * One training step's metrics. A NaN loss is stored as NULL by SQLite and read
 * back as NaN, so a diverging step is kept rather than refused.
 */
export type MetricRow = StepMetrics;

/** A generated text sample. `topK` null means sampling from the full distribution. */
export interface SampleRecord {
  id: number;
  runId: number;
  step: number;
  temperature: number;
  topK: number | null;
  prime: string;
  text: string;
  createdAt: string;
}

/** Input of {@link History.addSample}. */
export type NewSample = Omit<SampleRecord, 'id' | 'runId' | 'createdAt'>;

/** An exported model file. */
export interface ExportRecord {
  id: number;
  runId: number;
  format: string;
  path: string;
  sha256: string;
  createdAt: string;
}

/** Input of {@link History.recordExport}. */
export type NewExport = Pick<ExportRecord, 'format' | 'path' | 'sha256'>;

/** A checkpoint without its bytes. */
export interface CheckpointInfo {
  id: number;
  runId: number;
  step: number;
  size: number;
  sha256: string;
  createdAt: string;
}

// ---- zod schemas of the JSON columns ----

const levelSchema = z.enum(['char', 'word']);
const countSchema = z.number().int().nonnegative();
const rangeSchema = z.object({ start: countSchema, end: countSchema });

/** Schema of `datasets.vocab_json`. */
export const vocabularySchema = z.object({
  level: levelSchema,
  symbols: z.array(z.string()),
  unknownId: z.number().int().min(-1),
});

/** Schema of `datasets.stats_json`. */
export const statsSchema = z.object({
  sourceBytes: countSchema,
  files: countSchema,
  tokens: countSchema,
  vocabSize: countSchema,
  unknownTokens: countSchema,
  unigramEntropyBits: z.number().nonnegative(),
});

/** Schema of `datasets.splits_json`. */
export const splitsSchema = z.object({ train: rangeSchema, valid: rangeSchema, test: rangeSchema });

/**
 * Parses a JSON column and validates it. Errors name the table, row id and
 * column so a damaged row can be found and repaired by hand.
 */
export function parseJsonColumn<T>(table: string, id: number, column: string, text: unknown, schema: z.ZodType<T>): T {
  const where = `${table} id ${id} column ${column}`;
  if (typeof text !== 'string') throw new Error(`corrupt ${where}: expected JSON text, got ${typeof text}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`corrupt ${where}: invalid JSON (${(err as Error).message})`, { cause: err });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`corrupt ${where}: ${issues('', parsed).join('; ')}`);
  return parsed.data;
}

/** `field.path: message` for each issue of a failed zod parse; [] on success. */
export function issues(field: string, r: z.ZodSafeParseResult<unknown>): string[] {
  if (r.success) return [];
  return [describeIssues(r.error, { prefix: field })];
}

// ---- raw rows as SQLite returns them ----

/** Raw `datasets` row. */
export interface DatasetRow {
  id: number;
  name: string;
  kind: string;
  level: string | null;
  source: string;
  fingerprint: string;
  encoding: string;
  vocab_json: string;
  stats_json: string;
  splits_json: string;
  token_file: string;
  task_json: string | null;
  created_at: string;
}

/** Raw `runs` row. */
export interface RunRow {
  id: number;
  name: string | null;
  dataset_id: number;
  model_kind: string;
  config_json: string;
  seed: number;
  dataset_fingerprint: string;
  backend: string | null;
  device: string | null;
  status: RunStatus;
  step: number;
  total_steps: number;
  param_count: number;
  valid_loss: number | null;
  train_loss: number | null;
  error: string | null;
  pid: number | null;
  created_at: string;
  started_at: string | null;
  updated_at: string;
  finished_at: string | null;
  tags_json: string;
  note: string;
}

/** Maps a `datasets` row, validating its JSON columns. */
export function datasetFromRow(r: DatasetRow): DatasetRecord {
  const kind = z.enum(DATASET_KINDS).safeParse(r.kind);
  if (!kind.success) throw new Error(`corrupt datasets id ${r.id} column kind: unknown kind "${r.kind}"`);
  const level = (kind.data === 'text' ? levelSchema : z.null()).safeParse(r.level);
  if (!level.success) throw new Error(`corrupt datasets id ${r.id} column level: "${r.level}" is not a level of a ${kind.data} dataset`);
  return {
    id: r.id,
    name: r.name,
    kind: kind.data,
    level: level.data,
    source: r.source,
    fingerprint: r.fingerprint,
    encoding: r.encoding,
    vocab: parseJsonColumn('datasets', r.id, 'vocab_json', r.vocab_json, vocabularySchema),
    stats: parseJsonColumn('datasets', r.id, 'stats_json', r.stats_json, statsSchema),
    splits: parseJsonColumn('datasets', r.id, 'splits_json', r.splits_json, splitsSchema),
    tokenFile: r.token_file,
    // Parsed here, once, by the kind's own schema (NULL: a text corpus without an n-gram baseline).
    task: parseJsonColumn('datasets', r.id, 'task_json', r.task_json ?? '{}', DATASET_TASK_SCHEMAS[kind.data] as z.ZodType<unknown>),
    createdAt: r.created_at,
  } as DatasetRecord;
}

/** Maps a `runs` row; the config must be valid JSON but its shape is the trainer's business. */
export function runFromRow(r: RunRow): RunRecord {
  return {
    id: r.id,
    name: r.name,
    datasetId: r.dataset_id,
    modelKind: r.model_kind,
    config: parseJsonColumn('runs', r.id, 'config_json', r.config_json, z.unknown()),
    seed: r.seed,
    datasetFingerprint: r.dataset_fingerprint,
    backend: r.backend,
    device: r.device,
    status: r.status,
    step: r.step,
    totalSteps: r.total_steps,
    paramCount: r.param_count,
    validLoss: r.valid_loss,
    trainLoss: r.train_loss,
    error: r.error,
    pid: r.pid,
    createdAt: r.created_at,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    tags: parseJsonColumn('runs', r.id, 'tags_json', r.tags_json, z.array(z.string())),
    note: r.note,
  };
}

/**
 * A run's stored config, checked against the current schema: the one place a
 * run row's config becomes a {@link RunConfig}. Errors name the run.
 */
export function runConfigOf(run: Pick<RunRecord, 'id' | 'config'>): RunConfig {
  const parsed = runConfigSchema.safeParse(run.config);
  if (!parsed.success) throw new Error(`corrupt runs id ${run.id} column config_json: ${issues('', parsed).join('; ')}`);
  return parsed.data;
}

/** Current time as stored in every `*_at` column (ISO 8601, UTC). */
export function now(): string {
  return new Date().toISOString();
}
