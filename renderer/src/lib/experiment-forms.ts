// The New-experiment form as data: per experiment kind, the question it
// answers and its few fields (dotted config paths such as "train.steps"),
// with starting values small enough to finish in minutes on a 2-core CPU.
// The core validates the whole config (startExperiment); bounds here come
// from the contract's model and training schemas where the field is one of
// theirs, so the form flags a bad value before sending it.
import { z } from 'zod';
import { MODEL_FIELDS, numberField, TRAIN_FIELDS, type NumberFieldSpec } from './config-fields.ts';
import type { ExperimentKind } from './types.ts';

export type FormValue = number | string | string[] | null;
export type FormValues = Record<string, FormValue>;

export type ExperimentField =
  /** A dataset picker (datasetId). */
  | { type: 'dataset'; key: string; label: string }
  /** A trained recurrent run; `sameDataset`: only runs on the chosen dataset. */
  | { type: 'run'; key: string; label: string; optional?: boolean; sameDataset?: boolean; help?: string }
  | { type: 'number'; key: string; spec: NumberFieldSpec; when?: (v: FormValues) => boolean }
  | { type: 'choice'; key: string; label: string; options: { value: string; label: string }[] }
  | { type: 'multi'; key: string; label: string; options: { value: string; label: string }[] }
  /** Whole numbers separated by commas or spaces. */
  | { type: 'list'; key: string; label: string; placeholder: string; optional?: boolean; max: number; help?: string };

export interface ExperimentForm {
  /** The question the experiment answers, in one line. */
  question: string;
  fields: ExperimentField[];
  /** Starting values (empty = the core's default). */
  initial: FormValues;
}

const train = Object.fromEntries(TRAIN_FIELDS.map((f) => [f.key, f]));
const trainField = (key: string, spec = train[key]!): ExperimentField => ({
  type: 'number',
  key: `train.${key}`,
  spec: { ...spec, key: `train.${key}` },
});
/** The training fields every training experiment shows (seqLen is hidden for episodic datasets). */
const TRAIN: ExperimentField[] = ['steps', 'batchSize', 'seqLen', 'validEvery'].map((k) => trainField(k));
const TRAIN_INITIAL: FormValues = { 'train.steps': 200, 'train.batchSize': 16, 'train.seqLen': 32, 'train.validEvery': 20 };

const modelNumber = (
  kind: keyof typeof MODEL_FIELDS,
  key: string,
  path: string,
  label?: string,
  when?: (v: FormValues) => boolean,
): ExperimentField => {
  const spec = MODEL_FIELDS[kind].find((f) => f.key === key);
  if (spec?.type !== 'number') throw new Error(`${kind}.${key} is not a number field`);
  return { type: 'number', key: path, spec: { ...spec, key: path, ...(label ? { label } : {}) }, ...(when ? { when } : {}) };
};

