// The New-run form's fields, described from the contract's own schemas: the
// min/max, whole-number rule, default and error text all come from zod, so
// the form and the core can never disagree about what is valid.
import { z } from 'zod';
import { runConfigInputSchema } from '../../../core/contract/lab-contract.ts';

export type ModelKind = 'lstm' | 'tcn';

export interface NumberFieldSpec {
  key: string;
  label: string;
  help?: string;
  min: number;
  max: number;
  integer: boolean;
  defaultValue: number;
  schema: z.ZodType;
}

const [lstmSchema, tcnSchema] = runConfigInputSchema.shape.model.options;
const trainShape = runConfigInputSchema.shape.train.shape;

function numberSpec(key: string, schema: z.ZodType, label: string, help?: string): NumberFieldSpec {
  const inner = (schema instanceof z.ZodDefault ? schema.unwrap() : schema) as z.ZodNumber;
  const def = schema instanceof z.ZodDefault ? (schema._zod.def.defaultValue as number) : 0;
  return { key, label, ...(help ? { help } : {}), min: inner.minValue ?? -Infinity, max: inner.maxValue ?? Infinity, integer: inner.isInt, defaultValue: def, schema };
}

const lstm = lstmSchema.shape;
const tcn = tcnSchema.shape;

export const MODEL_FIELDS: Record<ModelKind, NumberFieldSpec[]> = {
  lstm: [
    numberSpec('hiddenSize', lstm.hiddenSize, 'Hidden size', 'Units per LSTM layer'),
    numberSpec('embedSize', lstm.embedSize, 'Embed size', 'Width of the input projection'),
    numberSpec('layers', lstm.layers, 'Layers', 'Stacked LSTM layers'),
    numberSpec('dropout', lstm.dropout, 'Dropout', 'Between layers and before the read-out'),
  ],
  tcn: [
    numberSpec('hiddenSize', tcn.hiddenSize, 'Channels', 'Channels of every block'),
    numberSpec('embedSize', tcn.embedSize, 'Embed size', 'Width of the input projection'),
    numberSpec('levels', tcn.levels, 'Levels', 'Residual blocks; block i has dilation 2^i'),
    numberSpec('kernelSize', tcn.kernelSize, 'Kernel size'),
    numberSpec('dropout', tcn.dropout, 'Dropout'),
  ],
};

export const TRAIN_FIELDS: NumberFieldSpec[] = [
  numberSpec('steps', trainShape.steps, 'Steps', 'Optimiser steps in the whole run'),
  numberSpec('batchSize', trainShape.batchSize, 'Batch size'),
  numberSpec('seqLen', trainShape.seqLen, 'Sequence length', 'Window length and TBPTT horizon'),
  numberSpec('lr', trainShape.lr, 'Learning rate'),
  numberSpec('warmupSteps', trainShape.warmupSteps, 'Warm-up steps', 'Linear warm-up from 0 to the learning rate'),
  numberSpec('clip', trainShape.clip, 'Gradient clip', 'Global norm bound; 0 turns clipping off'),
  numberSpec('seed', trainShape.seed, 'Seed'),
  numberSpec('validEvery', trainShape.validEvery, 'Validate every', 'Steps between validations'),
  numberSpec('checkpointEvery', trainShape.checkpointEvery, 'Checkpoint every', 'Steps between checkpoints'),
  numberSpec('sampleEvery', trainShape.sampleEvery, 'Sample every', 'Steps between text samples; 0 = off'),
];

export const OPTIMIZERS = trainShape.optimizer.unwrap().options;
export const SCHEDULES = trainShape.schedule.unwrap().options;
export const BACKENDS = trainShape.backend.unwrap().options;
export const DEFAULT_OPTIMIZER = trainShape.optimizer._zod.def.defaultValue as string;
export const DEFAULT_SCHEDULE = trainShape.schedule._zod.def.defaultValue as string;

/** Every key a server error may name on this form (for splitFieldErrors). */
export const FORM_KEYS = [...new Set([...MODEL_FIELDS.lstm, ...MODEL_FIELDS.tcn, ...TRAIN_FIELDS].map((f) => f.key)), 'optimizer', 'schedule', 'backend', 'datasetId', 'name', 'kind'];

/** The message for one value, or null when valid; empty means "use the default". */
export function checkField(spec: NumberFieldSpec, value: number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (Number.isNaN(value)) return `${spec.key}: must be a number`;
  const r = spec.schema.safeParse(value);
  return r.success ? null : (r.error.issues[0]?.message ?? `${spec.key}: invalid`);
}

export function defaultsOf(specs: NumberFieldSpec[]): Record<string, number | null> {
  return Object.fromEntries(specs.map((s) => [s.key, s.defaultValue]));
}
