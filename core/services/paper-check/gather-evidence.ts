// Reads what the paper check judges from the history: every experiment with
// its dataset, the datasets, and the trained recurrent runs a truncation
// sweep could read. Records only: no dataset file is opened, so the check
// answers in milliseconds.
import type { ClaimDataset, ClaimEvidence, ClaimExperiment } from '../../ml/experiments/paper-check/claim-types.ts';
import { runConfigOf, type DatasetRecord, type History, type RunRecord } from '../../storage/history.ts';
import { RECURRENT_KINDS } from '../experiments/plans.ts';

function toClaimDataset(d: DatasetRecord): ClaimDataset {
  return { id: d.id, name: d.name, kind: d.kind, level: d.level, task: (d.task as Record<string, unknown> | null) ?? null };
}

/** Trained under Miller & Hardt's constraint: a spectral bound (RNN) or the LSTM's stabilize. */
function isStable(run: RunRecord): boolean {
  const model = runConfigOf(run).model as Record<string, unknown>;
  return typeof model['spectralBound'] === 'number' || model['stabilize'] === true;
}

export function gatherClaimEvidence(history: History): ClaimEvidence {
  const datasets = history.listDatasets().map(toClaimDataset);
  const byId = new Map(datasets.map((d) => [d.id, d]));
  const datasetOf = (config: Record<string, unknown>): ClaimDataset | null => {
    if (typeof config['datasetId'] === 'number') return byId.get(config['datasetId']) ?? null;
    // A truncation sweep reads its run's dataset.
    const run = typeof config['runId'] === 'number' ? history.getRun(config['runId']) : undefined;
    return run ? (byId.get(run.datasetId) ?? null) : null;
  };
  const experiments: ClaimExperiment[] = history.listExperiments().map((e) => ({
    id: e.id,
    kind: e.kind,
    name: e.name,
    status: e.status,
    config: e.config,
    result: e.result,
    dataset: datasetOf(e.config),
    createdAt: e.createdAt,
  }));
  const recurrentRuns = history
    .listRuns()
    .filter(
      (r) =>
        RECURRENT_KINDS.includes(r.modelKind) &&
        (r.status === 'completed' || r.status === 'stopped') &&
        history.listCheckpoints(r.id).length > 0,
    )
    .sort((a, b) => b.id - a.id)
    .map((r) => ({ id: r.id, modelKind: r.modelKind, datasetId: r.datasetId, stable: isStable(r) }));
  return { experiments, datasets, recurrentRuns };
}