const wholeNumber = (key: string, min: number, max: number) => {
  const error = `${key}: must be a whole number from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};
const custom = (
  key: string,
  label: string,
  min: number,
  max: number,
  opts: { optional?: boolean; placeholder?: string; help?: string } = {},
): ExperimentField => ({
  type: 'number',
  key,
  spec: {
    ...numberField(key, wholeNumber(key, min, max), label, opts.help),
    optional: !!opts.optional,
    ...(opts.placeholder ? { placeholder: opts.placeholder } : {}),
  },
});

const recurrent = [
  { value: 'rnn', label: 'RNN' },
  { value: 'lstm', label: 'LSTM' },
  { value: 'gru', label: 'GRU' },
];

export const EXPERIMENT_FORMS: Record<ExperimentKind, ExperimentForm> = {
  truncation: {
    question: 'Is my trained recurrent model effectively feed-forward? How much context k does it really use?',
    fields: [
      { type: 'run', key: 'runId', label: 'Trained recurrent run', help: 'An RNN, LSTM or GRU run with a checkpoint' },
      { type: 'list', key: 'ks', label: 'Context lengths k', placeholder: '1, 2, 4, … up to the sequence length', optional: true, max: 24 },
      custom('validTokens', 'Validation positions per k', 1, 1_000_000, { optional: true, placeholder: 'default' }),
    ],
    initial: { runId: null, ks: null, validTokens: null },
  },
  stability: {
    question: 'Does forcing the model to be stable (contractive) cost accuracy?',
    fields: [
      { type: 'dataset', key: 'datasetId', label: 'Dataset' },
      { type: 'choice', key: 'model.kind', label: 'Model', options: recurrent.slice(0, 2) },
      modelNumber('rnn', 'hiddenSize', 'model.hiddenSize'),
      {
        type: 'number',
        key: 'lambda',
        spec: {
          ...(MODEL_FIELDS.rnn.find((f) => f.key === 'spectralBound') as NumberFieldSpec),
          key: 'lambda',
          label: 'Spectral bound λ',
          optional: false,
          help: 'Of the stable RNN (the stable LSTM has fixed norms)',
        },
        when: (v) => v['model.kind'] === 'rnn',
      },
      ...TRAIN,
    ],
    initial: { 'model.kind': 'rnn', 'model.hiddenSize': 32, lambda: 0.9, ...TRAIN_INITIAL },
  },
  'recurrent-vs-conv': {
    question: 'At the same parameter count, which trains better and faster: recurrent or convolutional?',
    fields: [
      { type: 'dataset', key: 'datasetId', label: 'Dataset' },
      custom('targetParams', 'Parameter budget', 100, 100_000_000, { help: 'Each kind’s width is searched to land within 5 % of it' }),
      {
        type: 'multi',
        key: 'kinds',
        label: 'Models',
        options: [...recurrent, { value: 'tcn', label: 'TCN' }, { value: 'gcnn', label: 'GCNN' }, { value: 'wavenet', label: 'WaveNet' }],
      },
      ...TRAIN,
    ],
    initial: { targetParams: 10_000, kinds: ['lstm', 'tcn'], ...TRAIN_INITIAL, 'train.steps': 150 },
  },
  memory: {
    question: 'How long a context before more stops helping, and how far back does the gradient reach?',
    fields: [
      { type: 'dataset', key: 'datasetId', label: 'Dataset' },
      {
        type: 'choice',
        key: 'kind',
        label: 'Feed-forward model',
        options: [
          { value: 'tcn', label: 'TCN' },
          { value: 'gcnn', label: 'GCNN' },
          { value: 'wavenet', label: 'WaveNet' },
          { value: 'truncated', label: 'Truncated LSTM' },
        ],
      },
      modelNumber('tcn', 'hiddenSize', 'model.hiddenSize', 'Width', (v) => v['kind'] !== 'wavenet'),
      modelNumber('wavenet', 'residualChannels', 'model.residualChannels', undefined, (v) => v['kind'] === 'wavenet'),
      { type: 'list', key: 'contexts', label: 'Context lengths', placeholder: '2, 4, 8, 16', max: 16 },
      { type: 'run', key: 'recurrentRunId', label: 'Recurrent run for the gradient-lag profile', optional: true, sameDataset: true },
      custom('maxLag', 'Largest lag j', 1, 4096, { optional: true, placeholder: 'largest context' }),
      ...TRAIN,
    ],
    initial: {
      kind: 'tcn',
      'model.hiddenSize': 16,
      'model.residualChannels': 16,
      contexts: '2, 4, 8, 16',
      recurrentRunId: null,
      maxLag: null,
      ...TRAIN_INITIAL,
      'train.steps': 150,
    },
  },
  'truncated-vs-recurrent': {
    question: 'Trained from scratch, does a k-truncated model end up equivalent to the recurrent one?',
    fields: [
      { type: 'dataset', key: 'datasetId', label: 'Dataset' },
      { type: 'choice', key: 'base.kind', label: 'Recurrent model', options: recurrent },
      modelNumber('rnn', 'hiddenSize', 'base.hiddenSize'),
      modelNumber('truncated', 'k', 'k', 'Context k of the truncated twin'),
      ...TRAIN,
    ],
    initial: { 'base.kind': 'rnn', 'base.hiddenSize': 32, k: 8, ...TRAIN_INITIAL },
  },
};

/** "1, 2 4" -> [1, 2, 4]; null when a part is not a whole number. */
export function parseList(text: string): number[] | null {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  return parts.every((p) => /^\d+$/.test(p)) ? parts.map(Number) : null;
}

/** Whether a field shows for these values (seqLen only for text datasets). */
export function fieldShown(f: ExperimentField, values: FormValues, textDataset: boolean): boolean {
  if (f.key === 'train.seqLen' && !textDataset) return false;
  return f.type !== 'number' || !f.when || f.when(values);
}

/** The message for one field's value, or null when it is fine (the core checks the rest). */
export function checkExperimentField(f: ExperimentField, value: FormValue): string | null {
  const empty = value === null || value === '' || (Array.isArray(value) && value.length === 0);
  switch (f.type) {
    case 'dataset':
      return empty ? `${f.key}: choose a dataset` : null;
    case 'run':
      return empty && !f.optional ? `${f.key}: choose a trained recurrent run` : null;
    case 'multi':
      return empty ? `${f.key}: choose at least one` : null;
    case 'choice':
      return null;
    case 'list': {
      if (empty) return f.optional ? null : `${f.key}: give at least one value`;
      const list = parseList(String(value));
      if (!list) return `${f.key}: whole numbers separated by commas`;
      return list.length > f.max ? `${f.key}: at most ${f.max} values` : null;
    }
    case 'number': {
      if (empty) return f.spec.optional || f.spec.defaultValue !== null ? null : `${f.key}: required`;
      const r = f.spec.schema.safeParse(value);
      return r.success ? null : `${f.key}: ${(r.error.issues[0]?.message ?? 'invalid').replace(/^[\w.]+: /, '')}`;
    }
  }
}

/** The config object startExperiment takes, built from the shown fields' values (empty ones left to the core). */
export function buildConfig(form: ExperimentForm, values: FormValues, textDataset: boolean): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const f of form.fields) {
    if (!fieldShown(f, values, textDataset)) continue;
    const v = values[f.key];
    if (v === null || v === undefined || v === '') continue;
    const value = f.type === 'list' ? parseList(String(v)) : f.type === 'dataset' || f.type === 'run' ? Number(v) : v;
    const path = f.key.split('.');
    let at = config;
    for (const p of path.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>;
    at[path.at(-1)!] = value;
  }
  return config;
}
