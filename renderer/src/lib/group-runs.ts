// History's grouping and text filter. Runs are grouped by their dataset or by
// the experiment that made them (a run read by several experiments goes
// under the first); experiment groups start folded so that a sweep's many
// members do not bury the runs trained by hand.
import type { ExperimentSummary, RunSummary } from './types.ts';

export type RunGrouping = 'none' | 'dataset' | 'experiment';

export interface RunGroup {
  /** Stable key ("dataset:3", "experiment:2", "none"). */
  key: string;
  /** Heading, e.g. "brackets" or "Experiment #2: Truncation sweep". */
  label: string;
  runs: RunSummary[];
  /** Whether the group starts folded (experiment members). */
  foldable: boolean;
}

/** Whether `r` matches every word of `query` in its id, name, dataset, model, backend, tags or note (case-insensitive). */
export function runMatches(r: RunSummary, query: string): boolean {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay =
    `#${r.id} ${r.name ?? ''} ${r.datasetName} ${r.kind} ${r.backend ?? ''} ${r.tags.map((t) => `${t} #${t}`).join(' ')} ${r.note}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

/** `runs` (already sorted) in groups, each keeping the sort; groups in order of their first run. */
export function groupRuns(runs: RunSummary[], by: RunGrouping, experiments: ExperimentSummary[]): RunGroup[] {
  if (by === 'none') return [{ key: 'none', label: '', runs, foldable: false }];
  const ownerOf = new Map<number, ExperimentSummary>();
  for (const x of [...experiments].sort((a, b) => a.id - b.id))
    for (const m of x.members) if (!ownerOf.has(m.runId)) ownerOf.set(m.runId, x);
  const groups = new Map<string, RunGroup>();
  for (const r of runs) {
    let key: string;
    let label: string;
    let foldable = false;
    if (by === 'dataset') {
      [key, label] = [`dataset:${r.datasetId}`, r.datasetName];
    } else {
      const x = ownerOf.get(r.id);
      [key, label, foldable] = x
        ? [`experiment:${x.id}`, `Experiment #${x.id}: ${x.name ?? x.title}`, true]
        : ['experiment:none', 'Not in an experiment', false];
    }
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, label, runs: [], foldable }));
    g.runs.push(r);
  }
  return [...groups.values()];
}

/** Tags typed as one line ("baseline, lr sweep") -> trimmed, unique, non-empty. */
export function parseTags(line: string): string[] {
  return [
    ...new Set(
      line
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}
