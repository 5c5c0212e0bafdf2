// The memory budget a run must fit before it starts: by default a share of
// this machine's physical memory, and always V8's largest typed array (a
// larger tensor aborts the process with a fatal error no handler can catch).
// The refusal says what needs how much and what to lower.
import { constants as bufferConstants } from 'node:buffer';
import os from 'node:os';
import { estimateTrainingMemory, type MemoryEstimate } from '../ml/models/memory-estimate.ts';
import type { RunConfig } from '../ml/train/run-config.ts';

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

export const CLI_BUDGET_LABELS: BudgetLabels = { batch: '--batch', seqLen: '--seq-len', hidden: '--hidden (or --levels, --layers)', override: '--memory-limit <GiB|off>' };
export const CONTRACT_BUDGET_LABELS: BudgetLabels = { batch: 'batch size', seqLen: 'sequence length', hidden: 'hidden size (or levels, layers)', override: 'memoryLimitGiB' };

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
const gib = (b: number) => (b >= 10 * GIB ? `${Math.round(b / GIB)} GiB` : b >= GIB / 10 ? `${(b / GIB).toFixed(1)} GiB` : `${Math.max(1, Math.round(b / 2 ** 20))} MiB`);
/** wasm32: the wasm backend's whole heap. */
const WASM_MEMORY_BYTES = 4 * GIB;
/** Largest typed array V8 allows here, in bytes (Node 20: 4 GiB). */
const MAX_TYPED_ARRAY_BYTES = bufferConstants.MAX_LENGTH;

function describeShape(config: RunConfig): string {
  const m = config.model;
  const width = 'hiddenSize' in m ? `hidden ${m.hiddenSize}` : m.kind === 'wavenet' ? `residual ${m.residualChannels}` : `hidden ${m.base.hiddenSize} × k ${m.k}`;
  return `${m.kind} ${width} × batch ${config.train.batchSize} × length ${config.train.seqLen}`;
}

/**
 * Estimates the run's peak memory and checks it against the budget.
 * @param limitGiB the limit in GiB; 'off' drops the share-of-memory limit; default a share of physical memory
 */
export function checkMemoryBudget(config: RunConfig, labels: BudgetLabels, limitGiB?: number | 'off', machineBytes = os.totalmem()): MemoryCheck {
  const estimate = estimateTrainingMemory(config.model, config.train);
  const limitBytes = limitGiB === 'off' ? null : limitGiB !== undefined ? limitGiB * GIB : machineBytes * DEFAULT_MEMORY_SHARE;
  const lower = estimate.dominant === 'activations' ? `lower ${labels.seqLen} or ${labels.batch}` : `lower ${labels.hidden}`;
  let refusal: string | null = null;
  if (estimate.largestTensor * 4 > MAX_TYPED_ARRAY_BYTES) {
    // Not overridable: past this V8 aborts the whole process (the server with it).
    refusal = `${describeShape(config)} needs one tensor of ${gib(estimate.largestTensor * 4)}, more than the ${gib(MAX_TYPED_ARRAY_BYTES)} a JavaScript typed array may hold; ${lower}`;
  } else if (config.train.backend === 'wasm' && estimate.total > WASM_MEMORY_BYTES) {
    refusal = `${describeShape(config)} needs ≈ ${gib(estimate.total)}, more than the ${gib(WASM_MEMORY_BYTES)} the wasm backend can address; ${lower}, or choose another backend`;
  } else if (limitBytes !== null && estimate.total > limitBytes) {
    refusal = `${describeShape(config)} needs ≈ ${gib(estimate.total)}; this machine has ${gib(machineBytes)}, the limit is ${gib(limitBytes)}; ${lower} (or raise the limit with ${labels.override})`;
  }
  return { estimate, machineBytes, limitBytes, refusal };
}
