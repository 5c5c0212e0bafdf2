// What every request handler receives: the history, the data folder and the
// service's own powers (training, experiments, events). Its own module so the
// handler files (lab, audio, music, experiment) all import it from below,
// never from one another.
import type { LabEvent, LabParsedArgs, LabRequestName, LabResult } from '../contract/lab-contract.ts';
import type { History } from '../storage/history.ts';
import { CONTRACT_BUDGET_LABELS, type BudgetLabels } from '../services/memory-budget.ts';

/**
 * How a front names the run inputs in the refusals whose text names two of
 * them at once (so they cannot be one FieldError): the run that does not fit
 * its dataset, and the memory budget. The app and browser mode use the
 * contract's names; the CLI passes its flags (core/cli/flag-words.ts).
 */
export interface RunRefusalWords {
  /** The inputs a too-small dataset is refused under, and the formula of the tokens one step needs. */
  fit: { field: string; formula: string };
  budget: BudgetLabels;
  /** Put before a memory refusal ("train: "), so the app files it under the training fields. */
  budgetPrefix: string;
}

export const CONTRACT_RUN_WORDS: RunRefusalWords = {
  fit: { field: 'train.batchSize', formula: 'batchSize × (seqLen + 1)' },
  budget: CONTRACT_BUDGET_LABELS,
  budgetPrefix: 'train: ',
};

export interface HandlerContext {
  dataDir: string;
  history: History;
  mode: 'electron' | 'browser';
  uploadsDir?: string;
  /** How this front names a run's inputs in a refusal. */
  runWords: RunRefusalWords;
  emit(e: LabEvent): void;
  /** Starts training `runId` in a training worker; throws when another live process owns it. */
  train(runId: number, resume: boolean): void;
  /** Asks a training run to checkpoint and stop. */
  stop(runId: number): void;
  isTraining(runId: number): boolean;
  /** Starts (or resumes) an experiment in the background; throws when it cannot start. */
  driveExperiment(id: number): void;
  /** Asks a running experiment to stop its member (or analysis). */
  stopExperiment(id: number): void;
  isExperimentRunning(id: number): boolean;
  /** Runs (or continues) a sweep locally in the background; throws when it cannot start. */
  driveSweep(id: number, maxParallel?: number): void;
  /** Asks a running sweep's trials to checkpoint and stop. */
  stopSweep(id: number): void;
  isSweepRunning(id: number): boolean;
}

/** One handler per request of `N`: validated arguments in, a result the contract's schema accepts out. */
export type HandlerTable<N extends LabRequestName> = {
  [R in N]: (ctx: HandlerContext, args: LabParsedArgs<R>) => Promise<LabResult<R>> | LabResult<R>;
};
