// chart.js, registered once with only the pieces the line charts use
// (tree-shaken), plus the shared series types and the colour palette.
import { Chart, Decimation, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Ticks, Tooltip } from 'chart.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Decimation, Legend, Tooltip);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
Chart.defaults.font.size = 11;
Chart.defaults.color = '#5b6270';
Chart.defaults.borderColor = '#e4e7ec';

export { Chart, Ticks };

/** One plotted point; x sorted ascending within a series (decimation needs it). */
export interface Point {
  x: number;
  y: number;
}

export type AxisType = 'linear' | 'logarithmic';

export interface ChartSeries {
  label: string;
  color: string;
  /** Read, never copied: the chart keeps a reference and redraws on the next frame. */
  points: Point[];
  dashed?: boolean;
  /** Thinner, lighter line (e.g. raw data under a smoothed curve). */
  faint?: boolean;
  /** Markers on every point whatever the length (short experiment results). */
  markers?: boolean;
  /** A reference line (baseline, threshold): drawn, but not counted as data. */
  reference?: boolean;
}

/** A dashed horizontal reference line (a baseline) spanning x from `x0` to `x1`. */
export function referenceLine(label: string, y: number, x0: number, x1: number, color = '#555d6b'): ChartSeries {
  return { label, color, points: [{ x: x0, y }, { x: Math.max(x1, x0 + 1), y }], dashed: true, faint: true, reference: true };
}

/** Distinguishable on white, colour-blind aware (Okabe–Ito, darkened). */
export const PALETTE = ['#1f6fb2', '#d55e00', '#009e73', '#8e44ad', '#c79a00', '#cc3d83', '#3a8fb7', '#555d6b'];

export function colorFor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

/**
 * Tick labels of a log axis, written short (0.01, 2, 500, 1e-5). Over less
 * than a decade or so (few ticks) every tick is labelled; over several
 * decades only 1, 2 and 5 times a power of ten (the grid keeps every tick).
 */
export function logTick(value: number | string, _index: number, ticks: { value: number }[]): string {
  const v = Number(value);
  if (!(v > 0)) return '';
  const exp = Math.floor(Math.log10(v) + 1e-9);
  const mantissa = Math.round((v / 10 ** exp) * 1000) / 1000;
  if (ticks.length > 8 && mantissa !== 1 && mantissa !== 2 && mantissa !== 5) return '';
  return exp < -4 || exp > 5 ? `${mantissa}e${exp > 0 ? '+' : ''}${exp}` : String(Number(v.toPrecision(2)));
}
