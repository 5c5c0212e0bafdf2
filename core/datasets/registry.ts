// Dataset kind -> its module. The one place that lists the modules; every
// question that depends on a dataset's kind goes through here. A new kind is
// its module plus one entry below (and its name in core/contract/kinds.ts,
// its task schema in core/storage/dataset-tasks.ts).
import type { DatasetKind, FileDatasetKind } from '../contract/kinds.ts';
import { lossUnitFor, type LossUnit } from '../ml/tasks/loss-unit.ts';
import type { OutputKind } from '../ml/tasks/task-types.ts';
import type { Baseline, DatasetOf, DatasetRecord, NewDataset, RefusedFile } from '../storage/dataset-tasks.ts';
import { audioKind } from './audio.ts';
import type { DatasetKindModule, FileImportOptions, ModelWidths, OpenedTask, SummaryDetails } from './dataset-kind.ts';
import { musicKind } from './music.ts';
import { syntheticKind } from './synthetic.ts';
import { textKind } from './text.ts';

export const DATASET_KIND_MODULES: { readonly [K in DatasetKind]: DatasetKindModule<K> } = {
  text: textKind,
  music: musicKind,
  synthetic: syntheticKind,
  audio: audioKind,
};

/**
 * The module of `d`'s kind, typed to take `d`. (TypeScript cannot follow the
 * correlation between `d.kind` and the module's parameter type by itself.)
 */
function moduleOf<K extends DatasetKind>(d: DatasetOf<K>): DatasetKindModule<K> {
  return DATASET_KIND_MODULES[d.kind] as DatasetKindModule<K>;
}

/** The import of files of `kind`: writes the kind's files into `outDir` and returns the record to store. */
export function importFilesOf(kind: FileDatasetKind): (paths: string[], outDir: string, opts: FileImportOptions) => Promise<NewDataset> {
  const importFiles = DATASET_KIND_MODULES[kind].importFiles;
  if (!importFiles) throw new Error(`a ${kind} dataset is not imported from files`);
  return importFiles;
}

/** The TaskData of `d`. Throws naming the dataset when its files or parameters are unusable. */
export const openTaskData = (d: DatasetRecord): OpenedTask => moduleOf(d).openTask(d);
/** Model widths of `d`'s task, from the record alone: no file is opened. */
export const datasetWidths = (d: DatasetRecord): ModelWidths => moduleOf(d).widths(d);
/** What a model's outputs mean for `d`, from the record alone. */
export const outputKindOf = (d: DatasetRecord): OutputKind => moduleOf(d).outputKind(d);
/** How the task's loss is measured. */
export const lossUnitOf = (d: DatasetRecord): LossUnit => lossUnitFor(outputKindOf(d));
/** One line saying what `d`'s task asks and how it is scored. */
export const describeDatasetTask = (d: DatasetRecord): string => moduleOf(d).describe(d);
/** The trivial predictor's valid loss stored with `d`, or null. */
export const datasetBaseline = (d: DatasetRecord): Baseline | null => moduleOf(d).baseline(d);
/** The first part of `d` as text, for the preview pane. */
export const datasetPreviewText = (d: DatasetRecord, chars: number): string => moduleOf(d).preview(d, chars);
/** One line after an import or creation, for the terminal. */
export const datasetSummaryLine = (d: DatasetRecord): string => moduleOf(d).summaryLine(d);
/** Kind-specific fields of the contract's dataset summary. */
export const datasetSummaryDetails = (d: DatasetRecord): SummaryDetails => moduleOf(d).summaryDetails(d);
/** Files a folder import left out, with why. */
export const refusedFiles = (d: DatasetRecord): RefusedFile[] => moduleOf(d).refused(d);
/** True when `d`'s training batches are windows of consecutive tokens. */
export const streamsTokens = (d: DatasetRecord): boolean => moduleOf(d).streamsTokens;
/** What training samples mean for `d`: text, audio clips, or none. */
export const trainingSamplesOf = (d: DatasetRecord): 'text' | 'audio' | 'none' => moduleOf(d).trainingSamples;

export type { OpenedTask, ModelWidths } from './dataset-kind.ts';
export type { LossUnit };
