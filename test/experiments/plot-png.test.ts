// The PNG plotter and the CSV writer of experiment exports: round ticks on
// linear and log axes, compact labels, and images that are valid PNGs even
// for awkward data (empty, one point, non-positive values on a log axis).
import { describe, expect, it } from 'vitest';
import { csvField, experimentFiles, tableCsv } from '../../core/export/experiment-files.ts';
import { formatTick, linearTicks, logTicks, renderPlotPng } from '../../core/export/plot-png.ts';
import type { ResultPlot } from '../../core/ml/experiments/result-types.ts';

const isPng = (b: Uint8Array) => Buffer.from(b.subarray(0, 8)).toString('hex') === '89504e470d0a1a0a';
const plot = (series: ResultPlot['series'], log = false): ResultPlot => ({
  name: 'p',
  title: 'A plot',
  x: { label: 'x', log },
  y: { label: 'y', log },
  series,
});

describe('axes', () => {
  it('put linear ticks at 1, 2 or 5 × 10ⁿ', () => {
    expect(linearTicks(0, 1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(linearTicks(3.21, 3.34)).toEqual([3.22, 3.24, 3.26, 3.28, 3.3, 3.32, 3.34]);
  });

  it('put log ticks on decades, with mantissas when the span is short', () => {
    expect(logTicks(-4, 0)).toEqual([1e-4, 1e-3, 1e-2, 0.1, 1]);
    expect(logTicks(Math.log10(2), Math.log10(8))).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(logTicks(0, 2)).toEqual([1, 2, 5, 10, 20, 50, 100]);
  });

  it('label ticks compactly', () => {
    expect([0, 0.25, 3.3, 1000, 1e-4, 2.5e-5, 1e6].map(formatTick)).toEqual(['0', '0.25', '3.3', '1000', '1e-4', '2.5e-5', '1e6']);
  });
});

describe('PNG plots', () => {
  it('are 1000 × 600 PNGs, also for empty, single-point and log plots with non-positive points', () => {
    for (const p of [
      plot([]),
      plot([{ name: 'one', points: [[1, 1]] }]),
      plot(
        [
          {
            name: 'a',
            points: [
              [0, 0],
              [1, 1e-3],
              [10, 1],
            ],
          },
        ],
        true,
      ),
    ]) {
      const png = renderPlotPng(p);
      expect(isPng(png)).toBe(true);
      expect(Buffer.from(png).readUInt32BE(16)).toBe(1000);
      expect(Buffer.from(png).readUInt32BE(20)).toBe(600);
    }
  });
});

describe('CSV', () => {
  it('quotes fields that need it and leaves nulls empty', () => {
    expect([csvField('a,b'), csvField('say "hi"'), csvField(null), csvField(1.5)]).toEqual(['"a,b"', '"say ""hi"""', '', '1.5']);
    expect(
      tableCsv({
        columns: ['k', 'loss'],
        rows: [
          [1, 2.5],
          ['full', null],
        ],
      }),
    ).toBe('k,loss\n1,2.5\nfull,\n');
  });

  it('an export holds experiment.json, a CSV per table, a PNG and a points CSV per plot, and refuses clashing names', () => {
    const files = experimentFiles(
      { id: 1 },
      { notes: ['n'], tables: [{ name: 't', title: 'T', columns: ['a'], rows: [[1]] }], plots: [plot([{ name: 's', points: [[1, 2]] }])] },
    );
    expect(Object.keys(files).sort()).toEqual(['experiment.json', 'p-points.csv', 'p.png', 't.csv']);
    expect(JSON.parse(files['experiment.json'] as string)).toEqual({ id: 1, notes: ['n'] });
    expect(files['p-points.csv']).toBe('series,x,y\ns,1,2\n');
    expect(() =>
      experimentFiles({}, { notes: [], tables: [{ name: 'p-points', title: '', columns: [], rows: [] }], plots: [plot([])] }),
    ).toThrow(/two results would both be written to p-points\.csv/);
  });
});
