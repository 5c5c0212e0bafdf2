// From an experiment's config to its member runs: which runs to create (each
// a full run config, validated against the dataset like `seqlab train`'s) and
// which existing runs it reads. Everything is checked here, before anything is
// written, so a bad config never leaves half an experiment in the history.
import { configForContext } from '../../ml/experiments/context-config.ts';
import {
  parseExperimentConfig,
  type AnyExperimentConfig,
  type ExperimentKind,
  type MemoryConfig,
  type RecurrentVsConvConfig,
  type StabilityConfig,
  type TruncatedVsRecurrentConfig,
  type TruncationConfig,
} from '../../ml/experiments/experiment-config.ts';
import { matchParameterCount } from '../../ml/experiments/matched-params.ts';
import { truncatedConfigSchema, type ModelConfig } from '../../ml/models/model-config.ts';
import { countParameters } from '../../ml/models/parameter-count.ts';
import { runConfigSchema, type RunConfig } from '../../ml/train/run-config.ts';
import type { TrainConfig } from '../../ml/train/train-config.ts';
import type { DatasetRecord, History, RunRecord } from '../../storage/history.ts';
import { checkFitsDataset, parseRunConfig } from '../runs.ts';

/** A member to create and train (`config`) or an existing run to read (`runId`). */
export type PlannedMember = { role: string; config: RunConfig } | { role: string; runId: number };

export interface ExperimentPlan {
  /** The parsed config (defaults filled), as stored. */
  experiment: AnyExperimentConfig;
  dataset: DatasetRecord;
  members: PlannedMember[];
}

export const RECURRENT_KINDS: readonly string[] = ['rnn', 'lstm', 'gru'];

/** Validates `input` as a `kind` experiment and plans its members; throws naming the field. */
export function planExperiment(history: History, kind: ExperimentKind, input: unknown): ExperimentPlan {
  const experiment = { kind, config: parseExperimentConfig(kind, input) } as AnyExperimentConfig;
  switch (experiment.kind) {
    case 'truncation':
      return planTruncation(history, experiment.config, experiment);
    case 'stability':
      return planStability(history, experiment.config, experiment);
    case 'recurrent-vs-conv':
      return planRecurrentVsConv(history, experiment.config, experiment);
    case 'memory':
      return planMemory(history, experiment.config, experiment);
    case 'truncated-vs-recurrent':
      return planTruncatedVsRecurrent(history, experiment.config, experiment);
  }
}

function requireDataset(history: History, id: number): DatasetRecord {
  const d = history.getDataset(id);
  if (!d) throw new Error(`datasetId: no dataset ${id}`);
  return d;
}

/** A trained recurrent run the experiment reads: it must exist, be rnn/lstm/gru and have a checkpoint. */
function requireRecurrentRun(history: History, field: string, id: number): RunRecord {
  const run = history.getRun(id);
  if (!run) throw new Error(`${field}: no run ${id}`);
  if (!RECURRENT_KINDS.includes(run.modelKind))
    throw new Error(`${field}: run ${id} is a ${run.modelKind} model; this needs a recurrent run (rnn, lstm or gru)`);
  if (history.listCheckpoints(id).length === 0)
    throw new Error(`${field}: run ${id} has no checkpoint yet; train it first (seqlab resume ${id})`);
  return run;
}

/** A member's run config: model fields checked against the dataset, errors prefixed with `field`. */
function memberConfig(field: string, model: Record<string, unknown>, train: TrainConfig, dataset: DatasetRecord): RunConfig {
  let config: RunConfig;
  try {
    config = parseRunConfig({ model, train }, dataset);
  } catch (e) {
    // The run config's errors name model.* and train.* fields; the member's model is `field` here.
    const message = (e as Error).message
      .split('; ')
      .map((part) =>
        part.startsWith('model.') ? `${field}${part.slice('model'.length)}` : part.startsWith('train') ? part : `${field}.${part}`,
      )
      .join('; ');
    throw new Error(message, { cause: e });
  }
  // The run schema drops unknown keys; in an experiment a typo would silently train the default instead.
  const known = new Set([...Object.keys(config.model), ...('base' in config.model ? Object.keys(config.model.base) : [])]);
  const unknown = [...Object.keys(model), ...(isRecord(model['base']) ? Object.keys(model['base']) : [])].filter((k) => !known.has(k));
  if (unknown.length)
    throw new Error(
      unknown
        .map(
          (k) =>
            `${field}.${k}: not a field of a ${config.model.kind === 'truncated' ? `truncated ${config.model.base.kind}` : config.model.kind} model`,
        )
        .join('; '),
    );
  checkFitsDataset(config, dataset, { field: 'train.batchSize', formula: 'batchSize × (seqLen + 1)' });
  return config;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Splits recurrent fields into a truncated wrapper's own (widths, embedding, dropout) and its base's. */
function truncatedFields(fields: Record<string, unknown>, k: number): Record<string, unknown> {
  const own = new Set(Object.keys(truncatedConfigSchema.shape).filter((key) => key !== 'kind' && key !== 'base' && key !== 'k'));
  const wrapper: Record<string, unknown> = { kind: 'truncated', k };
  const base: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) (own.has(key) ? wrapper : base)[key] = value;
  return { ...wrapper, base: { kind: 'rnn', ...base } };
}

function planTruncation(history: History, config: TruncationConfig, experiment: AnyExperimentConfig): ExperimentPlan {
  const run = requireRecurrentRun(history, 'runId', config.runId);
  return { experiment, dataset: requireDataset(history, run.datasetId), members: [{ role: 'model', runId: run.id }] };
}

