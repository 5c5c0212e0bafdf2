// Summary statistics and plot series of a training run, read from its metric
// rows: what every experiment shows about its member runs.
import type { StepMetrics } from '../train/trainer.ts';
import { finitePoints, type PlotSeries } from './result-types.ts';

/** The metric fields the summaries read. */
export type CurveRow = Pick<StepMetrics, 'step' | 'wallMs' | 'trainLoss' | 'validLoss' | 'stabilityBound' | 'contraction'> &
  Partial<Pick<StepMetrics, 'validAccuracy'>>;

export interface RunSummaryStats {
  /** Last step recorded. */
  steps: number;
  /** Mean train loss over the last 10% of steps (at least 1, at most 50 rows): one step's loss is noisy. */
  finalTrainLoss: number | null;
  /** Valid loss at the last validation. */
  finalValidLoss: number | null;
  bestValidLoss: number | null;
  /** Training time in seconds (summed over resumes). */
  wallSeconds: number | null;
  /** Stability read-outs at the last validation that had them. */
  finalStabilityBound: number | null;
  finalContraction: number | null;
  /** Valid accuracy at the last validation that had one (copy memory: recall of the 10 symbols). */
  finalValidAccuracy: number | null;
}

export function summarizeRun(rows: readonly CurveRow[]): RunSummaryStats {
  const finite = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);
  const tail = rows
    .slice(-Math.min(50, Math.max(1, Math.ceil(rows.length / 10))))
    .map((r) => r.trainLoss)
    .filter(finite);
  const valid = rows.map((r) => r.validLoss).filter(finite);
  const last = <K extends keyof CurveRow>(k: K) => {
    for (let i = rows.length - 1; i >= 0; i--) if (finite(rows[i]![k] as number | null)) return rows[i]![k] as number;
    return null;
  };
  return {
    steps: rows.at(-1)?.step ?? 0,
    finalTrainLoss: tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : null,
    finalValidLoss: valid.at(-1) ?? null,
    bestValidLoss: valid.length ? Math.min(...valid) : null,
    wallSeconds: rows.length ? rows.at(-1)!.wallMs / 1000 : null,
    finalStabilityBound: last('stabilityBound'),
    finalContraction: last('contraction'),
    finalValidAccuracy: last('validAccuracy'),
  };
}

export type CurveX = 'step' | 'seconds';
export type CurveY = 'trainLoss' | 'validLoss' | 'stabilityBound' | 'contraction' | 'validAccuracy';

/**
 * One plot series of a run: `y` against steps or wall-clock seconds, finite
 * points only. Train loss is thinned to at most `maxPoints` by averaging
 * consecutive steps (a plot of every step is unreadable and heavy to store).
 */
export function curveSeries(name: string, rows: readonly CurveRow[], y: CurveY, x: CurveX = 'step', maxPoints = 400): PlotSeries {
  const xOf = (r: CurveRow) => (x === 'step' ? r.step : r.wallMs / 1000);
  const present = rows.filter((r) => r[y] !== null && Number.isFinite(r[y] as number));
  if (present.length <= maxPoints) return { name, points: finitePoints(present.map((r) => [xOf(r), r[y] as number] as const)) };
  const size = Math.ceil(present.length / maxPoints);
  const points: [number, number | null][] = [];
  for (let i = 0; i < present.length; i += size) {
    const chunk = present.slice(i, i + size);
    points.push([xOf(chunk.at(-1)!), chunk.reduce((a, r) => a + (r[y] as number), 0) / chunk.length]);
  }
  return { name, points: finitePoints(points) };
}
