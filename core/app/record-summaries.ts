// The summaries of a dataset and a run that the contract's list and detail
// results carry (and the CLI's --json prints).
import type { LabResult } from '../contract/lab-contract.ts';
import { runConfigSchema } from '../ml/train/run-config.ts';
import { receptiveFieldOf } from '../services/runs.ts';
import { datasetBaseline, datasetSummaryDetails, describeDatasetTask, lossUnitOf } from '../datasets/registry.ts';
import type { DatasetRecord, History, RunRecord } from '../storage/history.ts';

export function datasetSummary(d: DatasetRecord): LabResult<'listDatasets'>[number] {
  const summary = {
    id: d.id,
    name: d.name,
    kind: d.kind,
    level: d.level,
    task: describeDatasetTask(d),
    baseline: datasetBaseline(d),
    lossUnit: lossUnitOf(d),
    tokens: d.stats.tokens,
    vocabSize: d.stats.vocabSize,
    unigramEntropyBits: d.stats.unigramEntropyBits,
    sourceBytes: d.stats.sourceBytes,
    files: d.stats.files,
    encoding: d.encoding,
    source: d.source,
    createdAt: d.createdAt,
  };
  return { ...summary, ...datasetSummaryDetails(d) };
}

export function runSummary(
  history: History,
  r: RunRecord,
): LabResult<'getRun'> extends infer D ? Omit<D, 'config' | 'datasetFingerprint' | 'checkpoints' | 'samples' | 'exports'> : never {
  const parsed = runConfigSchema.safeParse(r.config);
  const rf = parsed.success ? receptiveFieldOf(parsed.data.model) : Infinity;
  return {
    id: r.id,
    name: r.name,
    datasetId: r.datasetId,
    datasetName: history.getDataset(r.datasetId)?.name ?? `#${r.datasetId}`,
    kind: r.modelKind,
    status: r.status,
    step: Math.max(0, r.step),
    totalSteps: r.totalSteps,
    validLoss: r.validLoss,
    trainLoss: r.trainLoss,
    paramCount: r.paramCount,
    receptiveField: Number.isFinite(rf) ? rf : null,
    backend: r.backend,
    device: r.device,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    error: r.error,
    tags: r.tags,
    note: r.note,
  };
}
