// Validation loss: mean next-token NLL (nats) over a token range.
// Recurrent models run the range as TBPTT streams with their state carried, so
// they see all history; feed-forward models get up to (receptiveField − 1)
// tokens of left context before each window, and only the window is scored.
import * as tf from '@tensorflow/tfjs';
import { tidy } from '../engine/tidy.ts';
import type { TokenRange, TokenSource } from '../data/dataset-types.ts';
import type { ModelState, SequenceModel } from '../models/sequence-model.ts';
import { crossEntropy } from './loss.ts';

export interface EvaluateOptions {
  batchSize: number;
  seqLen: number;
  /** Stop after about this many scored tokens. */
  maxTokens: number;
  /** Upper bound on the left context fed to feed-forward models. */
  contextCap?: number;
}

/** @returns mean NLL in nats per token over the scored tokens. */
export async function evaluateLoss(model: SequenceModel, source: TokenSource, range: TokenRange, opts: EvaluateOptions): Promise<number> {
  const total = range.end - range.start;
  const seqLen = Math.min(opts.seqLen, total - 1);
  if (seqLen < 1) throw new Error(`data: the evaluation range holds ${total} tokens, too few to score`);
  const batch = Math.max(1, Math.min(opts.batchSize, Math.floor(total / (seqLen + 1))));
  const streamLength = Math.floor(total / batch);
  const windows = Math.max(1, Math.min(Math.floor((streamLength - 1) / seqLen), Math.ceil(opts.maxTokens / (batch * seqLen))));
  const context = model.recurrent ? 0 : Math.min(model.receptiveField() - 1, opts.contextCap ?? 1024);

  let state: ModelState = model.initialState(batch);
  let sum = 0;
  for (let w = 0; w < windows; w++) {
    const cursor = w * seqLen;
    const ctx = Math.min(context, cursor);
    const len = ctx + seqLen;
    const inputs = new Int32Array(batch * len);
    const targets = new Int32Array(batch * len);
    for (let b = 0; b < batch; b++) {
      const chunk = source.read(range.start + b * streamLength + cursor - ctx, len + 1);
      inputs.set(chunk.subarray(0, len), b * len);
      targets.set(chunk.subarray(1), b * len);
    }
    const { loss, next } = tidy(() => {
      const out = model.forward(tf.tensor2d(inputs, [batch, len], 'int32'), state, { training: false });
      return { loss: crossEntropy(out.logits, tf.tensor2d(targets, [batch, len], 'int32'), ctx), next: out.state };
    });
    sum += (await loss.data())[0]!;
    loss.dispose();
    state?.forEach((t) => t.dispose());
    state = next;
  }
  state?.forEach((t) => t.dispose());
  return sum / windows;
}
