// chart.js, registered once with only the pieces the line charts use
// (tree-shaken), plus the shared series types and the colour palette.
import {
  Chart,
  Decimation,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Ticks,
  Tooltip,
  type Scale,
  type Tick,
} from 'chart.js';

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

/**
 * chart.js's own numeric tick labels (it caches its Intl.NumberFormat), typed
 * as a tick callback: chart.js declares the formatter's value a number, while
 * a callback receives number | string.
 */
export function numericTick(this: Scale, value: number | string, index: number, ticks: Tick[]): string {
  return Ticks.formatters.numeric.call(this, Number(value), index, ticks);
}

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
  /** No markers however short (a smoothed line: its points are not measurements). */
  noMarkers?: boolean;
  /** A reference line (baseline, threshold): drawn, but not counted as data. */
  reference?: boolean;
  /** The raw values drawn faint behind their smoothed line: not counted as data, not in the legend. */
  behind?: boolean;
  /** Values of this series that cannot be drawn (Infinity, NaN): the chart lists them under the plot. */
  nonFinite?: NonFinite[];
  /**
   * A run with no values of the plotted quantity (its label says why): no line,
   * but a legend entry, so a run that recorded nothing is named, not silently absent.
   */
  missing?: boolean;
}

/** A value that is not a finite number, at its x. */
export interface NonFinite {
  x: number;
  value: number;
}

/** A dashed horizontal reference line (a baseline) spanning x from `x0` to `x1`. */
export function referenceLine(label: string, y: number, x0: number, x1: number, color = '#555d6b'): ChartSeries {
  return {
    label,
    color,
    points: [
      { x: x0, y },
      { x: Math.max(x1, x0 + 1), y },
    ],
    dashed: true,
    faint: true,
    reference: true,
  };
}

/** Distinguishable on white, colour-blind aware (Okabe–Ito, darkened). */
export const PALETTE = ['#1f6fb2', '#d55e00', '#009e73', '#8e44ad', '#c79a00', '#cc3d83', '#3a8fb7', '#555d6b'];

export function colorFor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

/**
 * A run's colour, from its id alone: the same on every screen and whatever
 * order runs are picked in (runs 1–8 all differ; then the palette repeats).
 */
export function colorForRun(runId: number): string {
  return PALETTE[(((runId - 1) % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

/** `#rrggbb` at the given opacity (the faint raw line behind a smoothed one). */
export function withAlpha(hex: string, alpha: number): string {
  if (!/^#[0-9a-f]{6}$/i.test(hex)) return hex;
  return `${hex}${Math.round(alpha * 255)
    .toString(16)
    .padStart(2, '0')}`;
}

/** Most labelled ticks on a log axis (the grid keeps every tick). */
const MAX_LOG_LABELS = 6;

/**
 * Tick labels of a log axis, written short (0.01, 2, 500, 1e-5). A few ticks
 * are all labelled. Of many, 1, 2 and 5 times a power of ten are (only the
 * powers of ten over more than six decades) when at least two of them fall
 * on the axis; otherwise (a narrow range such as 3.3 to 3.5) every k-th tick
 * is, so a log axis never goes without numbers.
 */
export function logTick(value: number | string, index: number, ticks: { value: number }[]): string {
  const v = Number(value);
  if (!(v > 0) || !Number.isFinite(v)) return '';
  const parts = (x: number) => {
    const exp = Math.floor(Math.log10(x) + 1e-9);
    return { exp, mantissa: Math.round((x / 10 ** exp) * 1000) / 1000 };
  };
  const { exp, mantissa } = parts(v);
  const label = exp < -4 || exp > 5 ? `${mantissa}e${exp > 0 ? '+' : ''}${exp}` : String(Number(v.toPrecision(3)));
  if (ticks.length <= MAX_LOG_LABELS + 2) return label;
  const positive = ticks.map((t) => t.value).filter((x) => x > 0 && Number.isFinite(x));
  const decades = positive.length ? Math.log10(Math.max(...positive) / Math.min(...positive)) : 0;
  const round = (x: number) => {
    const m = parts(x).mantissa;
    return decades > 6 ? m === 1 : m === 1 || m === 2 || m === 5;
  };
  if (positive.filter(round).length >= 2) return round(v) ? label : '';
  return index % Math.ceil(ticks.length / MAX_LOG_LABELS) === 0 ? label : '';
}
