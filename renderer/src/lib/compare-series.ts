// The Compare chart's series for one metric: every picked run in its own
// colour (from its id), its validation values (and its training values
// dashed where the metric has them), and, for a run that has none of the
// metric, an entry that says why instead of nothing at all.
import { colorForRun, type ChartSeries } from './chart-setup.ts';
import { COMPARE_METRIC_SPECS, type CompareMetric } from './compare-metrics.ts';
import { CurveCache, curveSeries } from './curves.ts';
import type { XMode } from './smoothing.ts';
import type { DatasetSummary, MetricRow } from './types.ts';

/** A picked run as the chart needs it. */
export interface ComparedRun {
  id: number;
  /** Its name, or "#id". */
  name: string;
  kind: string;
  dataset: DatasetSummary | null;
  rows: MetricRow[];
  /** Its rows are still on their way (nothing is called missing yet). */
  loading: boolean;
  /** Tokens one step reads (x by tokens seen); 0 when unknown. */
  tokensPerStep: number;
}

export interface CompareChoice {
  metric: CompareMetric;
  xMode: XMode;
  smoothing: number;
  showTrain: boolean;
}

/** The series of `runs` for `choice`; `curves` keeps each run's smoother between frames. */
export function compareSeries(runs: readonly ComparedRun[], choice: CompareChoice, curves: CurveCache): ChartSeries[] {
  const spec = COMPARE_METRIC_SPECS[choice.metric];
  const { xMode, smoothing } = choice;
  return runs.flatMap((run): ChartSeries[] => {
    // The colour follows the run's id, not the order it was picked in.
    const color = colorForRun(run.id);
    const absent = (why: string): ChartSeries[] => [{ label: `${run.name}: ${why}`, color, points: [], missing: true }];
    const cannot = spec.unavailable(run.dataset, run.kind);
    if (cannot) return absent(cannot);
    const key = `${run.id}:${choice.metric}`;
    const label = spec.suffix ? `${run.name} ${spec.suffix}` : run.name;
    const valid = curves.curve(key, run.rows, spec.pick, xMode, smoothing, run.tokensPerStep);
    const out = curveSeries(label, color, valid);
    const train =
      choice.showTrain && spec.trainPick
        ? curves.curve(`${key}:train`, run.rows, spec.trainPick, xMode, smoothing, run.tokensPerStep)
        : null;
    if (train) out.push(...curveSeries(`${run.name} train`, color, train, { dashed: true, faint: true }));
    const none = (s: typeof valid | null) => !s || (s.raw.length === 0 && s.nonFinite.length === 0);
    if (!run.loading && none(valid) && none(train)) return absent(spec.missing);
    return out;
  });
}
