// Metric rows as the contract carries them. The trainer may record Infinity or
// NaN (a diverged loss, an unbounded stability bound); JSON cannot carry those,
// and the contract's numbers must be finite, so such a value becomes null with
// its name and text in `nonFinite` (the renderer restores it and shows it).
import type { z } from 'zod';
import type { metricRowSchema, nonFiniteValueSchema } from '../contract/lab-contract.ts';
import type { MetricRow } from '../storage/history.ts';

export type ContractMetricRow = z.infer<typeof metricRowSchema>;

/** The fields that may hold a non-finite value; each is nullable in the contract. */
const MAY_BE_NON_FINITE = [
  'trainLoss',
  'validLoss',
  'bitsPerSymbol',
  'validAccuracy',
  'stabilityBound',
  'contraction',
  'gradNorm',
] as const;

function asText(v: number): z.infer<typeof nonFiniteValueSchema> {
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

/** `row` with every non-finite value moved to `nonFinite` (rows that are all finite pass unchanged). */
export function toContractRow(row: MetricRow): ContractMetricRow {
  let out: ContractMetricRow | null = null;
  for (const key of MAY_BE_NON_FINITE) {
    const v = row[key];
    if (v === null || Number.isFinite(v)) continue;
    out ??= { ...row, nonFinite: {} };
    out[key] = null;
    out.nonFinite![key] = asText(v);
  }
  return out ?? row;
}

/** The row as it was stored: each value `nonFinite` names restored (a front that prints numbers, e.g. `seqlab show`, shows NaN as such). */
export function fromContractRow(row: ContractMetricRow): MetricRow {
  const { nonFinite, ...values } = row;
  const restored = { ...values } as Record<string, number | null>;
  for (const [key, text] of Object.entries(nonFinite ?? {})) restored[key] = Number(text);
  return restored as unknown as MetricRow;
}
