// The New-run form's fields, described from the contract's own schemas: every
// model kind, its fields, their min/max, whole-number rule, default and error
// text all come from zod, so the form and the core can never disagree about
// what is valid, and a field the core adds shows up without a change here.
// Labels and one-line help live in model-kinds.ts.
import { z } from 'zod';
import { runConfigInputSchema } from '../../../core/contract/lab-contract.ts';
import { wordProblem, type FieldProblem } from '../../../core/contract/structured-error.ts';
import { fieldText } from './model-kinds.ts';

type ModelConfig = z.output<typeof runConfigInputSchema.shape.model>;
export type ModelKind = ModelConfig['kind'];
type TruncatedConfig = Extract<ModelConfig, { kind: 'truncated' }>;
/** Kinds a truncated model can wrap (its `base`). */
export type BaseKind = TruncatedConfig['base']['kind'];

export interface NumberFieldSpec {
  type: 'number';
  key: string;
  label: string;
  help?: string;
  min: number;
  max: number;
  integer: boolean;
  /** The schema's default; null when there is none (optional, or required with a form default). */
  defaultValue: number | null;
  /** Empty is allowed and means "absent" (e.g. no spectral bound). */
  optional: boolean;
  /** What an empty input shows, when not the default (e.g. "task default"). */
  placeholder?: string;
  schema: z.ZodType;
}

export interface BooleanFieldSpec {
  type: 'boolean';
  key: string;
  label: string;
  help?: string;
  defaultValue: boolean;
  schema: z.ZodType;
}

export type FieldSpec = NumberFieldSpec | BooleanFieldSpec;
export type FieldValues = Record<string, number | boolean | null>;

/** Filled by the core from the dataset (output width, input features): never on the form. */
const CORE_FILLED = new Set(['kind', 'vocabSize', 'inputFeatures']);
/** Fields of the stability constraints, shown apart with an explanation. */
export const STABILITY_KEYS = new Set(['spectralBound', 'stabilize']);
/** Starting values of required fields that have no schema default. */
const FORM_DEFAULTS: Record<string, number> = { k: 16 };

interface Unwrapped {
  inner: z.ZodType;
  defaultValue: unknown;
  optional: boolean;
}

function unwrap(schema: z.ZodType): Unwrapped {
  let inner: z.ZodType = schema;
  let defaultValue: unknown = undefined;
  let optional = false;
  for (;;) {
    if (inner instanceof z.ZodDefault) {
      defaultValue = inner._zod.def.defaultValue;
      inner = inner.unwrap() as z.ZodType;
    } else if (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) {
      optional = true;
      inner = inner.unwrap() as z.ZodType;
    } else return { inner, defaultValue, optional };
  }
}

/**
 * A number or checkbox field for one schema entry, or null for entries the form does not edit.
 * @param kind whose labels to use (a model kind; anything else gets the generic ones)
 */
export function fieldSpec(kind: string, key: string, schema: z.ZodType): FieldSpec | null {
  if (CORE_FILLED.has(key)) return null;
  const { inner, defaultValue, optional } = unwrap(schema);
  const { label, help } = fieldText(kind, key);
  const text = { label, ...(help ? { help } : {}) };
  if (inner instanceof z.ZodBoolean) return { type: 'boolean', key, ...text, defaultValue: defaultValue === true, schema };
  if (inner instanceof z.ZodNumber) {
    return {
      type: 'number',
      key,
      ...text,
      min: inner.minValue ?? -Infinity,
      max: inner.maxValue ?? Infinity,
      integer: inner.isInt,
      defaultValue: typeof defaultValue === 'number' ? defaultValue : null,
      optional: optional && defaultValue === undefined,
      schema,
    };
  }
  return null; // nested objects (a truncated model's base) are described separately
}

type ObjectOption = { shape: Record<string, z.ZodType> };
const kindOf = (o: ObjectOption) => (o.shape['kind'] as z.ZodLiteral<string>).value;

function fieldsOf(option: ObjectOption): FieldSpec[] {
  const kind = kindOf(option);
  return Object.entries(option.shape)
    .map(([key, s]) => fieldSpec(kind, key, s))
    .filter((f): f is FieldSpec => f !== null);
}

const modelOptions = runConfigInputSchema.shape.model.options as readonly ObjectOption[];
const truncatedOption = modelOptions.find((o) => kindOf(o) === 'truncated');
const baseOptions = ((truncatedOption?.shape['base'] as unknown as { options?: readonly ObjectOption[] } | undefined)?.options ??
  []) as readonly ObjectOption[];

/** Every model kind the contract accepts, in its order. */
export const MODEL_KINDS = modelOptions.map(kindOf) as ModelKind[];
export const MODEL_FIELDS = Object.fromEntries(modelOptions.map((o) => [kindOf(o), fieldsOf(o)])) as Record<ModelKind, FieldSpec[]>;
/** The recurrent kinds a truncated model can wrap, and their fields. */
export const BASE_KINDS = baseOptions.map(kindOf) as BaseKind[];
export const BASE_FIELDS = Object.fromEntries(baseOptions.map((o) => [kindOf(o), fieldsOf(o)])) as Record<BaseKind, FieldSpec[]>;

const trainShape = runConfigInputSchema.shape.train.shape;

