// The New-sweep form's model: which fields can be swept (every number field
// of the chosen model kinds and of training, from the contract's schemas via
// config-fields.ts, plus the model kind itself), one row per swept field,
// and the sweep file the rows make. The core validates the file; errors it
// names as "space.<field>: ..." are shown on that field's row.
import { MODEL_FIELDS, MODEL_KINDS, TRAIN_FIELDS, type ModelKind, type NumberFieldSpec } from './config-fields.ts';

export const RANGE_KINDS = ['list', 'log-uniform', 'uniform', 'int-uniform'] as const;
export type RangeKind = (typeof RANGE_KINDS)[number];
export const SWEEP_METHODS = ['random', 'grid', 'halving'] as const;
export const SWEEP_METRICS = ['validLoss', 'trainLoss'] as const;

export interface SpaceRow {
  field: string;
  range: RangeKind;
  /** "64, 128" for a list, "0.0001, 0.01" for an interval. */
  text: string;
}

export interface SweepForm {
  datasetId: number | null;
  method: (typeof SWEEP_METHODS)[number];
  metric: (typeof SWEEP_METRICS)[number];
  trials: number;
  steps: number;
  seed: number;
  /** Model kind of every trial (unless kind is a swept row). */
  kind: ModelKind;
  /** Fixed training settings: batch size, window length and backend. */
  base: Record<string, number | string>;
  rows: SpaceRow[];
}

export interface SweepField {
  key: string;
  label: string;
  integer: boolean;
}

/** Fields a row can sweep for these kinds: the model kind, their number fields, then training's (not steps: the sweep's own). */
export function sweepableFields(kinds: readonly ModelKind[]): SweepField[] {
  const seen = new Map<string, SweepField>([['kind', { key: 'kind', label: 'Model kind', integer: false }]]);
  const add = (f: NumberFieldSpec) => {
    if (!seen.has(f.key) && f.key !== 'steps') seen.set(f.key, { key: f.key, label: f.label, integer: f.integer });
  };
  for (const kind of kinds) for (const f of MODEL_FIELDS[kind] ?? []) if (f.type === 'number') add(f);
  for (const f of TRAIN_FIELDS) add(f);
  return [...seen.values()];
}

/** Kinds the trials can have: the swept list if kind is a row, else the fixed kind. */
export function formKinds(form: SweepForm): ModelKind[] {
  const row = form.rows.find((r) => r.field === 'kind');
  if (!row) return [form.kind];
  return row.text
    .split(',')
    .map((s) => s.trim())
    .filter((k): k is ModelKind => (MODEL_KINDS as string[]).includes(k));
}

const parseValue = (s: string): number | string => (s !== '' && Number.isFinite(Number(s)) ? Number(s) : s);

/** The row's range as the sweep file writes it, or a reason it cannot be read. */
export function rowRange(row: SpaceRow): { range: unknown } | { error: string } {
  const parts = row.text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (row.range === 'list')
    return parts.length ? { range: parts.map(parseValue) } : { error: 'give one or more values, separated by commas' };
  const nums = parts.map(Number);
  if (nums.length !== 2 || nums.some((n) => !Number.isFinite(n))) return { error: `${row.range} needs two numbers: from, to` };
  return { range: { [row.range]: nums } };
}

/** The sweep file of the form, and the rows that could not be read (by field). */
export function buildSpec(form: SweepForm): { spec: Record<string, unknown>; rowErrors: Record<string, string> } {
  const space: Record<string, unknown> = {};
  const rowErrors: Record<string, string> = {};
  for (const row of form.rows) {
    const r = rowRange(row);
    if ('error' in r) rowErrors[row.field] = r.error;
    else space[row.field] = r.range;
  }
  const swept = new Set(form.rows.map((r) => r.field));
  const base: Record<string, unknown> = Object.fromEntries(Object.entries(form.base).filter(([k, v]) => !swept.has(k) && v !== ''));
  if (!swept.has('kind')) base['kind'] = form.kind;
  const spec = {
    method: form.method,
    metric: form.metric,
    steps: form.steps,
    seed: form.seed,
    ...(form.method === 'grid' ? {} : { trials: form.trials }),
    base,
    space,
  };
  return { spec, rowErrors };
}

/** Splits the core's "space.lr: ...; base.x: ..." into row errors and the rest. */
export function splitSpaceErrors(message: string): { rows: Record<string, string>; general: string[] } {
  const rows: Record<string, string> = {};
  const general: string[] = [];
  for (const part of message.split('; ')) {
    const m = /^space\.([\w.]+): (.*)$/s.exec(part);
    if (m) rows[m[1]!] = m[2]!;
    else general.push(part);
  }
  return { rows, general };
}
