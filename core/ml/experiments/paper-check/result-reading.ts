// Reads the figures the claims need out of a stored experiment result: the
// tables are found by name and their columns by the start of the header
// ("best valid loss (" matches "best valid loss (nats)"), so a unit in the
// header or a column added later (the λ sweep, the memory task) does not break them.
import type { ExperimentResult, ResultCell, ResultPlot, ResultTable } from '../result-types.ts';

/** A member run as the 'runs' table lists it. */
export interface MemberFigure {
  role: string;
  /** Model kind ("lstm", "tcn", "truncated", ...). */
  model: string;
  runId: number | null;
  parameters: number | null;
  /** Best valid loss (early stopping's figure), else the final one; null when neither was recorded. */
  loss: number | null;
  /** What `loss` is: "best valid" or "final valid". */
  lossKind: string;
  /** The unit in the header ("nats", "nats per step", "MSE"). */
  unit: string;
  steps: number | null;
  status: string;
  /** Every cell of the row, by column header. */
  cells: Record<string, ResultCell>;
}

export function findTable(result: ExperimentResult, name: string): ResultTable | undefined {
  return result.tables.find((t) => t.name === name);
}

/** Index of the first column whose header starts with `prefix` (case-insensitive), or -1. */
export function columnIndex(table: ResultTable, prefix: string): number {
  const p = prefix.toLowerCase();
  return table.columns.findIndex((c) => c.toLowerCase().startsWith(p));
}

const num = (v: ResultCell | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: ResultCell | undefined): string => (v === null || v === undefined ? '' : String(v));

/** The unit in a header such as "best valid loss (nats)"; '' without one. */
function unitOfHeader(header: string | undefined): string {
  return /\(([^)]*)\)\s*$/.exec(header ?? '')?.[1] ?? '';
}

/** The members of the 'runs' table; [] when the result has none. */
export function memberFigures(result: ExperimentResult | null): MemberFigure[] {
  const table = result ? findTable(result, 'runs') : undefined;
  if (!table) return [];
  const at = (prefix: string) => columnIndex(table, prefix);
  const [role, run, model, params, status, steps, best, final] = [
    'role',
    'run',
    'model',
    'parameters',
    'status',
    'steps',
    'best valid loss',
    'final valid loss',
  ].map(at) as number[];
  return table.rows.map((row) => {
    const bestLoss = num(row[best!]);
    const finalLoss = num(row[final!]);
    return {
      role: str(row[role!]),
      model: str(row[model!]),
      runId: num(row[run!]),
      parameters: num(row[params!]),
      loss: bestLoss ?? finalLoss,
      lossKind: bestLoss !== null ? 'best valid' : 'final valid',
      unit: unitOfHeader(table.columns[bestLoss !== null ? best! : final!]),
      steps: num(row[steps!]),
      status: str(row[status!]),
      cells: Object.fromEntries(table.columns.map((c, j) => [c, row[j] ?? null])),
    };
  });
}

/** The value in the two-column table `name` whose first cell starts with `prefix`. */
export function measure(result: ExperimentResult | null, name: string, prefix: string): number | null {
  const table = result ? findTable(result, name) : undefined;
  const row = table?.rows.find((r) => str(r[0]).toLowerCase().startsWith(prefix.toLowerCase()));
  return num(row?.[1]);
}

/** The first plot whose name is in `names` (in that order of preference), else the first plot. */
export function pickPlot(result: ExperimentResult | null, names: readonly string[]): ResultPlot | null {
  if (!result) return null;
  for (const n of names) {
    const p = result.plots.find((q) => q.name === n);
    if (p && p.series.some((s) => s.points.length > 0)) return p;
  }
  return result.plots.find((p) => p.series.some((s) => s.points.length > 0)) ?? null;
}

/** A loss for a sentence: 4 significant digits, exponent form when tiny. */
export function formatFigure(v: number): string {
  if (v === 0) return '0';
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? String(Number(v.toPrecision(4))) : v.toExponential(2);
}
