// Adapter from a task batch to measureContraction: the trainer's probe for the
// data-dependent contraction of recurrent models, measured on (at most
// `maxSteps` steps of) a real validation batch at every validation step.
import * as tf from '@tensorflow/tfjs';
import type { SequenceModel } from '../models/sequence-model.ts';
import type { Batch } from '../tasks/task-types.ts';
import { batchTensors } from '../tasks/batch-arrays.ts';
import { measureContraction } from './contraction.ts';

/** Rows and steps of the batch the probe looks at: enough for a stable mean, cheap next to a validation pass. */
const PROBE_ROWS = 4;
const PROBE_STEPS = 16;

export async function measureBatchContraction(model: SequenceModel, batch: Batch): Promise<number | null> {
  if (!model.recurrent) return null;
  const t = batchTensors(batch);
  const rows = Math.min(PROBE_ROWS, t.inputs.shape[0]);
  const steps = Math.min(PROBE_STEPS, t.inputs.shape[1]);
  const input = tf.tidy(() =>
    t.inputs.rank === 2 ? t.inputs.slice([0, 0], [rows, steps]) : t.inputs.slice([0, 0, 0], [rows, steps, -1]),
  ) as tf.Tensor2D | tf.Tensor3D;
  tf.dispose([t.inputs, t.targets, ...(t.mask ? [t.mask] : [])]);
  try {
    return await measureContraction(model, input);
  } finally {
    input.dispose();
  }
}
