// The sweep file: parsing and its errors (each names the field), grid and
// random points (deterministic by seed), successive halving's rungs and
// survivors, and the mapping of config names onto a run config.
import { describe, expect, it } from 'vitest';
import { halvingRungs, survivors } from '../../core/ml/sweeps/successive-halving.ts';
import { gridPoints, randomPoints } from '../../core/ml/sweeps/sweep-sampling.ts';
import { parseSweepSpec } from '../../core/ml/sweeps/sweep-spec.ts';
import { planTrials } from '../../core/ml/sweeps/sweep-trials.ts';

const spec = (over: Record<string, unknown>) => ({
  method: 'random',
  metric: 'validLoss',
  trials: 8,
  steps: 200,
  seed: 1,
  space: { lr: { 'log-uniform': [1e-4, 1e-2] } },
  ...over,
});

describe('parseSweepSpec', () => {
  it('accepts the file format of the issue and fills defaults', () => {
    const s = parseSweepSpec({ method: 'grid', steps: 50, space: { hiddenSize: [32, 64], kind: ['lstm', 'tcn'] } });
    expect(s).toMatchObject({ method: 'grid', metric: 'validLoss', seed: 1, base: {}, steps: 50 });
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    [
      'a log-uniform range with a <= 0',
      spec({ space: { lr: { 'log-uniform': [0, 1e-2] } } }),
      /^space\.lr: log-uniform needs two positive numbers a < b$/,
    ],
    [
      'a log-uniform range with a > b',
      spec({ space: { lr: { 'log-uniform': [1e-2, 1e-4] } } }),
      /^space\.lr: log-uniform needs two positive numbers a < b$/,
    ],
    [
      'a uniform range of one number',
      spec({ space: { dropout: { uniform: [0.1] } } }),
      /^space\.dropout: uniform needs two numbers a < b$/,
    ],
    [
      'int-uniform with fractions',
      spec({ space: { levels: { 'int-uniform': [4.5, 8] } } }),
      /^space\.levels: int-uniform needs two whole numbers a <= b$/,
    ],
    [
      'an unknown range kind',
      spec({ space: { lr: { normal: [0, 1] } } }),
      /^space\.lr: must be a list of values or an object with exactly one of log-uniform, uniform, int-uniform \(got "normal"\)$/,
    ],
    ['an empty list', spec({ space: { hiddenSize: [] } }), /^space\.hiddenSize: a list needs at least one value$/],
    ['an unknown method', spec({ method: 'bayes' }), /^method: must be one of grid, random, halving$/],
    ['an unknown metric', spec({ metric: 'accuracy' }), /^metric: must be one of validLoss, trainLoss$/],
    ['fractional trials', spec({ trials: 2.5 }), /^trials: must be a whole number from 1 to 1024$/],
    ['an unknown top-level field', spec({ budget: 3 }), /^budget: unknown field$/],
    ['random without trials', spec({ trials: undefined }), /^trials: random needs the number of trials$/],
    ['a field both fixed and swept', spec({ base: { lr: 0.1 } }), /^space\.lr: also set in base/],
    ['steps in the space', spec({ space: { steps: [10, 20] } }), /^space\.steps: the steps of each trial are the sweep's "steps"$/],
    ['an empty space', spec({ space: {} }), /^space: needs at least one field/],
  ];
  it.each(refused)('refuses %s, naming the field', (_what, input, message) => {
    expect(() => parseSweepSpec(input)).toThrow(message);
  });
});

describe('grid and random points', () => {
  it('enumerates the grid, the last field fastest, and int-uniform as its whole numbers', () => {
    const points = gridPoints(
      parseSweepSpec({ method: 'grid', steps: 10, space: { kind: ['lstm', 'tcn'], levels: { 'int-uniform': [2, 4] } } }),
    );
    expect(points).toEqual([
      { kind: 'lstm', levels: 2 },
      { kind: 'lstm', levels: 3 },
      { kind: 'lstm', levels: 4 },
      { kind: 'tcn', levels: 2 },
      { kind: 'tcn', levels: 3 },
      { kind: 'tcn', levels: 4 },
    ]);
  });

  it('refuses a continuous range in a grid and a grid larger than trials', () => {
    expect(() => gridPoints(parseSweepSpec({ method: 'grid', steps: 10, space: { lr: { uniform: [0.1, 0.2] } } }))).toThrow(
      /^space\.lr: a grid needs a list or int-uniform; uniform is continuous/,
    );
    expect(() =>
      gridPoints(parseSweepSpec({ method: 'grid', trials: 3, steps: 10, space: { hiddenSize: [8, 16], layers: [1, 2] } })),
    ).toThrow(/^trials: the grid has 4 points, more than trials = 3/);
  });

  it('draws the same points for the same seed and other points for another, inside each range', () => {
    const space = {
      lr: { 'log-uniform': [1e-4, 1e-2] },
      dropout: { uniform: [0, 0.5] },
      levels: { 'int-uniform': [4, 8] },
      kind: ['lstm', 'tcn', 'gru'],
    };
    const a = randomPoints(parseSweepSpec(spec({ seed: 7, space })), 50);
    expect(randomPoints(parseSweepSpec(spec({ seed: 7, space })), 50)).toEqual(a);
    expect(randomPoints(parseSweepSpec(spec({ seed: 8, space })), 50)).not.toEqual(a);
    for (const p of a) {
      expect(p['lr']).toBeGreaterThanOrEqual(1e-4);
      expect(p['lr']).toBeLessThan(1e-2);
      expect(p['dropout']).toBeGreaterThanOrEqual(0);
      expect(p['dropout']).toBeLessThan(0.5);
      expect(Number.isInteger(p['levels'])).toBe(true);
      expect(['lstm', 'tcn', 'gru']).toContain(p['kind']);
    }
    // log-uniform spreads over decades: about half the draws below the geometric mean 1e-3
    const below = a.filter((p) => (p['lr'] as number) < 1e-3).length;
    expect(below).toBeGreaterThan(12);
    expect(below).toBeLessThan(38);
    expect(new Set(a.map((p) => p['levels'])).size).toBe(5); // every value of 4..8 drawn
  });
});

describe('successive halving', () => {
  it('halves the trials and doubles the steps each rung', () => {
    expect(halvingRungs(8, 200)).toEqual([
      { steps: 25, keep: 8 },
      { steps: 50, keep: 4 },
      { steps: 100, keep: 2 },
      { steps: 200, keep: 1 },
    ]);
    expect(halvingRungs(5, 40)).toEqual([
      { steps: 10, keep: 5 },
      { steps: 20, keep: 3 },
      { steps: 40, keep: 2 },
    ]);
  });

  it('keeps the lowest metrics; missing or NaN metrics rank last; ties go to the lower index', () => {
    const results = [
      { index: 0, metric: 2.0 },
      { index: 1, metric: null },
      { index: 2, metric: 1.5 },
      { index: 3, metric: Number.NaN },
      { index: 4, metric: 1.5 },
      { index: 5, metric: 3.0 },
    ];
    expect(survivors(results, 3)).toEqual([0, 2, 4]);
    expect(survivors(results, 1)).toEqual([2]);
    expect(survivors(results, 5)).toEqual([0, 1, 2, 4, 5]);
  });

  it('validates at every rung boundary unless told otherwise, and refuses a validEvery that misses one', () => {
    const plan = planTrials(parseSweepSpec({ method: 'halving', trials: 4, steps: 40, space: { lr: [0.001, 0.002, 0.003, 0.004] } }));
    expect(plan.map((t) => t.settings.train['validEvery'])).toEqual([10, 10, 10, 10]);
    expect(() =>
      planTrials(parseSweepSpec({ method: 'halving', trials: 4, steps: 40, base: { validEvery: 15 }, space: { lr: [0.001, 0.002] } })),
    ).toThrow(/^base\.validEvery: halving validates at the end of every rung \(steps 10, 20, 40\)/);
  });
});

describe('trial settings by config name', () => {
  it('sends model fields to the model and training fields to training, only to the kinds that have them', () => {
    const plan = planTrials(
      parseSweepSpec({
        method: 'grid',
        steps: 30,
        base: { batchSize: 4, embedSize: 8 },
        space: { 'model.kind': ['lstm', 'tcn'], levels: [3] },
      }),
    );
    expect(plan.map((t) => t.settings)).toEqual([
      { model: { kind: 'lstm', embedSize: 8 }, train: { batchSize: 4, steps: 30 } },
      { model: { kind: 'tcn', embedSize: 8, levels: 3 }, train: { batchSize: 4, steps: 30 } },
    ]);
  });

  it('refuses a field no swept kind has, naming it', () => {
    expect(() => planTrials(parseSweepSpec({ method: 'grid', steps: 30, space: { levels: [3, 4] } }))).toThrow(
      /^space\.levels: not a field of a lstm model or of training/,
    );
    expect(() => planTrials(parseSweepSpec({ method: 'grid', steps: 30, base: { hiden: 3 }, space: { lr: [0.1] } }))).toThrow(
      /^base\.hiden: not a field/,
    );
    expect(() => planTrials(parseSweepSpec({ method: 'grid', steps: 30, space: { kind: ['lstm', 'transformer'] } }))).toThrow(
      /^space\.kind: "transformer" is not a model kind/,
    );
  });
});
