// Held-out loss of a model on a task: the mean loss over every scored position
// of the split's evaluation batches (capped), and the accuracy for categorical
// tasks. Recurrent models carry their state across the batches of a streamed
// task (text) and restart it where a batch says `reset`; feed-forward models
// get their receptive field's left context instead (EvalOptions.context).
import * as tf from '@tensorflow/tfjs';
import { tidy } from '../engine/tidy.ts';
import type { ModelState, SequenceModel } from '../models/sequence-model.ts';
import type { TaskData } from '../tasks/task-types.ts';
import { batchTensors, categoricalAccuracy, scoredPositions } from '../tasks/batch-arrays.ts';
import { positionLoss } from './task-loss.ts';

export interface EvaluateOptions {
  batchSize: number;
  seqLen: number;
  /** Stop after about this many scored positions. */
  maxScored: number;
  /** Upper bound on the left context fed to feed-forward models. */
  contextCap?: number;
  /** Also compute accuracy (categorical outputs only). */
  accuracy?: boolean;
}

export interface EvaluateResult {
  /** Mean loss per scored position (nats for categorical and bernoulli, MSE for regression). */
  loss: number;
  /** Fraction of judged positions (TaskData.accuracyMask, else the scored ones) whose arg-max is the target; null unless asked for and categorical. */
  accuracy: number | null;
  /** Positions scored. */
  scored: number;
}

/** Evaluates `model` on `split` of `data`. */
export async function evaluateTask(
  model: SequenceModel,
  data: TaskData,
  split: 'valid' | 'test',
  opts: EvaluateOptions,
): Promise<EvaluateResult> {
  const context = model.recurrent ? 0 : Math.min(model.receptiveField() - 1, opts.contextCap ?? 1024);
  const wantAccuracy = (opts.accuracy ?? false) && data.output === 'categorical';
  let state: ModelState = null;
  let lossSum = 0;
  let scored = 0;
  let correct = 0;
  let judged = 0;
  try {
    for (const batch of data.evalBatches(split, { batchSize: opts.batchSize, seqLen: opts.seqLen, maxScored: opts.maxScored, context })) {
      const rows = batch.inputShape[0]!;
      if (model.recurrent && (batch.reset || !data.stateful || !state)) {
        state?.forEach((t) => t.dispose());
        state = model.initialState(rows);
      }
      const { sum, logits, next } = tidy(() => {
        const t = batchTensors(batch);
        const out = model.forward(t.inputs, state, { training: false });
        const perPosition = positionLoss(data.output, out.logits, t.targets);
        return {
          sum: tf.sum(t.mask ? tf.mul(perPosition, t.mask) : perPosition),
          logits: wantAccuracy ? out.logits : null,
          next: out.state,
        };
      });
      lossSum += (await sum.data())[0]!;
      sum.dispose();
      scored += scoredPositions(batch);
      if (logits) {
        const acc = categoricalAccuracy(
          (await logits.data()) as Float32Array,
          batch,
          data.accuracyMask ? data.accuracyMask(batch) : batch.mask,
        );
        correct += acc.correct;
        judged += acc.scored;
        logits.dispose();
      }
      state?.forEach((t) => t.dispose());
      state = next;
    }
  } finally {
    state?.forEach((t) => t.dispose());
  }
  if (scored === 0) throw new Error(`data: the ${split} split has no positions to score`);
  return { loss: lossSum / scored, accuracy: wantAccuracy && judged > 0 ? correct / judged : null, scored };
}
