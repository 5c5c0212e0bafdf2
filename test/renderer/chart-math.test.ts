// The renderer's chart arithmetic, without a browser: TensorBoard's debiased
// EMA, smoothing that leaves sparse series alone and keeps non-finite values,
// run colours from ids, log-axis labels, the loss-health verdict, and
// messages worded for the app (form labels, no command lines).
import { describe, expect, it } from 'vitest';
import { forTheApp } from '../../renderer/src/lib/app-messages.ts';
import { colorForRun, logTick, PALETTE } from '../../renderer/src/lib/chart-setup.ts';
import { labelled } from '../../renderer/src/lib/field-errors.ts';
import { lossHealth, median } from '../../renderer/src/lib/health.ts';
import { formatClock } from '../../renderer/src/lib/format.ts';
import { debiasedEma, MIN_SMOOTHED_POINTS, SmoothedSeries } from '../../renderer/src/lib/smoothing.ts';
import type { MetricRow } from '../../renderer/src/lib/types.ts';

function row(step: number, trainLoss: number, validLoss: number | null = null): MetricRow {
  return {
    step,
    wallMs: step * 100,
    trainLoss,
    validLoss,
    bitsPerSymbol: null,
    validAccuracy: null,
    stabilityBound: null,
    contraction: null,
    tokensPerSec: 1000,
    gradNorm: 1,
    lr: 0.01,
  };
}

describe('debiased EMA', () => {
  it('starts at the first value and follows ema / (1 − w^n)', () => {
    const out = debiasedEma([4, 2, 2], 0.5);
    // ema: 2, 2, 2 → debiased 2/0.5 = 4, 2/0.75 = 2.667, 2/0.875 = 2.286 (TensorBoard's numbers).
    expect(out[0]).toBeCloseTo(4);
    expect(out[1]).toBeCloseTo(8 / 3);
    expect(out[2]).toBeCloseTo(16 / 7);
    expect(debiasedEma([3, 1], 0)).toEqual([3, 1]);
  });

  it('smooths dense series incrementally, keeps raw values, never smooths sparse ones', () => {
    const rows = Array.from({ length: MIN_SMOOTHED_POINTS + 5 }, (_, i) => row(i + 1, 5 - i * 0.1, i % 10 === 9 ? 4 - i * 0.05 : null));
    const train = new SmoothedSeries((r) => r.trainLoss, 'step', 0.6);
    train.update(rows.slice(0, 10), 'step', 0.6);
    expect(train.smoothed).toBe(false); // 10 points: drawn as measured
    train.update(rows, 'step', 0.6);
    expect(train.smoothed).toBe(true);
    expect(train.raw.map((p) => p.y)).toEqual(rows.map((r) => r.trainLoss));
    const expected = debiasedEma(
      rows.map((r) => r.trainLoss!),
      0.6,
    );
    train.points.forEach((p, i) => expect(p.y).toBeCloseTo(expected[i]!));

    const valid = new SmoothedSeries((r) => r.validLoss, 'step', 0.6);
    valid.update(rows, 'step', 0.6);
    expect(valid.smoothed).toBe(false);
    expect(valid.points.map((p) => p.x)).toEqual([10, 20, 30]);
  });

  it('lists Infinity and NaN instead of dropping them silently', () => {
    const s = new SmoothedSeries((r) => r.trainLoss, 'time', 0);
    s.update([row(1, 3.9), row(2, Infinity), row(3, NaN), row(4, 2)], 'time', 0);
    expect(s.points).toEqual([
      { x: 0.1, y: 3.9 },
      { x: 0.4, y: 2 },
    ]);
    expect(s.nonFinite).toEqual([
      { x: 0.2, value: Infinity },
      { x: 0.3, value: NaN },
    ]);
  });
});

describe('run colours', () => {
  it('come from the run id alone', () => {
    expect(colorForRun(1)).toBe(PALETTE[0]);
    expect(colorForRun(2)).toBe(PALETTE[1]);
    expect(colorForRun(1 + PALETTE.length)).toBe(PALETTE[0]);
    expect(new Set([1, 2, 3, 4, 5, 6, 7, 8].map(colorForRun)).size).toBe(8);
  });
});

