// Chart series for a plotted quantity of a run: the smoothed line with its raw
// values faint behind it when smoothing is on (TensorBoard's way), plus a
// cache that keeps each quantity's SmoothedSeries between frames so a live
// run only smooths its new rows.
import type { ChartSeries } from './chart-setup.ts';
import { SmoothedSeries, type XMode } from './smoothing.ts';
import type { MetricRow } from './types.ts';

export type RowPick = (row: MetricRow) => number | null;

/** The series to draw for `s`: [raw behind, smoothed] when smoothed, else the raw line alone. */
export function curveSeries(
  label: string,
  color: string,
  s: SmoothedSeries,
  style: Pick<ChartSeries, 'dashed' | 'faint'> = {},
): ChartSeries[] {
  const main: ChartSeries = { label, color, points: s.points, nonFinite: s.nonFinite, ...style };
  if (!s.smoothed) return [main];
  return [
    { label: `${label} (raw)`, color, points: s.raw, behind: true, faint: true, ...(style.dashed ? { dashed: true } : {}) },
    { ...main, noMarkers: true },
  ];
}

/** SmoothedSeries by key ("run 3 valid"), each brought up to date on request. */
export class CurveCache {
  private readonly curves = new Map<string, SmoothedSeries>();

  /** @param tokensPerStep tokens one step of the run reads (x by tokens seen) */
  curve(key: string, rows: MetricRow[], pick: RowPick, xMode: XMode, weight: number, tokensPerStep = 0): SmoothedSeries {
    let s = this.curves.get(key);
    if (!s) this.curves.set(key, (s = new SmoothedSeries(pick, xMode, weight)));
    s.update(rows, xMode, weight, tokensPerStep);
    return s;
  }
}
