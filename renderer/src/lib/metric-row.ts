// Metric rows arrive with Infinity and NaN as null plus a `nonFinite` note
// (JSON cannot carry them); the curves want the real values back, so a
// diverged loss or an infinite bound is shown as such rather than as a gap.
import type { MetricRow } from './types.ts';

/** `row` with the values named in `nonFinite` restored (Infinity, -Infinity, NaN). */
export function restoreNonFinite(row: MetricRow): MetricRow {
  if (!row.nonFinite) return row;
  const out: Record<string, unknown> = { ...row };
  for (const [key, text] of Object.entries(row.nonFinite)) if (key in out) out[key] = Number(text);
  return out as unknown as MetricRow;
}