/** The number field of `schema` under a label of the caller's; throws when it is not a number. */
export function numberField(key: string, schema: z.ZodType, label: string, help?: string): NumberFieldSpec {
  const spec = fieldSpec('', key, schema);
  if (spec?.type !== 'number') throw new Error(`${key} is not a number field`);
  return { ...spec, label, ...(help ? { help } : {}) };
}

const numberSpec = (key: keyof typeof trainShape, label: string, help?: string) => numberField(key, trainShape[key], label, help);

export const TRAIN_FIELDS: NumberFieldSpec[] = [
  numberSpec('steps', 'Steps', 'Optimiser steps in the whole run'),
  numberSpec('batchSize', 'Batch size'),
  numberSpec('seqLen', 'Sequence length', 'Window length and TBPTT horizon'),
  numberSpec('lr', 'Learning rate'),
  numberSpec('warmupSteps', 'Warm-up steps', 'Linear warm-up from 0 to the learning rate'),
  numberSpec('clip', 'Gradient clip', 'Global norm bound; 0 turns clipping off'),
  numberSpec('seed', 'Seed'),
  numberSpec('validEvery', 'Validate every', 'Steps between validations'),
  numberSpec('checkpointEvery', 'Checkpoint every', 'Steps between checkpoints'),
  numberSpec('sampleEvery', 'Sample every', 'Steps between samples (text or audio); 0 = off'),
  numberSpec('sampleSeconds', 'Sample seconds', 'Seconds of audio in each sample made while training'),
];
/** Training fields that only mean something for a stream (text, audio): episodic tasks use whole sequences, and have nothing to sample. */
export const TEXT_ONLY_TRAIN_KEYS = new Set(['seqLen', 'sampleEvery', 'sampleSeconds']);
/** Training fields of audio datasets only. */
export const AUDIO_ONLY_TRAIN_KEYS = new Set(['sampleSeconds']);

/** The training fields a dataset's kind uses (all of them until a dataset is chosen, less the audio-only ones). */
export function trainFieldsFor(kind: string | null | undefined): NumberFieldSpec[] {
  const episodic = kind !== null && kind !== undefined && kind !== 'text' && kind !== 'audio';
  return TRAIN_FIELDS.filter(
    (f) => !(episodic && TEXT_ONLY_TRAIN_KEYS.has(f.key)) && (kind === 'audio' || !AUDIO_ONLY_TRAIN_KEYS.has(f.key)),
  );
}

export const OPTIMIZERS = trainShape.optimizer.unwrap().options;
export const SCHEDULES = trainShape.schedule.unwrap().options;
export const BACKENDS = trainShape.backend.unwrap().options;
export const DEFAULT_OPTIMIZER = trainShape.optimizer._zod.def.defaultValue as string;
export const DEFAULT_SCHEDULE = trainShape.schedule._zod.def.defaultValue as string;

/** Every key a server error may name on this form (for splitFieldErrors). */
export const FORM_KEYS = [
  ...new Set([...Object.values(MODEL_FIELDS).flat(), ...Object.values(BASE_FIELDS).flat(), ...TRAIN_FIELDS].map((f) => f.key)),
  'optimizer',
  'schedule',
  'backend',
  'datasetId',
  'name',
  'kind',
];

/** The message for one value, or null when valid; empty means "use the default" (or "absent"). */
export function checkField(spec: FieldSpec, value: number | boolean | null | undefined): string | null {
  if (spec.type === 'boolean') return null;
  if (value === null || value === undefined) return spec.defaultValue === null && !spec.optional ? `${spec.key}: required` : null;
  if (typeof value !== 'number' || Number.isNaN(value)) return `${spec.key}: must be a number`;
  const r = spec.schema.safeParse(value);
  return r.success ? null : (r.error.issues[0]?.message ?? `${spec.key}: invalid`);
}

export function firstError(specs: FieldSpec[], values: FieldValues): string | null {
  for (const s of specs) {
    const e = checkField(s, values[s.key]);
    if (e) return e;
  }
  return null;
}

export function defaultsOf(specs: FieldSpec[]): FieldValues {
  return Object.fromEntries(
    specs.map((s) => [s.key, s.type === 'boolean' ? s.defaultValue : (s.defaultValue ?? FORM_DEFAULTS[s.key] ?? null)]),
  );
}

/** Values with the empty fields left out (the core fills their defaults). */
export function cleanValues(values: FieldValues): Record<string, number | boolean> {
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, number | boolean] => e[1] !== null && e[1] !== undefined));
}

/** Labels of the request inputs that are not config fields (the import, sampling and export forms). */
const INPUT_LABELS: Record<string, string> = {
  name: 'Name',
  encoding: 'Encoding',
  rate: 'Sample rate',
  trimSilenceDb: 'Trim silence',
  length: 'Length',
  temperature: 'Temperature',
  topK: 'Top-k',
  format: 'Format',
  datasetId: 'Dataset',
  dataset: 'Dataset',
};

/** The label the app shows for a field the core names ("topK" → "Top-k", "hiddenSize" → "Hidden size"). */
export function fieldLabel(field: string): string {
  const key = field.split('.').at(-1) ?? field;
  return INPUT_LABELS[key] ?? fieldText('', key).label;
}

/** A refused input in the app's words: "Temperature: must be a number from 0 to 10". */
export function problemText(problem: FieldProblem): string {
  return wordProblem(problem, fieldLabel(problem.field));
}
