// Next-token prediction over a token corpus: training batches are TBPTT
// windows over contiguous streams (WindowBatcher), so a recurrent model
// carries its state from one batch to the next; evaluation walks the valid or
// test range the same way and gives feed-forward models their left context.
import type { DatasetSplits, TokenSource } from '../data/dataset-types.ts';
import { WindowBatcher } from './window-batcher.ts';
import type { Batch, BatchStream, EvalOptions, TaskData } from './task-types.ts';

/**
 * @param vocabSize alphabet of the corpus (model input and output width)
 */
export function createTextTask(source: TokenSource, splits: DatasetSplits, vocabSize: number): TaskData {
  return {
    task: 'text',
    output: 'categorical',
    outputSize: vocabSize,
    inputFeatures: 0,
    stateful: true,
    baselineLoss: null,
    trainStream(batchSize, seqLen): BatchStream {
      const batcher = new WindowBatcher(source, splits.train, batchSize, seqLen);
      return {
        next(): Batch {
          const w = batcher.next();
          return {
            inputs: w.inputs,
            inputShape: [batchSize, seqLen],
            targets: w.targets,
            targetShape: [batchSize, seqLen],
            mask: null,
            reset: w.reset,
          };
        },
        get cursor() {
          return batcher.cursor;
        },
        set cursor(v: number) {
          batcher.cursor = v;
        },
        get epoch() {
          return batcher.epoch;
        },
        set epoch(v: number) {
          batcher.epoch = v;
        },
      };
    },
    evalBatches: (split, options) => textEvalBatches(source, splits[split], options),
  };
}

/**
 * The range as `batch` streams read window by window. Window w of stream b
 * starts at cursor w·seqLen and is preceded by up to `context` tokens that are
 * fed but not scored (mask 0).
 */
function* textEvalBatches(source: TokenSource, range: { start: number; end: number }, opts: EvalOptions): Generator<Batch> {
  const total = range.end - range.start;
  const seqLen = Math.min(opts.seqLen, total - 1);
  if (seqLen < 1) throw new Error(`data: the evaluation range holds ${total} tokens, too few to score`);
  const batch = Math.max(1, Math.min(opts.batchSize, Math.floor(total / (seqLen + 1))));
  const streamLength = Math.floor(total / batch);
  const windows = Math.max(1, Math.min(Math.floor((streamLength - 1) / seqLen), Math.ceil(opts.maxScored / (batch * seqLen))));
  for (let w = 0; w < windows; w++) {
    const cursor = w * seqLen;
    const ctx = Math.min(opts.context, cursor);
    const len = ctx + seqLen;
    const inputs = new Int32Array(batch * len);
    const targets = new Int32Array(batch * len);
    for (let b = 0; b < batch; b++) {
      const chunk = source.read(range.start + b * streamLength + cursor - ctx, len + 1);
      inputs.set(chunk.subarray(0, len), b * len);
      targets.set(chunk.subarray(1), b * len);
    }
    let mask: Float32Array | null = null;
    if (ctx > 0) {
      mask = new Float32Array(batch * len);
      for (let b = 0; b < batch; b++) mask.fill(1, b * len + ctx, (b + 1) * len);
    }
    yield { inputs, inputShape: [batch, len], targets, targetShape: [batch, len], mask, reset: w === 0 };
  }
}
