// The sweep requests of the contract (createSweep, listSweeps, getSweep,
// startSweep, cancelSweep), spread into lab-handlers.ts's table. The CLI's
// `seqlab sweep create/list/show/status` go through these too, so both fronts
// share one application layer. Running trials is LabService's job through
// the context (driveSweep); these only validate, read and record.
import type { LabParsedArgs, LabResult } from '../contract/lab-contract.ts';
import { TRIAL_STATES } from '../ml/sweeps/sweep-states.ts';
import { createSweep, listSweeps, loadSweep } from '../services/sweeps/sweep-store.ts';
import type { History } from '../storage/history.ts';
import type { SweepRecord } from '../storage/history-sweeps.ts';
import type { HandlerContext } from './handler-context.ts';

type SweepRequest = 'createSweep' | 'listSweeps' | 'getSweep' | 'startSweep' | 'cancelSweep';
type Handlers = { [N in SweepRequest]: (ctx: HandlerContext, args: LabParsedArgs<N>) => Promise<LabResult<N>> | LabResult<N> };

/** The contract's summary of a sweep: its state, trial counts by state and best metric. */
export function sweepSummary(history: History, s: SweepRecord): LabResult<'listSweeps'>[number] {
  const counts = Object.fromEntries(
    TRIAL_STATES.map((state) => [state, s.trials.filter((t) => t.state === state).length]),
  ) as LabResult<'listSweeps'>[number]['counts'];
  const finished = s.trials.filter((t) => t.state === 'completed' && t.metric !== null).map((t) => t.metric!);
  return {
    id: s.id,
    datasetId: s.datasetId,
    datasetName: history.getDataset(s.datasetId)?.name ?? `#${s.datasetId}`,
    method: s.spec.method,
    metric: s.spec.metric,
    state: s.state,
    execution: s.execution?.kind ?? null,
    error: s.error,
    trialCount: s.trials.length,
    counts,
    best: finished.length ? Math.min(...finished) : null,
    createdAt: s.createdAt,
  };
}

/** Summary plus the spec and every trial with its config, metric and its run's progress. */
export function sweepDetail(history: History, s: SweepRecord): LabResult<'getSweep'> {
  return {
    ...sweepSummary(history, s),
    spec: s.spec as unknown as Record<string, unknown>,
    trials: s.trials.map((t) => {
      const run = t.runId === null ? undefined : history.getRun(t.runId);
      return {
        index: t.index,
        state: t.state,
        runId: run ? run.id : null,
        point: t.point,
        metric: t.metric,
        step: Math.max(0, run?.step ?? 0),
        totalSteps: run?.totalSteps ?? t.config.train.steps,
        error: t.error,
        logPath: t.logPath,
        config: t.config,
      };
    }),
  };
}

function requireSweep(history: History, id: number): SweepRecord {
  try {
    return loadSweep(history, id);
  } catch {
    throw new Error(`id: no sweep ${id}`);
  }
}

export const sweepHandlers: Handlers = {
  createSweep(ctx, { datasetId, spec }) {
    const dataset = ctx.history.getDataset(datasetId);
    if (!dataset) throw new Error(`datasetId: no dataset ${datasetId}`);
    return sweepDetail(ctx.history, createSweep(ctx.history, dataset, spec));
  },

  listSweeps: (ctx) => listSweeps(ctx.history).map((s) => sweepSummary(ctx.history, s)),

  getSweep: (ctx, { id }) => sweepDetail(ctx.history, requireSweep(ctx.history, id)),

  startSweep(ctx, { id, maxParallel }) {
    requireSweep(ctx.history, id);
    if (ctx.isSweepRunning(id)) throw new Error(`id: sweep ${id} is already running`);
    ctx.driveSweep(id, maxParallel);
    return sweepSummary(ctx.history, loadSweep(ctx.history, id));
  },

  cancelSweep(ctx, { id }) {
    const s = requireSweep(ctx.history, id);
    if (!ctx.isSweepRunning(id)) throw new Error(`id: sweep ${id} is not running here (state ${s.state})`);
    ctx.stopSweep(id);
    return sweepSummary(ctx.history, s);
  },
};
