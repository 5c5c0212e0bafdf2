// The files of an experiment's export folder: experiment.json (the record:
// kind, config, members, notes), one CSV per result table, and per plot a PNG
// and a CSV of its points (series, x, y) for replotting elsewhere.
import type { ExperimentResult, ResultCell, ResultTable } from '../ml/experiments/result-types.ts';
import { renderPlotPng } from './plot-png.ts';

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; empty for null. */
export function csvField(v: ResultCell): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function tableCsv(table: Pick<ResultTable, 'columns' | 'rows'>): string {
  return [table.columns, ...table.rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

/**
 * @param record what experiment.json holds (the caller's choice of fields)
 * @returns relative file name -> contents
 */
export function experimentFiles(record: Record<string, unknown>, result: ExperimentResult): Record<string, Uint8Array | string> {
  const files: Record<string, Uint8Array | string> = {
    'experiment.json': `${JSON.stringify({ ...record, notes: result.notes }, null, 2)}\n`,
  };
  const add = (name: string, data: () => Uint8Array | string) => {
    if (name in files) throw new Error(`export: two results would both be written to ${name}`);
    files[name] = data();
  };
  for (const t of result.tables) add(`${t.name}.csv`, () => tableCsv(t));
  for (const p of result.plots) {
    add(`${p.name}.png`, () => renderPlotPng(p));
    add(`${p.name}-points.csv`, () =>
      tableCsv({ columns: ['series', p.x.label, p.y.label], rows: p.series.flatMap((s) => s.points.map(([x, y]) => [s.name, x, y])) }),
    );
  }
  return files;
}
