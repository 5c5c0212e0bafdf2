// History's column sorting: one comparator per sortable column; missing
// values (no validation yet) sort last whichever the direction.
import type { RunSummary } from './types.ts';

export type RunSortKey = 'id' | 'status' | 'dataset' | 'model' | 'step' | 'validLoss' | 'created';
export type SortDirection = 'ascending' | 'descending';

const keyOf: Record<RunSortKey, (r: RunSummary) => string | number | null> = {
  id: (r) => r.id,
  status: (r) => r.status,
  dataset: (r) => r.datasetName.toLowerCase(),
  model: (r) => r.kind,
  step: (r) => r.step,
  validLoss: (r) => (r.validLoss !== null && Number.isFinite(r.validLoss) ? r.validLoss : null),
  created: (r) => r.createdAt,
};

/** A sorted copy of `runs` (ties broken by id, newest first). */
export function sortRuns(runs: RunSummary[], key: RunSortKey, direction: SortDirection): RunSummary[] {
  const get = keyOf[key];
  const sign = direction === 'ascending' ? 1 : -1;
  return [...runs].sort((a, b) => {
    const x = get(a);
    const y = get(b);
    if (x === null || y === null) return x === y ? b.id - a.id : x === null ? 1 : -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return c !== 0 ? sign * c : b.id - a.id;
  });
}
