// Exponential moving average over metric rows, extended incrementally as a
// live run appends rows (a full recompute per frame would allocate 100k points).
// Debiased as in TensorBoard: early points are not pulled towards zero.
import type { Point } from './chart-setup.ts';
import type { MetricRow } from './types.ts';

export type XMode = 'step' | 'time';

export class SmoothedSeries {
  points: Point[] = [];
  private source: MetricRow[] | null = null;
  private done = 0;
  private ema = 0;
  private weightSum = 0;

  constructor(
    private readonly pick: (row: MetricRow) => number | null,
    private xMode: XMode,
    private weight: number,
  ) {}

  /** Brings `points` up to date with `rows`; returns true when anything changed. */
  update(rows: MetricRow[], xMode: XMode, weight: number): boolean {
    const reset = rows !== this.source || xMode !== this.xMode || weight !== this.weight || rows.length < this.done;
    if (reset) {
      this.source = rows;
      this.xMode = xMode;
      this.weight = weight;
      this.points = [];
      this.done = 0;
      this.ema = 0;
      this.weightSum = 0;
    }
    if (this.done === rows.length) return reset;
    const out = this.points;
    let lastX = out.length ? out[out.length - 1]!.x : -Infinity;
    for (let i = this.done; i < rows.length; i++) {
      const row = rows[i]!;
      const y = this.pick(row);
      if (y === null || !Number.isFinite(y)) continue;
      this.ema = this.weight * this.ema + (1 - this.weight) * y;
      this.weightSum = this.weight * this.weightSum + (1 - this.weight);
      // Wall-clock x is monotonic across resumes (the trainer restores it); guard anyway.
      const x = Math.max(lastX, xMode === 'step' ? row.step : row.wallMs / 1000);
      out.push({ x, y: this.ema / this.weightSum });
      lastX = x;
    }
    this.done = rows.length;
    return true;
  }
}