function planStability(history: History, config: StabilityConfig, experiment: AnyExperimentConfig): ExperimentPlan {
  if (config.lambdas !== undefined || config.kinds !== undefined) return planStabilitySweep(history, config, experiment);
  const dataset = requireDataset(history, config.datasetId);
  const { model, train } = config;
  // Same seed and data for both: only the constraint differs.
  const constrained = model.kind === 'rnn' ? { spectralBound: config.lambda } : { stabilize: true };
  const free = model.kind === 'rnn' ? { spectralBound: null } : { stabilize: false };
  return {
    experiment,
    dataset,
    members: [
      { role: 'unconstrained', config: memberConfig('model', { ...model, ...free }, train, dataset) },
      { role: 'stable', config: memberConfig('model', { ...model, ...constrained }, train, dataset) },
    ],
  };
}

/**
 * The λ sweep: per kind an unconstrained member, then for the RNN one stable
 * member per λ (roles rnn-unconstrained, rnn-lambda-0.9, ...) and for the
 * LSTM one stable member (lstm-stable: its constraint has fixed norms, no λ).
 * Same seed, data and training for all: only the constraint differs.
 */
function planStabilitySweep(history: History, config: StabilityConfig, experiment: AnyExperimentConfig): ExperimentPlan {
  const dataset = requireDataset(history, config.datasetId);
  const kinds = config.kinds ?? [config.model.kind];
  const lambdas = config.lambdas ?? [config.lambda];
  const { kind: _kind, ...fields } = config.model;
  const members: PlannedMember[] = [];
  for (const kind of kinds) {
    const model = (extra: Record<string, unknown>) => memberConfig('model', { ...fields, kind, ...extra }, config.train, dataset);
    if (kind === 'rnn') {
      members.push({ role: 'rnn-unconstrained', config: model({ spectralBound: null }) });
      for (const lambda of lambdas) members.push({ role: `rnn-lambda-${lambda}`, config: model({ spectralBound: lambda }) });
    } else {
      members.push({ role: 'lstm-unconstrained', config: model({ stabilize: false }) });
      members.push({ role: 'lstm-stable', config: model({ stabilize: true }) });
    }
  }
  return { experiment, dataset, members };
}

function planRecurrentVsConv(history: History, config: RecurrentVsConvConfig, experiment: AnyExperimentConfig): ExperimentPlan {
  const dataset = requireDataset(history, config.datasetId);
  const members = config.kinds.map((kind) => {
    const base = memberConfig(`models.${kind}`, { ...config.models[kind], kind }, config.train, dataset);
    const matched = matchParameterCount(base.model, config.targetParams);
    return { role: kind, config: runConfigSchema.parse({ model: matched.config, train: config.train }) };
  });
  return { experiment, dataset, members };
}

function planMemory(history: History, config: MemoryConfig, experiment: AnyExperimentConfig): ExperimentPlan {
  const dataset = requireDataset(history, config.datasetId);
  const fields: Record<string, unknown> =
    config.kind === 'truncated'
      ? truncatedFields({ kind: 'lstm', ...config.model }, 1)
      : { ...(config.kind === 'tcn' ? { kernelSize: 2, convsPerBlock: 1 } : {}), ...config.model, kind: config.kind };
  const base = memberConfig('model', fields, config.train, dataset).model;
  const seen = new Map<number, number>();
  const members: PlannedMember[] = [...config.contexts]
    .sort((a, b) => a - b)
    .map((context) => {
      const { config: model, receptiveField } = configForContext(base, context, config.fit);
      const clash = seen.get(receptiveField);
      if (clash !== undefined)
        throw new Error(
          `contexts: ${clash} and ${context} both give a ${config.kind} with a receptive field of ${receptiveField} steps; drop one`,
        );
      seen.set(receptiveField, context);
      return { role: `context-${context}`, config: runConfigSchema.parse({ model: model satisfies ModelConfig, train: config.train }) };
    });
  // Bai et al.'s comparison: recurrent models at the parameter count of the largest-context member, same training.
  const largest = members.at(-1);
  for (const kind of config.matchedRecurrent ?? []) {
    if (!largest || !('config' in largest)) break;
    const target = largest.config.model;
    const start = memberConfig(`recurrentModels.${kind}`, { ...config.recurrentModels[kind], kind }, config.train, dataset);
    const matched = matchParameterCount(start.model, countParameters(target));
    members.push({ role: kind, config: runConfigSchema.parse({ model: matched.config, train: config.train }) });
  }
  if (config.recurrentRunId !== undefined) {
    const run = requireRecurrentRun(history, 'recurrentRunId', config.recurrentRunId);
    if (run.datasetId !== dataset.id)
      throw new Error(`recurrentRunId: run ${run.id} was trained on dataset ${run.datasetId}, not on "${dataset.name}" (${dataset.id})`);
    members.push({ role: 'recurrent', runId: run.id });
  }
  return { experiment, dataset, members };
}

function planTruncatedVsRecurrent(history: History, config: TruncatedVsRecurrentConfig, experiment: AnyExperimentConfig): ExperimentPlan {
  const dataset = requireDataset(history, config.datasetId);
  const recurrent = memberConfig('base', config.base, config.train, dataset);
  const truncated = memberConfig('base', truncatedFields(config.base, config.k), config.train, dataset);
  return {
    experiment,
    dataset,
    members: [
      { role: 'recurrent', config: recurrent },
      { role: 'truncated', config: truncated },
    ],
  };
}
