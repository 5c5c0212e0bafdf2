// The sweep operations every front and executor shares (issue 19): create a
// sweep from its file (every trial validated against the dataset before
// anything is stored), load one, give trial i's full run config, create or
// find the trial's run (an ordinary run: a trial IS a run), mark a trial, and
// read a run's metric. The local runner (local-runner.ts) and the Slurm path
// (sweep-bundles) build on these and on nothing else of the tables.
import { planTrials, describePoint } from '../../ml/sweeps/sweep-trials.ts';
import { parseSweepSpec, type SweepSpec } from '../../ml/sweeps/sweep-spec.ts';
import type { RunConfig } from '../../ml/train/run-config.ts';
import type { DatasetRecord, History, RunRecord } from '../../storage/history.ts';
import type { SweepExecution, SweepRecord, SweepState, SweepTrialRecord, TrialPatch } from '../../storage/history-sweeps.ts';
import { checkMemoryBudget, CONTRACT_BUDGET_LABELS } from '../memory-budget.ts';
import { checkFitsDataset, createRun, parseRunConfig } from '../runs.ts';

export type { SweepExecution, SweepRecord, SweepState, SweepTrialRecord, TrialPatch, TrialState } from '../../storage/history-sweeps.ts';

/**
 * Rewrites a run-config error ("hiddenSize: must be ...") to name where the
 * field came from in the sweep file ("space.hiddenSize: must be ... (trial 2:
 * hiddenSize=5000)").
 */
function inSweepTerms(message: string, spec: SweepSpec, trial: string): string {
  const where = (field: string) => {
    const key = [field, `model.${field}`, `train.${field}`].find((k) => k in spec.space || k in spec.base);
    return key === undefined ? field : `${key in spec.space ? 'space' : 'base'}.${key}`;
  };
  return message
    .split('; ')
    .map((part) => part.replace(/^(?:model\.|train\.)?([A-Za-z]+)(?=:)/, (_, field: string) => where(field)))
    .join('; ')
    .concat(` (${trial})`);
}

/**
 * Parses the sweep file, plans its trials and validates each one's full run
 * config against the dataset (widths, batch fits the split, memory budget)
 * BEFORE storing: a bad space fails here, naming the field, and nothing is
 * written. Returns the stored sweep with its pending trials.
 */
export function createSweep(history: History, dataset: DatasetRecord, specInput: unknown): SweepRecord {
  const spec = parseSweepSpec(specInput);
  const trials = planTrials(spec).map(({ index, point, settings }) => {
    const label = `trial ${index}: ${describePoint(point)}`;
    let config: RunConfig;
    try {
      config = parseRunConfig(settings, dataset);
      checkFitsDataset(config, dataset, { field: 'batchSize/seqLen', formula: 'batchSize × (seqLen + 1)' });
    } catch (e) {
      throw new Error(inSweepTerms((e as Error).message, spec, label), { cause: e });
    }
    const budget = checkMemoryBudget(config, CONTRACT_BUDGET_LABELS);
    if (budget.refusal) throw new Error(`${label}: ${budget.refusal}`);
    return { point, config };
  });
  return history.sweeps.insert({ datasetId: dataset.id, spec, trials });
}

/** The sweep with its trials; ref = id or "#id"; Error `no sweep "ref"; list sweeps with: seqlab sweep list`. */
export function loadSweep(history: History, ref: string | number): SweepRecord {
  return history.sweeps.resolve(ref);
}

/** Sweeps, newest first. */
export function listSweeps(history: History): SweepRecord[] {
  return history.sweeps.list();
}

/** Trial `index` of a sweep: the sweep, the trial, its dataset and its full run config. Errors name a bad index. */
export function trialRunConfig(
  history: History,
  sweepId: number,
  index: number,
): { sweep: SweepRecord; trial: SweepTrialRecord; dataset: DatasetRecord; config: RunConfig } {
  const sweep = loadSweep(history, sweepId);
  const trial = sweep.trials[index];
  if (!Number.isInteger(index) || !trial)
    throw new Error(`--index: sweep ${sweepId} has trials 0..${sweep.trials.length - 1} (got ${index})`);
  const dataset = history.getDataset(sweep.datasetId);
  if (!dataset) throw new Error(`sweep ${sweepId}: its dataset ${sweep.datasetId} is gone`);
  return { sweep, trial, dataset, config: trial.config };
}

/** Updates a trial: any of state / metric / runId / logPath / error (undefined = unchanged, null = clear). */
export function markTrial(history: History, sweepId: number, index: number, patch: TrialPatch): SweepTrialRecord {
  return history.sweeps.updateTrial(sweepId, index, patch);
}

/**
 * The trial's run: the linked one when it still exists, else a new queued
 * ordinary run (named "sweep S trial i") linked in the trial. Idempotent.
 */
export function ensureTrialRun(history: History, sweepId: number, index: number): RunRecord {
  const { trial, dataset, config } = trialRunConfig(history, sweepId, index);
  const linked = trial.runId === null ? undefined : history.getRun(trial.runId);
  if (linked) return linked;
  // One transaction: a kill between the two writes would leave a run no trial links to (an orphan in the history).
  return history.transaction(() => {
    const run = createRun(history, dataset, config, `sweep ${sweepId} trial ${index}`);
    markTrial(history, sweepId, index, { runId: run.id });
    return run;
  });
}

/** Stores how the sweep executes (local, or a Slurm job and its shared folder). */
export function setSweepExecution(history: History, sweepId: number, execution: SweepExecution): SweepRecord {
  return history.sweeps.setExecution(sweepId, execution);
}

/** Sets the sweep's state (and error). */
export function setSweepState(history: History, sweepId: number, state: SweepState, error: string | null = null): SweepRecord {
  return history.sweeps.setState(sweepId, state, error);
}

/**
 * A run's value of the sweep's metric: the last recorded one, or with
 * `atStep` the last one at or before that step (a halving rung's end). Null
 * when the run never recorded it (validLoss before the first validation).
 */
export function runMetric(history: History, runId: number, metric: SweepSpec['metric'], atStep?: number): number | null {
  const rows = history.getMetrics(runId);
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i]!;
    if (atStep !== undefined && row.step > atStep) continue;
    const value = row[metric];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return null;
}
