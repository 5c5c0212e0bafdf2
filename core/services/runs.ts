// Creating runs and loading a run's model back from its record alone.
import * as tf from '@tensorflow/tfjs';
import { ZodError } from 'zod';
import { buildModel } from '../ml/models/build-model.ts';
import type { ModelConfig } from '../ml/models/model-config.ts';
import { countParameters } from '../ml/models/parameter-count.ts';
import { receptiveFieldOfConfig } from '../ml/models/receptive-field.ts';
import type { SequenceModel } from '../ml/models/sequence-model.ts';
import { decodeCheckpoint } from '../ml/train/checkpoint.ts';
import { runConfigSchema, type RunConfig } from '../ml/train/run-config.ts';
import { describeIssues } from '../ml/zod-issues.ts';
import { datasetWidths, streamsTokens } from '../datasets/registry.ts';
import { runConfigOf, type DatasetRecord, type History, type RunRecord } from '../storage/history.ts';

/**
 * Validates a run config against the dataset; errors name the field and the
 * allowed range. The task's widths come from the record alone: no dataset
 * file is read (the New-run form calls this at every keystroke).
 */
export function parseRunConfig(
  input: { model: Record<string, unknown>; train: Record<string, unknown> },
  dataset: DatasetRecord,
): RunConfig {
  try {
    return runConfigSchema.parse({ model: { ...input.model, ...datasetWidths(dataset) }, train: input.train });
  } catch (e) {
    if (e instanceof ZodError) throw new Error(describeIssues(e), { cause: e });
    throw e;
  }
}

/** Receptive field in steps (Infinity for recurrent models). */
export function receptiveFieldOf(model: ModelConfig): number {
  return receptiveFieldOfConfig(model);
}

/**
 * Refuses a config whose batch does not fit the dataset's training split
 * (WindowBatcher would only fail later, inside the worker).
 * @param label how the caller names the offending fields (CLI flags or contract fields)
 */
export function checkFitsDataset(config: RunConfig, dataset: DatasetRecord, label: { field: string; formula: string }): void {
  if (!streamsTokens(dataset)) return; // episodic tasks batch whole sequences; seqLen does not apply
  const need = config.train.batchSize * (config.train.seqLen + 1);
  const have = dataset.splits.train.end - dataset.splits.train.start;
  if (have < need)
    throw new Error(`${label.field}: dataset "${dataset.name}" has ${have} training tokens, fewer than ${label.formula} = ${need}`);
}

/** Stores a new queued run. */
export function createRun(history: History, dataset: DatasetRecord, config: RunConfig, name?: string): RunRecord {
  return history.createRun({
    ...(name ? { name } : {}),
    datasetId: dataset.id,
    modelKind: config.model.kind,
    config,
    seed: config.train.seed,
    datasetFingerprint: dataset.fingerprint,
    totalSteps: config.train.steps,
    paramCount: countParameters(config.model),
  });
}

export interface LoadedRun {
  run: RunRecord;
  config: RunConfig;
  dataset: DatasetRecord;
  model: SequenceModel;
  /** Step of the checkpoint the weights came from. */
  step: number;
}

/** Rebuilds a run's model with the weights of its latest valid checkpoint. */
export function loadRunModel(history: History, ref: string): LoadedRun {
  const run = history.resolveRun(ref);
  const config = runConfigOf(run);
  const dataset = history.getDataset(run.datasetId);
  if (!dataset) throw new Error(`run ${run.id}: its dataset ${run.datasetId} is gone`);
  const ckpt = history.loadLatestCheckpoint(run.id);
  if (!ckpt) throw new Error(`run ${run.id} has no checkpoint yet; train it first (seqlab resume ${run.id})`);
  const snap = decodeCheckpoint(ckpt.bytes);
  const model = buildModel(config.model, config.train.seed);
  for (const { name, variable } of model.variables) {
    const p = snap.params[name];
    if (!p || p.values.length !== variable.size) throw new Error(`run ${run.id}: checkpoint lacks parameter "${name}"`);
    tf.tidy(() => variable.assign(tf.tensor(p.values, variable.shape)));
  }
  return { run, config, dataset, model, step: ckpt.step };
}
