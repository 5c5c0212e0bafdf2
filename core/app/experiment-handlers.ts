// The experiment requests of the contract (listExperiments, startExperiment,
// ...), one function each, spread into lab-handlers.ts's table. Driving an
// experiment (its member runs' workers, then the analysis worker) is
// LabService's job through the context; these only validate, read and record.
import path from 'node:path';
import type { LabParsedArgs, LabResult } from '../contract/lab-contract.ts';
import { EXPERIMENT_INFO, EXPERIMENT_KINDS, parseExperimentConfig, type ExperimentKind } from '../ml/experiments/experiment-config.ts';
import { createExperiment } from '../services/experiments.ts';
import { EXPERIMENT_PRESETS, findPreset } from '../ml/experiments/presets.ts';
import { ensureBuiltinDataset } from '../services/datasets.ts';
import type { ExportResult } from '../export/tfjs-export.ts';
import type { ExperimentRecord, History } from '../storage/history.ts';
import { runTask } from '../worker/task-host.ts';
import type { HandlerContext } from './handler-context.ts';
import { FieldError } from '../contract/structured-error.ts';

type ExperimentRequest =
  | 'listExperimentKinds'
  | 'listExperiments'
  | 'getExperiment'
  | 'startExperiment'
  | 'stopExperiment'
  | 'resumeExperiment'
  | 'exportExperiment'
  | 'deleteExperiment';
type Handlers = { [N in ExperimentRequest]: (ctx: HandlerContext, args: LabParsedArgs<N>) => Promise<LabResult<N>> | LabResult<N> };

/** The contract's view of an experiment: its record and each member run's progress. */
export function experimentSummary(
  history: History,
  e: ExperimentRecord,
): LabResult<'getExperiment'> extends infer D ? Omit<D, 'config' | 'result'> : never {
  return {
    id: e.id,
    kind: e.kind as ExperimentKind,
    title: EXPERIMENT_INFO[e.kind as ExperimentKind]?.title ?? e.kind,
    name: e.name,
    status: e.status,
    error: e.error,
    members: e.members.map((m) => {
      const run = history.getRun(m.runId);
      return {
        runId: m.runId,
        role: m.role,
        position: m.position,
        owned: m.owned,
        status: run?.status ?? 'crashed',
        step: Math.max(0, run?.step ?? 0),
        totalSteps: run?.totalSteps ?? 0,
        validLoss: run?.validLoss ?? null,
      };
    }),
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    finishedAt: e.finishedAt,
  };
}

/** Defaults of a kind's optional fields: its schema applied to just the required id. */
function defaultsOf(kind: ExperimentKind): Record<string, unknown> {
  const required = kind === 'truncation' ? 'runId' : 'datasetId';
  const parsed = parseExperimentConfig(kind, { [required]: 1 }) as Record<string, unknown>;
  delete parsed[required];
  return parsed;
}

/** Prefixes each "field: message" part with "config.", so the form can find the field. */
function inConfig(e: unknown): Error {
  const message = (e as Error).message
    .split('; ')
    .map((part) => (/^[\w.]+: /.test(part) ? `config.${part}` : part))
    .join('; ');
  return new Error(message, { cause: e });
}

function requireExperiment(history: History, id: number): ExperimentRecord {
  const e = history.getExperiment(id);
  if (!e) throw new Error(`id: no experiment ${id}`);
  return e;
}

export const experimentHandlers: Handlers = {
  listExperimentKinds: () =>
    EXPERIMENT_KINDS.map((kind) => ({
      kind,
      ...EXPERIMENT_INFO[kind],
      defaults: defaultsOf(kind),
      presets: EXPERIMENT_PRESETS.filter((p) => p.kind === kind).map((p) => ({
        name: p.name,
        title: p.title,
        target: p.target,
        dataset: p.dataset,
        datasetHint: p.datasetHint,
      })),
    })),

  listExperiments: (ctx) => ctx.history.listExperiments().map((e) => experimentSummary(ctx.history, e)),

  getExperiment(ctx, { id }) {
    const e = requireExperiment(ctx.history, id);
    return { ...experimentSummary(ctx.history, e), config: e.config, result: e.result };
  },

  async startExperiment(ctx, { kind, name, config }) {
    let e: ExperimentRecord;
    try {
      // A preset with a built-in dataset (copy-100, adding-200) runs on it when no dataset is given.
      const preset = typeof config['preset'] === 'string' ? findPreset(kind, config['preset']) : undefined;
      if (preset?.dataset && config['datasetId'] === undefined)
        config = { ...config, datasetId: (await ensureBuiltinDataset(ctx.history, ctx.dataDir, preset.dataset)).id };
      e = createExperiment(ctx.history, kind, config, name);
    } catch (err) {
      throw inConfig(err);
    }
    ctx.driveExperiment(e.id);
    return experimentSummary(ctx.history, ctx.history.getExperiment(e.id)!);
  },

  stopExperiment(ctx, { id }) {
    const e = requireExperiment(ctx.history, id);
    if (!ctx.isExperimentRunning(id)) throw new Error(`id: experiment ${id} is not running here (status ${e.status})`);
    ctx.stopExperiment(id);
    return experimentSummary(ctx.history, e);
  },

  resumeExperiment(ctx, { id }) {
    const e = requireExperiment(ctx.history, id);
    // The supervisor refuses a completed one (experiment-supervisor.ts); a running one is refused here, for every front.
    if (ctx.isExperimentRunning(id) || e.status === 'running')
      throw new FieldError('id', `experiment ${id} is running${e.pid !== null ? ` (pid ${e.pid})` : ''}`, { hint: 'stop it first' });
    ctx.driveExperiment(id);
    return experimentSummary(ctx.history, ctx.history.getExperiment(id)!);
  },

  // PNG drawing is CPU work: it runs in a worker thread like the run exports.
  async exportExperiment(ctx, { id, outDir }) {
    requireExperiment(ctx.history, id);
    const dir = outDir ?? path.join(ctx.dataDir, 'exports', `experiment-${id}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    const r = await runTask<ExportResult>({ kind: 'exportExperiment', dataDir: ctx.dataDir, experimentId: id, outDir: dir });
    return { outDir: path.resolve(r.outDir), files: r.files, sha256: r.sha256 };
  },

  deleteExperiment(ctx, { id }) {
    requireExperiment(ctx.history, id);
    if (ctx.isExperimentRunning(id)) throw new Error(`id: experiment ${id} is running; stop it before deleting`);
    return { deleted: ctx.history.deleteExperiment(id) };
  },
};
