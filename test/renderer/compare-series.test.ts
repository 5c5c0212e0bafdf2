// The Compare chart's series per metric (lib/compare-series.ts), History's
// verdict on a finished run's final loss (lib/health.ts), and the chart
// table leaving out runs that have nothing to draw.
import { describe, expect, it } from 'vitest';
import { colorForRun } from '../../renderer/src/lib/chart-setup.ts';
import { chartTable } from '../../renderer/src/lib/chart-table.ts';
import { compareSeries, type ComparedRun } from '../../renderer/src/lib/compare-series.ts';
import { CurveCache } from '../../renderer/src/lib/curves.ts';
import { finalLossVerdict, likelyCauses } from '../../renderer/src/lib/health.ts';
import type { DatasetSummary, MetricRow } from '../../renderer/src/lib/types.ts';

function row(step: number, over: Partial<MetricRow> = {}): MetricRow {
  return {
    step,
    wallMs: step * 10,
    trainLoss: 2,
    validLoss: step % 2 === 0 ? 1.5 : null,
    bitsPerSymbol: 2 / Math.LN2,
    validAccuracy: null,
    stabilityBound: null,
    contraction: null,
    tokensPerSec: 100 * step,
    gradNorm: 1,
    lr: 0.01,
    ...over,
  };
}

const dataset = (over: Partial<DatasetSummary>): DatasetSummary =>
  ({ kind: 'text', lossUnit: 'nats', task: '', ...over }) as DatasetSummary;

function run(id: number, over: Partial<ComparedRun> = {}): ComparedRun {
  const rows = Array.from({ length: 6 }, (_, i) => row(i + 1));
  return { id, name: `run ${id}`, kind: 'lstm', dataset: dataset({}), rows, loading: false, tokensPerStep: 0, ...over };
}

const choice = { xMode: 'step' as const, smoothing: 0, showTrain: false };
const brief = (s: ReturnType<typeof compareSeries>) =>
  s.map((x) => ({ label: x.label, color: x.color, n: x.points.length, missing: !!x.missing }));

describe('Compare series', () => {
  it('draw each run in the colour of its id, valid bits and train bits dashed', () => {
    const s = compareSeries([run(3), run(1)], { ...choice, metric: 'bits', showTrain: true }, new CurveCache());
    expect(brief(s)).toEqual([
      { label: 'run 3 valid', color: colorForRun(3), n: 3, missing: false },
      { label: 'run 3 train', color: colorForRun(3), n: 6, missing: false },
      { label: 'run 1 valid', color: colorForRun(1), n: 3, missing: false },
      { label: 'run 1 train', color: colorForRun(1), n: 6, missing: false },
    ]);
    expect(s[0]!.points[0]!.y).toBeCloseTo(1.5 / Math.LN2, 12);
    expect(s[1]!.dashed).toBe(true);
  });

  it('name a run that cannot have the metric, or recorded none, instead of drawing nothing', () => {
    const adding = run(2, { dataset: dataset({ kind: 'synthetic', lossUnit: 'MSE', task: 'adding, T = 6' }) });
    const tcn = run(4, { kind: 'tcn' });
    const bits = compareSeries([adding], { ...choice, metric: 'bits' }, new CurveCache());
    expect(brief(bits)).toEqual([
      { label: 'run 2: its loss is a mean squared error, not bits', color: colorForRun(2), n: 0, missing: true },
    ]);
    const bound = compareSeries([run(1), tcn], { ...choice, metric: 'stability' }, new CurveCache());
    expect(brief(bound).map((x) => x.label)).toEqual(['run 1: no bound recorded', 'run 4: only recurrent models report a stability bound']);
    // A copy-memory run's accuracy is drawn; a text run's is named as absent.
    const copy = run(5, { dataset: dataset({ kind: 'synthetic', task: 'copy memory, T = 5' }), rows: [row(2, { validAccuracy: 0.5 })] });
    expect(brief(compareSeries([copy, run(1)], { ...choice, metric: 'accuracy' }, new CurveCache()))).toEqual([
      { label: 'run 5', color: colorForRun(5), n: 1, missing: false },
      { label: 'run 1: only copy-memory runs record recall accuracy', color: colorForRun(1), n: 0, missing: true },
    ]);
  });

  it('call nothing missing while a run is loading, and count an infinite bound as recorded', () => {
    expect(compareSeries([run(1, { rows: [], loading: true })], { ...choice, metric: 'throughput' }, new CurveCache())[0]!.missing).toBe(
      undefined,
    );
    const inf = compareSeries(
      [run(1, { rows: [row(2, { stabilityBound: Infinity })] })],
      { ...choice, metric: 'stability' },
      new CurveCache(),
    );
    expect(inf[0]).toMatchObject({ label: 'run 1', points: [], nonFinite: [{ x: 2, value: Infinity }] });
    expect(inf[0]!.missing).toBe(undefined);
  });

  it('leave missing runs out of the chart table', () => {
    const s = compareSeries([run(1), run(2, { kind: 'tcn' })], { ...choice, metric: 'stability' }, new CurveCache());
    expect(chartTable(s, null).columns).toEqual([]);
  });
});

describe("History's final-loss verdict", () => {
  const text = { kind: 'text', vocabSize: 30, baseline: { loss: 3 } };
  it('flags a finished run far above where an untrained model starts, and names the likely causes', () => {
    expect(finalLossVerdict({ status: 'completed', validLoss: 85, trainLoss: 80 }, text)).toBe(
      'its loss ended at 85, far above the 3.4 an untrained model starts near',
    );
    expect(finalLossVerdict({ status: 'completed', validLoss: 1.2, trainLoss: 1.1 }, text)).toBe(null);
    expect(finalLossVerdict({ status: 'running', validLoss: 85, trainLoss: 80 }, text)).toBe(null);
    expect(finalLossVerdict({ status: 'completed', validLoss: 85, trainLoss: 80 }, { ...text, kind: 'synthetic' })).toBe(null);
    expect(likelyCauses({ lr: 10, clip: 0 })).toEqual(['learning rate 10 is high', 'no gradient clipping']);
    expect(likelyCauses({ lr: 0.002, clip: 1 })).toEqual([]);
  });
});
