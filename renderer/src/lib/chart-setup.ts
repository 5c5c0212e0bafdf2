// chart.js, registered once with only the pieces the line charts use
// (tree-shaken), plus the shared series types and the colour palette.
import { Chart, Decimation, Legend, LinearScale, LineController, LineElement, PointElement, Ticks, Tooltip } from 'chart.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Decimation, Legend, Tooltip);
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

export interface ChartSeries {
  label: string;
  color: string;
  /** Read, never copied: the chart keeps a reference and redraws on the next frame. */
  points: Point[];
  dashed?: boolean;
  /** Thinner, lighter line (e.g. raw data under a smoothed curve). */
  faint?: boolean;
}

/** Distinguishable on white, colour-blind aware (Okabe–Ito, darkened). */
export const PALETTE = ['#1f6fb2', '#d55e00', '#009e73', '#8e44ad', '#c79a00', '#cc3d83', '#3a8fb7', '#555d6b'];

export function colorFor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}
