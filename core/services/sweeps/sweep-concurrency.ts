// How many trials of a sweep train at once on this machine, and with how many
// kernel threads each: cores are shared out so that trials × threads never
// exceeds them (2 cores: 2 one-thread trials, not 2 × 2 threads fighting),
// and memory caps the count by each trial's estimated peak
// (core/ml/models/memory-estimate.ts) plus a training process's own weight.
import os from 'node:os';
import { estimateTrainingMemory } from '../../ml/models/memory-estimate.ts';
import type { RunConfig } from '../../ml/train/run-config.ts';
import { DEFAULT_MEMORY_SHARE } from '../memory-budget.ts';

/** Resident memory of a training child process before its model (Node, TF.js, the native addon), measured ~250 MiB; rounded up. */
export const TRAINER_PROCESS_BYTES = 384 * 2 ** 20;

export interface SweepConcurrency {
  /** Trials training at the same time. */
  parallel: number;
  /** SEQLAB_THREADS of each trial's fused kernels. */
  threadsPerTrial: number;
  /** Why `parallel` is what it is, for the user ("2 cores", "memory: 3 × 1.2 GiB"). */
  reason: string;
}

export interface MachineShape {
  cores: number;
  /** Memory the sweep may plan to use, bytes. */
  memoryBytes: number;
}

/** This machine: its cores, and the smaller of the default share of its memory and what is free now. */
export function thisMachine(): MachineShape {
  return { cores: os.availableParallelism(), memoryBytes: Math.min(os.totalmem() * DEFAULT_MEMORY_SHARE, os.freemem()) };
}

/**
 * Plans the concurrency for the `configs` still to train (the largest one
 * sizes the memory share). `maxParallel` caps it (a user's --parallel).
 */
export function planConcurrency(configs: readonly RunConfig[], machine: MachineShape, maxParallel?: number): SweepConcurrency {
  const cores = Math.max(1, Math.floor(machine.cores));
  if (configs.length === 0) return { parallel: 0, threadsPerTrial: cores, reason: 'no trials left' };
  const perTrial = Math.max(...configs.map((c) => estimateTrainingMemory(c.model, c.train).total)) + TRAINER_PROCESS_BYTES;
  const byMemory = Math.max(1, Math.floor(machine.memoryBytes / perTrial));
  const limits: [number, string][] = [
    [configs.length, `${configs.length} trial(s) left`],
    [cores, `${cores} core(s)`],
    [byMemory, `memory: ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB / ${(perTrial / 2 ** 30).toFixed(2)} GiB per trial`],
  ];
  if (maxParallel !== undefined) limits.push([Math.max(1, Math.floor(maxParallel)), `--parallel ${maxParallel}`]);
  const [parallel, reason] = limits.reduce((a, b) => (b[0] < a[0] ? b : a));
  return { parallel, threadsPerTrial: Math.max(1, Math.floor(cores / parallel)), reason };
}
