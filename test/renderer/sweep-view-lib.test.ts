// The Sweeps screen's arithmetic, without a browser: the form's rows become
// the sweep file the core parses (and a row that cannot be read is named),
// the core's "space.<field>" errors go back to their rows, and the
// parallel-coordinates axes place numbers (log when they span decades) and
// categories, with the metric colour ramp.
import { describe, expect, it } from 'vitest';
import { parseSweepSpec } from '../../core/ml/sweeps/sweep-spec.ts';
import { makeAxis, metricColor } from '../../renderer/src/lib/parallel-coordinates.ts';
import { buildSpec, splitSpaceErrors, sweepableFields, type SweepForm } from '../../renderer/src/lib/sweep-form.ts';

const form = (over: Partial<SweepForm> = {}): SweepForm => ({
  datasetId: 1,
  method: 'random',
  metric: 'validLoss',
  trials: 6,
  steps: 40,
  seed: 3,
  kind: 'tcn',
  base: { batchSize: 8, seqLen: 32, backend: 'cpu' },
  rows: [
    { field: 'lr', range: 'log-uniform', text: '0.0001, 0.01' },
    { field: 'levels', range: 'list', text: '2, 3,4' },
  ],
  ...over,
});

describe('the new-sweep form', () => {
  it('writes a sweep file the core accepts, with the fixed kind in base', () => {
    const { spec, rowErrors } = buildSpec(form());
    expect(rowErrors).toEqual({});
    expect(spec).toEqual({
      method: 'random',
      metric: 'validLoss',
      steps: 40,
      seed: 3,
      trials: 6,
      base: { batchSize: 8, seqLen: 32, backend: 'cpu', kind: 'tcn' },
      space: { lr: { 'log-uniform': [0.0001, 0.01] }, levels: [2, 3, 4] },
    });
    expect(parseSweepSpec(spec).space['levels']).toEqual([2, 3, 4]);
  });

  it('leaves trials out of a grid, and a swept field out of base', () => {
    const { spec } = buildSpec(
      form({
        method: 'grid',
        rows: [
          { field: 'kind', range: 'list', text: 'lstm, tcn' },
          { field: 'batchSize', range: 'list', text: '4, 8' },
        ],
      }),
    );
    expect(spec).toMatchObject({
      method: 'grid',
      base: { seqLen: 32, backend: 'cpu' },
      space: { kind: ['lstm', 'tcn'], batchSize: [4, 8] },
    });
    expect(spec).not.toHaveProperty('trials');
    expect((spec['base'] as Record<string, unknown>)['kind']).toBeUndefined();
  });

  it('names a row that cannot be read, and routes the core errors to their rows', () => {
    expect(buildSpec(form({ rows: [{ field: 'lr', range: 'uniform', text: '0.1' }] })).rowErrors).toEqual({
      lr: 'uniform needs two numbers: from, to',
    });
    expect(
      splitSpaceErrors('space.lr: log-uniform needs two positive numbers a < b; trials: must be a whole number from 1 to 1024'),
    ).toEqual({
      rows: { lr: 'log-uniform needs two positive numbers a < b' },
      general: ['trials: must be a whole number from 1 to 1024'],
    });
  });

  it('offers the kind, the kinds’ own number fields and training’s, never steps', () => {
    const keys = sweepableFields(['lstm']).map((f) => f.key);
    expect(keys[0]).toBe('kind');
    expect(keys).toEqual(expect.arrayContaining(['hiddenSize', 'layers', 'lr', 'batchSize']));
    expect(keys).not.toContain('levels');
    expect(keys).not.toContain('steps');
    expect(sweepableFields(['lstm', 'tcn']).map((f) => f.key)).toContain('levels');
  });
});

describe('parallel-coordinates axes', () => {
  it('places numbers linearly, or logarithmically across decades, and categories evenly', () => {
    const lin = makeAxis('hiddenSize', [32, 64, 96]);
    expect([lin.scale, lin.position(32), lin.position(64), lin.position(96)]).toEqual(['linear', 0, 0.5, 1]);
    const log = makeAxis('lr', [1e-4, 1e-3, 1e-2, null]);
    expect(log.scale).toBe('log');
    expect(log.position(1e-3)).toBeCloseTo(0.5, 10);
    expect(log.position(null)).toBeNull();
    const cat = makeAxis('kind', ['lstm', 'tcn', 'gru', 'lstm']);
    expect([cat.scale, cat.position('lstm'), cat.position('tcn'), cat.position('gru'), cat.position('rnn')]).toEqual([
      'category',
      0,
      0.5,
      1,
      null,
    ]);
    expect(makeAxis('seed', [7, 7]).position(7)).toBe(0.5);
  });

  it('colours the lowest metric dark and the highest yellow, none grey', () => {
    expect(metricColor(0)).toBe('rgb(68, 1, 84)');
    expect(metricColor(1)).toBe('rgb(253, 231, 37)');
    expect(metricColor(null)).toBe('#9ca3af');
  });
});
