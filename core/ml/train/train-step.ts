// One training step (forward, loss, backward, global-norm clipping, the
// optimiser update) behind the kernel seam, so that a backend may run the
// whole step at once: the CPU backends do, natively, for every model kind and
// task (core/engine/fused/native-train-step.ts). The reference below is the
// TF.js step: autograd over the model's forward pass, then the optimiser in
// optimizer.ts, then a constrained model's projection. A runner owns the
// optimiser state, so a checkpoint reads and restores it through the runner
// whichever step runs.
import * as tf from '@tensorflow/tfjs';
import { defineKernel } from '../engine/kernel-registry.ts';
import type { Rng } from '../rng.ts';
import type { ModelState, SequenceModel } from '../models/sequence-model.ts';
import { batchTensors } from '../tasks/batch-arrays.ts';
import type { Batch, TaskData } from '../tasks/task-types.ts';
import { clipByGlobalNorm, globalNorm } from './clip.ts';
import { createOptimizer, type OptimizerKind, type OptimizerSnapshot } from './optimizer.ts';
import { taskLoss } from './task-loss.ts';

/** What a step runner is built for: one model, one task, one optimiser. */
export interface TrainStepSetup {
  model: SequenceModel;
  data: TaskData;
  optimizer: OptimizerKind;
  /** Global-norm bound; ≤ 0 disables clipping. */
  clip: number;
  /** The run's generator (dropout masks). */
  rng: Rng;
}

export interface StepOutcome {
  /** Mean loss of the batch (float32). */
  loss: number;
  /** Global gradient norm before clipping (float32). */
  norm: number;
  /** False when the loss or the norm was not finite: then nothing was updated. */
  applied: boolean;
  /** The state after the window (recurrent models), owned by the caller; null otherwise. */
  state: ModelState;
}

export interface TrainStepRunner {
  /** Which step runs: 'tfjs' (autograd, per-op kernels) or a backend's whole-step path, e.g. 'native-recurrent'. */
  readonly path: string;
  /**
   * One step on `batch` from `state` (not disposed). After it the model's
   * variables hold the updated parameters, projected by model.constrain() when
   * the model has a constraint (the runner does it, so a native runner can read
   * the projection back).
   */
  run(batch: Batch, state: ModelState, lr: number): Promise<StepOutcome>;
  /** The optimiser's state, in the same format whichever path runs (checkpoints move between them). */
  snapshotOptimizer(): Promise<OptimizerSnapshot>;
  /** Restores the optimiser's state; the model's variables have been set by the caller and are read again. */
  restore(snap: OptimizerSnapshot): void;
  dispose(): void;
}

/** The TF.js step: tf.variableGrads over forward + task loss, the norm, clipping, optimizer.ts. */
export function tfjsTrainStep(setup: TrainStepSetup): TrainStepRunner {
  const { model, data, clip, rng } = setup;
  const optimizer = createOptimizer(setup.optimizer);
  return {
    path: 'tfjs',
    async run(batch: Batch, state: ModelState, lr: number): Promise<StepOutcome> {
      const t = batchTensors(batch);
      let nextState: ModelState = null;
      const varList = model.variables.map((v) => v.variable);
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forward(t.inputs, state, { training: true, rng });
        nextState = out.state ? out.state.map((s) => tf.keep(s)) : null;
        return taskLoss(data.output, out.logits, t.targets, t.mask);
      }, varList);
      tf.dispose([t.inputs, t.targets, ...(t.mask ? [t.mask] : [])]);
      const normT = globalNorm(grads);
      const both = tf.stack([value, normT]);
      const [loss, norm] = (await both.data()) as Float32Array;
      tf.dispose([both, value, normT]);
      if (!Number.isFinite(loss!) || !Number.isFinite(norm!)) {
        tf.dispose(Object.values(grads));
        return { loss: loss!, norm: norm!, applied: false, state: nextState };
      }
      const clipped = clipByGlobalNorm(grads, norm!, clip);
      optimizer.apply(model.variables, clipped, lr);
      tf.dispose(Object.values(clipped));
      await model.constrain?.();
      return { loss: loss!, norm: norm!, applied: true, state: nextState };
    },
    snapshotOptimizer: () => optimizer.snapshot(model.variables),
    restore: (snap) => optimizer.restore(model.variables, snap),
    dispose: () => optimizer.dispose(),
  };
}

// A kernel: the CPU backends run the whole step of the recurrent language
// models natively and fall back to this reference for everything else.
export const createTrainStep = defineKernel('trainStep', tfjsTrainStep);
