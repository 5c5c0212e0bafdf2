// A plotted quantity of a run, smoothed or not, extended incrementally as a
// live run appends rows (a full recompute per frame would allocate 100k points).
// Smoothing is TensorBoard's debiased EMA: ema_n / (1 − w^n), so early points
// are not pulled towards zero. The raw points are kept too, so a chart can
// draw them faint behind the smoothed line, and values that are not finite
// (a diverged loss, an infinite bound) are listed rather than silently dropped.
import type { NonFinite, Point } from './chart-setup.ts';
import type { MetricRow } from './types.ts';

/** x by optimiser step, by wall-clock seconds, or by tokens seen (step × tokens per step). */
export type XMode = 'step' | 'time' | 'tokens';

/**
 * Series with fewer finite points than this are never smoothed: a handful of
 * validations averaged together misstate where the run ended.
 */
export const MIN_SMOOTHED_POINTS = 30;

export class SmoothedSeries {
  /** The measured values (finite only), x ascending. */
  raw: Point[] = [];
  /** Debiased EMA of `raw` (same x); the very array `raw` while smoothing is off. */
  points: Point[] = [];
  /** Values that could not be drawn (Infinity, NaN), with their x. */
  nonFinite: NonFinite[] = [];
  private source: MetricRow[] | null = null;
  private done = 0;
  private ema = 0;
  private count = 0;
  private tokensPerStep = 0;

  constructor(
    private readonly pick: (row: MetricRow) => number | null,
    private xMode: XMode,
    private weight: number,
  ) {}

  /** Whether `points` is smoothed (weight above 0 and enough points). */
  get smoothed(): boolean {
    return this.points !== this.raw;
  }

  /**
   * Brings the points up to date with `rows`; returns true when anything changed.
   * @param tokensPerStep tokens one step reads (batchSize × seqLen), for x by tokens seen
   */
  update(rows: MetricRow[], xMode: XMode, weight: number, tokensPerStep = 0): boolean {
    const reset =
      rows !== this.source ||
      xMode !== this.xMode ||
      weight !== this.weight ||
      tokensPerStep !== this.tokensPerStep ||
      rows.length < this.done;
    if (reset) {
      this.source = rows;
      this.tokensPerStep = tokensPerStep;
      this.xMode = xMode;
      this.weight = weight;
      this.raw = [];
      this.points = this.raw;
      this.nonFinite = [];
      this.done = 0;
      this.ema = 0;
      this.count = 0;
    }
    if (this.done === rows.length) return reset;
    const raw = this.raw;
    let lastX = raw.length ? raw[raw.length - 1]!.x : -Infinity;
    for (let i = this.done; i < rows.length; i++) {
      const row = rows[i]!;
      const y = this.pick(row);
      if (y === null) continue;
      // Wall-clock x is monotonic across resumes (the trainer restores it); guard anyway.
      const x = Math.max(lastX, xMode === 'step' ? row.step : xMode === 'tokens' ? row.step * tokensPerStep : row.wallMs / 1000);
      lastX = x;
      if (!Number.isFinite(y)) {
        this.nonFinite.push({ x, value: y });
        continue;
      }
      raw.push({ x, y });
    }
    this.done = rows.length;
    this.extendSmoothed();
    return true;
  }

  /** Smooths the raw points not yet smoothed, once there are enough of them to smooth at all. */
  private extendSmoothed(): void {
    const w = this.weight;
    if (!(w > 0) || this.raw.length < MIN_SMOOTHED_POINTS) return;
    if (this.points === this.raw) this.points = [];
    const out = this.points;
    for (let i = out.length; i < this.raw.length; i++) {
      const p = this.raw[i]!;
      this.ema = w * this.ema + (1 - w) * p.y;
      this.count++;
      out.push({ x: p.x, y: this.ema / (1 - w ** this.count) });
    }
  }
}

/** TensorBoard's debiased EMA of `ys` with weight `w` in [0, 1) (a plain function for checks and one-off series). */
export function debiasedEma(ys: number[], w: number): number[] {
  let ema = 0;
  return ys.map((y, i) => {
    ema = w * ema + (1 - w) * y;
    return w > 0 ? ema / (1 - w ** (i + 1)) : y;
  });
}
