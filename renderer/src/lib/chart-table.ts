// A chart's data as a table, for screen readers and copying: one row per x,
// one column per plotted series (not the faint raw lines behind a smoothed
// one, reference lines or runs with nothing to draw), values that are not finite written as ∞ / NaN.
// Long series are thinned to at most `maxRows` rows, evenly over x, and the
// table says so.
import type { ChartSeries } from './chart-setup.ts';

export interface ChartTable {
  columns: string[];
  /** x, then one cell per column ('' where that series has no value at this x). */
  rows: { x: number; cells: string[] }[];
  /** Distinct x values before thinning. */
  total: number;
}

const cell = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '∞' : v === -Infinity ? '−∞' : String(Number(v.toPrecision(6))));

/** The table of `series` within the x range `zoom` (all of it when null). */
export function chartTable(series: readonly ChartSeries[], zoom: [number, number] | null, maxRows = 500): ChartTable {
  const shown = series.filter((s) => !s.behind && !s.reference && !s.missing);
  const byX = new Map<number, string[]>();
  const inRange = (x: number) => !zoom || (x >= zoom[0] && x <= zoom[1]);
  shown.forEach((s, col) => {
    const put = (x: number, y: number) => {
      if (!inRange(x)) return;
      let row = byX.get(x);
      if (!row) byX.set(x, (row = shown.map(() => '')));
      row[col] = cell(y);
    };
    for (const p of s.points) put(p.x, p.y);
    for (const p of s.nonFinite ?? []) put(p.x, p.value);
  });
  const xs = [...byX.keys()].sort((a, b) => a - b);
  const every = Math.max(1, Math.ceil(xs.length / maxRows));
  const kept = xs.filter((_, i) => i % every === 0 || i === xs.length - 1);
  return { columns: shown.map((s) => s.label), rows: kept.map((x) => ({ x, cells: byX.get(x)! })), total: xs.length };
}

/** Index of the point of `xs` (ascending) nearest to `x`; -1 when empty. */
export function nearestIndex(xs: ArrayLike<{ x: number }>, x: number): number {
  if (xs.length === 0) return -1;
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]!.x < x) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && Math.abs(xs[lo - 1]!.x - x) <= Math.abs(xs[lo]!.x - x) ? lo - 1 : lo;
}
