// The New-run form's values from a stored run's config, so "New run from
// best config" (Sweeps) opens the form filled in, every field still editable.
// Only fields the form shows are taken; the core fills the dataset widths.
import { BASE_FIELDS, MODEL_FIELDS, TRAIN_FIELDS, type BaseKind, type FieldValues, type ModelKind } from './config-fields.ts';
import type { RunDetail } from './types.ts';

export interface FormFromRun {
  kind: ModelKind;
  model: FieldValues;
  base: { kind: BaseKind; values: FieldValues } | null;
  train: Record<string, number | null>;
  optimizer: string;
  schedule: string;
  backend: string;
}

function pick(fields: { key: string }[], from: Record<string, unknown>): FieldValues {
  const out: FieldValues = {};
  for (const f of fields) {
    const v = from[f.key];
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[f.key] = v;
  }
  return out;
}

export function formFromRun(config: RunDetail['config']): FormFromRun {
  const model = config.model as Record<string, unknown> & { kind: ModelKind };
  const baseConfig = model['base'] as (Record<string, unknown> & { kind: BaseKind }) | undefined;
  const train = config.train as Record<string, unknown>;
  return {
    kind: model.kind,
    model: pick(MODEL_FIELDS[model.kind] ?? [], model),
    base: baseConfig ? { kind: baseConfig.kind, values: pick(BASE_FIELDS[baseConfig.kind] ?? [], baseConfig) } : null,
    train: Object.fromEntries(TRAIN_FIELDS.map((f) => [f.key, typeof train[f.key] === 'number' ? (train[f.key] as number) : null])),
    optimizer: String(train['optimizer'] ?? 'adam'),
    schedule: String(train['schedule'] ?? 'constant'),
    backend: String(train['backend'] ?? 'auto'),
  };
}
