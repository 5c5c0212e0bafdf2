// The one interface every dataset kind implements (text, music, synthetic,
// audio: one module each, registered in registry.ts). Everything that differs
// by kind lives behind it, so no caller switches on `dataset.kind`.
import type { z } from 'zod';
import type { DatasetKind } from '../contract/kinds.ts';
import type { LabResult } from '../contract/lab-contract.ts';
import type { ImportProgress } from '../data/text-import.ts';
import type { TextLevel } from '../ml/data/dataset-types.ts';
import type { OutputKind, TaskData } from '../ml/tasks/task-types.ts';
import type { Baseline, DatasetOf, NewDatasetOf, RefusedFile } from '../storage/dataset-tasks.ts';

/** Model widths a dataset's task needs: output classes/units and input features (0 = token ids). */
export interface ModelWidths {
  vocabSize: number;
  inputFeatures: number;
}

/** A dataset's TaskData and the files it holds open. */
export interface OpenedTask {
  data: TaskData;
  /** Releases the files the task reads. */
  close(): void;
}

/** What a file import may be asked (each kind reads the options that apply to it). */
export interface FileImportOptions {
  /** The new dataset's name (already checked and free). */
  name: string;
  level: TextLevel;
  maxVocab?: number;
  encoding?: string;
  /** Audio: dataset sample rate. */
  rate?: number;
  /** Audio: trim leading/trailing audio quieter than this many dBFS. */
  trimSilenceDb?: number;
  onProgress?: (p: ImportProgress) => void;
}

/** Kind-specific fields of the contract's dataset summary (e.g. an audio dataset's rate and clips). */
export type SummaryDetails = Pick<LabResult<'listDatasets'>[number], 'audio'>;

/**
 * One dataset kind. `d` is always a record of this kind, its task already
 * parsed by `taskSchema` (core/storage/dataset-tasks.ts) when the row was read.
 */
export interface DatasetKindModule<K extends DatasetKind> {
  readonly kind: K;
  /** Strict schema of the stored task column; the history parses rows with it. */
  readonly taskSchema: z.ZodType;
  /** File extensions an import of this kind reads (core/contract/kinds.ts); empty when it is generated. */
  readonly extensions: readonly string[];
  /**
   * Turns files into this kind's files under `outDir` and the record to
   * store; null for a kind that is generated, not imported. The caller
   * (services' `storeDataset`) stores it and removes `outDir` on failure.
   */
  readonly importFiles: ((paths: string[], outDir: string, opts: FileImportOptions) => Promise<NewDatasetOf<K>>) | null;
  /** True when training batches are windows of consecutive tokens, so the train split must hold batchSize × (seqLen + 1). */
  readonly streamsTokens: boolean;
  /** What training samples mean during a run: text through the vocabulary, audio clips, or none. */
  readonly trainingSamples: 'text' | 'audio' | 'none';
  /** Input/output widths of a model for this dataset, from the record alone (no file is opened). */
  widths(d: DatasetOf<K>): ModelWidths;
  /** What a model's outputs mean, from the record alone; the loss unit follows from it. */
  outputKind(d: DatasetOf<K>): OutputKind;
  /** The training task over the dataset's files (or its generator). Throws naming the dataset when unusable. */
  openTask(d: DatasetOf<K>): OpenedTask;
  /** One line saying what the task asks and how it is scored (lists, the New-run form, run.json). */
  describe(d: DatasetOf<K>): string;
  /** The trivial predictor's valid loss stored with the dataset, or null. */
  baseline(d: DatasetOf<K>): Baseline | null;
  /** The first part of the dataset as text, for the preview pane (at most `chars` characters). */
  preview(d: DatasetOf<K>, chars: number): string;
  /** One line after an import or creation, for the terminal. */
  summaryLine(d: DatasetOf<K>): string;
  /** Kind-specific fields of the contract's dataset summary. */
  summaryDetails(d: DatasetOf<K>): SummaryDetails;
  /** Files a folder import left out, with why. */
  refused(d: DatasetOf<K>): RefusedFile[];
}
