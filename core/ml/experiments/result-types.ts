// What an experiment produces, as stored in experiments.result_json, shipped
// through the contract and written out by the export: tables (one CSV each)
// and plots (one PNG each, drawn from the series). Pure zod, so the contract
// and the renderer can share it.
import { z } from 'zod';

/** File-safe name: tables and plots are exported as <name>.csv / <name>.png. */
const fileName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { error: 'name: 1-64 lowercase letters, digits or "-"' });

/** A cell: numbers stay numbers (non-finite values are stored as null). */
export const resultCellSchema = z.union([z.number(), z.string(), z.null()]);

/** One result table: `rows[i][j]` is the value of `columns[j]`. */
export const resultTableSchema = z.object({
  name: fileName,
  title: z.string(),
  columns: z.array(z.string()),
  rows: z.array(z.array(resultCellSchema)),
});

export const plotAxisSchema = z.object({
  label: z.string(),
  /** Log10 scale; points with a non-positive coordinate on it are not drawn. */
  log: z.boolean(),
});

/** One line of a plot: finite (x, y) points in drawing order. */
export const plotSeriesSchema = z.object({
  name: z.string(),
  points: z.array(z.tuple([z.number(), z.number()])),
});

export const resultPlotSchema = z.object({
  name: fileName,
  title: z.string(),
  x: plotAxisSchema,
  y: plotAxisSchema,
  series: z.array(plotSeriesSchema),
});

export const experimentResultSchema = z.object({
  /** Findings and caveats in plain sentences (e.g. "run 4 diverged at step 120"). */
  notes: z.array(z.string()),
  tables: z.array(resultTableSchema),
  plots: z.array(resultPlotSchema),
});

export type ResultCell = z.infer<typeof resultCellSchema>;
export type ResultTable = z.infer<typeof resultTableSchema>;
export type PlotAxis = z.infer<typeof plotAxisSchema>;
export type PlotSeries = z.infer<typeof plotSeriesSchema>;
export type ResultPlot = z.infer<typeof resultPlotSchema>;
export type ExperimentResult = z.infer<typeof experimentResultSchema>;

/** A number as a table cell: NaN and ±Infinity become null (JSON has no such numbers). */
export function cell(value: number | null | undefined): number | null {
  return value === null || value === undefined || !Number.isFinite(value) ? null : value;
}

/** Keeps the finite points only (a diverged run's NaN losses would break JSON and the axes). */
export function finitePoints(points: Iterable<readonly [number, number | null]>): [number, number][] {
  const out: [number, number][] = [];
  for (const [x, y] of points) if (y !== null && Number.isFinite(x) && Number.isFinite(y)) out.push([x, y]);
  return out;
}