describe('log axis labels', () => {
  const ticks = (values: number[]) => values.map((value) => ({ value }));
  it('label 1, 2, 5 per decade over a few decades, powers of ten over many', () => {
    const few = ticks([1e4, 2e4, 3e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7, 1e8]);
    expect(few.map((t, i) => logTick(t.value, i, few)).filter(Boolean)).toEqual([
      '10000',
      '20000',
      '50000',
      '100000',
      '200000',
      '500000',
      '1e+6',
      '2e+6',
      '5e+6',
      '1e+7',
      '1e+8',
    ]);
    const many = ticks([1e-2, 2e-2, 1, 5, 10, 1e3, 2e3, 1e6, 3e6, 1e8]);
    expect(many.map((t, i) => logTick(t.value, i, many)).filter(Boolean)).toEqual(['0.01', '1', '10', '1000', '1e+6', '1e+8']);
  });
  it('never leave a log axis without any label, nor two alike', () => {
    const narrow = ticks([3, 3.2, 3.4, 3.6, 3.8, 4, 4.2, 4.4, 4.6]);
    expect(narrow.map((t, i) => logTick(t.value, i, narrow)).filter(Boolean)).toEqual(['3', '3.4', '3.8', '4.2', '4.6']);
    // A few ticks: all of them, to three digits (3.3 and 3.35 must not both read 3.3).
    const few = ticks([3.3, 3.35, 3.4, 3.45, 3.5]);
    expect(few.map((t, i) => logTick(t.value, i, few))).toEqual(['3.3', '3.35', '3.4', '3.45', '3.5']);
    expect(logTick(Infinity, 0, ticks([Infinity]))).toBe('');
  });
});

describe('loss health', () => {
  it('flags a loss that rose far above its start, with the likely causes', () => {
    const rows = Array.from({ length: 20 }, (_, i) => row(i + 1, 3.9 + i * 4.3));
    const h = lossHealth(rows, { lr: 10, clip: 0 });
    expect(h.state).toBe('diverging');
    expect(h.start).toBe(3.9);
    expect(h.end).toBeCloseTo(median(rows.slice(-5).map((r) => r.trainLoss!)));
    expect(h.causes).toEqual(['learning rate 10 is high', 'no gradient clipping']);
  });
  it('flags non-finite losses and passes a falling curve', () => {
    expect(lossHealth([row(1, 3), row(2, NaN)], null).state).toBe('non-finite');
    expect(lossHealth([row(1, 3), row(2, 2, Infinity)], null).state).toBe('non-finite');
    const falling = Array.from({ length: 20 }, (_, i) => row(i + 1, 4 - i * 0.1));
    expect(lossHealth(falling, { lr: 10, clip: 0 })).toMatchObject({ state: 'ok', causes: [] });
  });
});

describe('messages in the app', () => {
  it('offer the app action instead of a seqlab command', () => {
    expect(forTheApp('run 3 has no checkpoint yet; train it first (seqlab resume 3)')).toBe(
      'run 3 has no checkpoint yet; sampling works after the first checkpoint (Resume run #3 on its page to train it)',
    );
    expect(forTheApp('run 4 belongs to experiment 2; delete the experiment first (seqlab experiment delete 2)')).toBe(
      'run 4 belongs to experiment 2; delete the experiment first (Delete experiment 2 on the Experiments screen)',
    );
    expect(forTheApp('no run "x"; list runs with: seqlab runs')).toBe('no run "x"');
    expect(forTheApp('--dataset: no dataset "x" (known: a, b); import one with: seqlab datasets import <path>')).toBe(
      '--dataset: no dataset "x" (known: a, b); import one on the Datasets screen',
    );
    expect(
      forTheApp('experiment 2 is failed; only a completed experiment has results to export (resume it: seqlab experiment resume 2)'),
    ).not.toMatch(/seqlab/);
    expect(forTheApp('lr: must be a number from 1e-7 to 10')).toBe('lr: must be a number from 1e-7 to 10');
  });

  it('name fields by their form labels', () => {
    expect(labelled('hiddenSize: must be a whole number from 1 to 4096', 'Hidden size')).toBe(
      'Hidden size: must be a whole number from 1 to 4096',
    );
    expect(labelled('config.train.steps: must be at least 1', 'Steps')).toBe('Steps: must be at least 1');
    expect(labelled('must be a number', 'Steps')).toBe('must be a number');
  });
});

describe('wall-clock axis labels', () => {
  it('show tenths of a second under 10 s, m:ss above', () => {
    expect([0, 0.2, 3.46, 5, 12.4, 75].map(formatClock)).toEqual(['0:00', '0:00.2', '0:03.5', '0:05', '0:12', '1:15']);
  });
});
