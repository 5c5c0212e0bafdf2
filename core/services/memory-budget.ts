// The memory budget a run must fit before it starts: by default a share of
// this machine's physical memory, and always V8's largest typed array (a
// larger tensor aborts the process with a fatal error no handler can catch).
// The refusal says what needs how much and what to lower.
import { constants as bufferConstants } from 'node:buffer';
import os from 'node:os';
import { estimateTrainingMemory, type MemoryEstimate } from '../ml/models/memory-estimate.ts';
import type { RunConfig } from '../ml/train/run-config.ts';
import type { DatasetRecord } from '../storage/history.ts';

/** Share of physical memory a run may plan to use by default: room for the OS, the app and another run. */
export const DEFAULT_MEMORY_SHARE = 0.5;

/** How the caller names the fields (CLI flags or contract fields). */
export interface BudgetLabels {
  batch: string;
  seqLen: string;
  hidden: string;
  /** How to override the limit ("--memory-limit <GiB>"). */
  override: string;
}

export const CLI_BUDGET_LABELS: BudgetLabels = {
  batch: '--batch',
  seqLen: '--seq-len',
  hidden: '--hidden (or --levels, --layers)',
  override: '--memory-limit <GiB|off>',
};
export const CONTRACT_BUDGET_LABELS: BudgetLabels = {
  batch: 'batch size',
  seqLen: 'sequence length',
  hidden: 'hidden size (or levels, layers)',
  override: 'memoryLimitGiB',
};

export interface MemoryCheck {
  estimate: MemoryEstimate;
  /** Physical memory of this machine, bytes. */
  machineBytes: number;
  /** The limit applied (null: switched off; the typed-array limit still holds). */
  limitBytes: number | null;
  /** Why the run does not fit, or null when it does. */
  refusal: string | null;
}

const GIB = 2 ** 30;
const gib = (b: number) =>
  b >= 10 * GIB
    ? `${Math.round(b / GIB)} GiB`
    : b >= GIB / 10
      ? `${(b / GIB).toFixed(1)} GiB`
      : `${Math.max(1, Math.round(b / 2 ** 20))} MiB`;
/** wasm32: the wasm backend's whole heap. */
const WASM_MEMORY_BYTES = 4 * GIB;
/** Largest typed array V8 allows here, in bytes (Node 20: 4 GiB). */
const MAX_TYPED_ARRAY_BYTES = bufferConstants.MAX_LENGTH;

/**
 * A sequence length the dataset fixes, whatever the run's seqLen: music
 * batches hold whole pieces padded to the longest, a synthetic task's
 * sequences are T (adding) or T + 20 (copy) long.
 */
export interface DatasetLength {
  /** Time steps per sequence (frames of a piece, inputs of an example). */
  steps: number;
  /** What fixes it, for the refusal ("the longest piece of the dataset"). */
  what: string;
}

/**
 * The length a run on `dataset` trains on, when the dataset fixes it; null
 * when the run's seqLen does (text, audio). From the record alone: no file is
 * read (the New-run form asks on every keystroke).
 */
export function datasetLength(dataset: { kind: DatasetRecord['kind']; task: unknown }): DatasetLength | null {
  const task = (dataset.task ?? {}) as { longestSteps?: unknown; steps?: unknown; task?: unknown; length?: unknown };
  if (dataset.kind === 'music') {
    if (typeof task.longestSteps === 'number') return { steps: task.longestSteps, what: 'the longest piece of the dataset' };
    // Imported before the longest piece was recorded: all its frames bound it (on the safe side; re-import to tighten).
    if (typeof task.steps === 'number')
      return { steps: task.steps, what: 'at most all frames of the dataset (its longest piece is not recorded; re-import it to know)' };
  }
  if (dataset.kind === 'synthetic' && typeof task.length === 'number') {
    return task.task === 'copy'
      ? { steps: task.length + 20, what: 'the copy task, T + 20' }
      : { steps: task.length, what: 'the adding task, T' };
  }
  return null;
}

function describeShape(config: RunConfig, length: DatasetLength | null): string {
  const m = config.model;
  const width =
    'hiddenSize' in m
      ? `hidden ${m.hiddenSize}`
      : m.kind === 'wavenet'
        ? `residual ${m.residualChannels}`
        : `hidden ${m.base.hiddenSize} × k ${m.k}`;
  return `${m.kind} ${width} × batch ${config.train.batchSize} × length ${length?.steps ?? config.train.seqLen}`;
}

/**
 * The run's budget check with the length its dataset fixes (see datasetLength).
 * @param limitGiB as for checkMemoryBudget
 */
export function checkRunMemory(
  config: RunConfig,
  dataset: { kind: DatasetRecord['kind']; task: unknown },
  labels: BudgetLabels,
  limitGiB?: number | 'off',
  machineBytes = os.totalmem(),
): MemoryCheck {
  return checkMemoryBudget(config, labels, limitGiB, machineBytes, datasetLength(dataset));
}

/**
 * Estimates the run's peak memory and checks it against the budget.
 * @param limitGiB the limit in GiB; 'off' drops the share-of-memory limit; default a share of physical memory
 * @param length the length the dataset fixes (music, synthetic); default the run's seqLen
 */
export function checkMemoryBudget(
  config: RunConfig,
  labels: BudgetLabels,
  limitGiB?: number | 'off',
  machineBytes = os.totalmem(),
  length: DatasetLength | null = null,
): MemoryCheck {
  // A batch of `steps`-long sequences holds batch × steps positions (the estimate counts seqLen + 1).
  const estimate = estimateTrainingMemory(config.model, length ? { ...config.train, seqLen: Math.max(1, length.steps - 1) } : config.train);
  const limitBytes = limitGiB === 'off' ? null : limitGiB !== undefined ? limitGiB * GIB : machineBytes * DEFAULT_MEMORY_SHARE;
  const lowerLength = length
    ? `lower ${labels.batch} (the length, ${length.steps} steps, is ${length.what})`
    : `lower ${labels.seqLen} or ${labels.batch}`;
  const lower = estimate.dominant === 'activations' ? lowerLength : `lower ${labels.hidden}`;
  let refusal: string | null = null;
  if (estimate.largestTensor * 4 > MAX_TYPED_ARRAY_BYTES) {
    // Not overridable: past this V8 aborts the whole process (the server with it).
    refusal = `${describeShape(config, length)} needs one tensor of ${gib(estimate.largestTensor * 4)}, more than the ${gib(MAX_TYPED_ARRAY_BYTES)} a JavaScript typed array may hold; ${lower}`;
  } else if (config.train.backend === 'wasm' && estimate.total > WASM_MEMORY_BYTES) {
    refusal = `${describeShape(config, length)} needs ≈ ${gib(estimate.total)}, more than the ${gib(WASM_MEMORY_BYTES)} the wasm backend can address; ${lower}, or choose another backend`;
  } else if (limitBytes !== null && estimate.total > limitBytes) {
    refusal = `${describeShape(config, length)} needs ≈ ${gib(estimate.total)}; this machine has ${gib(machineBytes)}, the limit is ${gib(limitBytes)}; ${lower} (or raise the limit with ${labels.override})`;
  }
  return { estimate, machineBytes, limitBytes, refusal };
}
