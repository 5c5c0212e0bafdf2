// The synthetic tasks of Bai, Kolter & Koltun 2018, generated as in their code
// (locuslab/TCN, TCN/adding_problem/utils.py and TCN/copy_memory/utils.py):
// - adding problem: two channels, values uniform(0, 1) and a marker channel
//   with exactly two 1s at distinct positions anywhere in the sequence; the
//   target is the sum of the two marked values, scored at the last step;
// - copy memory: 10 symbols from 1..8, T−1 blanks (0), then 11 copies of 9
//   (the first is the delimiter); the targets are T+10 blanks, then the 10
//   symbols; cross-entropy over every position, as Bai et al. report it.
// Example i of a split is drawn from its own generator Rng(mix(seed, split, i)),
// so nothing is stored, any example can be regenerated, and a resumed run
// replays the same batches.
import { z } from 'zod';
import { Rng } from '../rng.ts';
import { EpisodeStream, evalIndexBatches, mixSeed } from './episodes.ts';
import { categoricalAccuracy } from './batch-arrays.ts';
import type { Batch, BatchStream, EvalOptions, TaskData } from './task-types.ts';

/** Symbols to remember in copy memory. */
export const COPY_SYMBOLS = 10;
/** Classes of copy memory: blank 0, symbols 1..8, delimiter 9. */
export const COPY_CLASSES = 10;
export const COPY_DELIMITER = 9;

const int = (name: string, min: number, max: number) =>
  z
    .number({ error: `${name}: must be a whole number from ${min} to ${max}` })
    .int({ error: `${name}: must be a whole number from ${min} to ${max}` })
    .min(min, { error: `${name}: must be a whole number from ${min} to ${max}` })
    .max(max, { error: `${name}: must be a whole number from ${min} to ${max}` });

/** Sizes and seed shared by both tasks (counts of sequences). Defaults follow locuslab/TCN's sets. */
const sizes = (train: number) => ({
  trainSize: int('trainSize', 1, 10_000_000).default(train),
  validSize: int('validSize', 1, 1_000_000).default(1000),
  testSize: int('testSize', 1, 1_000_000).default(1000),
  /** Seed of the data (not of the training order, which is the run's seed). */
  seed: int('seed', 0, 0xffffffff).default(0),
});

export const syntheticTaskSchema = z.discriminatedUnion('task', [
  z.object({
    task: z.literal('adding'),
    /** Sequence length T. */
    length: int('length', 2, 100_000).default(200),
    ...sizes(50_000),
  }),
  z.object({
    task: z.literal('copy'),
    /** Blank span T; sequences are T + 20 long. */
    length: int('length', 1, 100_000).default(100),
    ...sizes(10_000),
  }),
]);

export type SyntheticTaskParams = z.infer<typeof syntheticTaskSchema>;
/** Parameters as given by a user: every field but `task` optional. */
export type SyntheticTaskInput = z.input<typeof syntheticTaskSchema>;

type Split = 'train' | 'valid' | 'test';
const SPLIT_TAG: Record<Split, number> = { train: 1, valid: 2, test: 3 };

/** The generator of example `index` of a split. */
const exampleRng = (seed: number, split: Split, index: number): Rng => new Rng(mixSeed(seed, SPLIT_TAG[split], index));

/**
 * One adding-problem example written into row-major arrays at row offset `row`.
 * Draw order: the two positions, their two values, then the other values in
 * time order, so the target costs four draws (the baseline needs only those).
 * @param inputs [*, T, 2] (channel 0 value, channel 1 marker)
 * @param targets [*, T, 1]; only step T−1 is written (the mask scores only it)
 */
function addingExample(rng: Rng, T: number, inputs: Float32Array, targets: Float32Array, row: number): void {
  const [p1, p2, a, b] = addingMarks(rng, T);
  const base = row * T * 2;
  for (let t = 0; t < T; t++) {
    inputs[base + 2 * t] = t === p1 ? a : t === p2 ? b : rng.next();
    inputs[base + 2 * t + 1] = t === p1 || t === p2 ? 1 : 0;
  }
  targets[row * T + T - 1] = Math.fround(a + b);
}

/** The two distinct marked positions and their values (float32), drawn first. */
function addingMarks(rng: Rng, T: number): [number, number, number, number] {
  const p1 = rng.int(T);
  let p2 = rng.int(T - 1);
  if (p2 >= p1) p2++;
  return [p1, p2, Math.fround(rng.next()), Math.fround(rng.next())];
}

/**
 * One copy-memory example of length T + 20 at row `row`.
 * @param inputs [*, T+20] ids: symbols, T−1 blanks, 11 × delimiter
 * @param targets [*, T+20] ids: T+10 blanks, then the symbols
 */
function copyExample(rng: Rng, T: number, inputs: Int32Array, targets: Int32Array, row: number): void {
  const L = T + 2 * COPY_SYMBOLS;
  const base = row * L;
  for (let i = 0; i < COPY_SYMBOLS; i++) {
    const s = 1 + rng.int(8);
    inputs[base + i] = s;
    targets[base + T + COPY_SYMBOLS + i] = s;
  }
  inputs.fill(COPY_DELIMITER, base + T + COPY_SYMBOLS - 1, base + L);
}

/** A batch of the given examples of one split. */
function syntheticBatch(p: SyntheticTaskParams, split: Split, indices: ArrayLike<number>): Batch {
  const B = indices.length;
  const T = p.length;
  if (p.task === 'adding') {
    const inputs = new Float32Array(B * T * 2);
    const targets = new Float32Array(B * T);
    const mask = new Float32Array(B * T);
    for (let r = 0; r < B; r++) {
      addingExample(exampleRng(p.seed, split, indices[r]!), T, inputs, targets, r);
      mask[r * T + T - 1] = 1;
    }
    return { inputs, inputShape: [B, T, 2], targets, targetShape: [B, T, 1], mask, reset: true };
  }
  const L = T + 2 * COPY_SYMBOLS;
  const inputs = new Int32Array(B * L);
  const targets = new Int32Array(B * L);
  for (let r = 0; r < B; r++) copyExample(exampleRng(p.seed, split, indices[r]!), T, inputs, targets, r);
  return { inputs, inputShape: [B, L], targets, targetShape: [B, L], mask: null, reset: true };
}

/**
 * Loss of the trivial predictor on the valid split:
 * - adding: MSE of always answering 1.0 (the mean target; ≈ 1/6);
 * - copy: a memoryless model that says blank with certainty where the target
 *   is always blank and is uniform over 1..8 on the last 10 steps scores
 *   10·ln 8 / (T + 20) per position, whatever the data.
 */
function baseline(p: SyntheticTaskParams): number {
  if (p.task === 'copy') return (COPY_SYMBOLS * Math.log(8)) / (p.length + 2 * COPY_SYMBOLS);
  let sum = 0;
  for (let i = 0; i < p.validSize; i++) {
    const [, , a, b] = addingMarks(exampleRng(p.seed, 'valid', i), p.length);
    const err = Math.fround(a + b) - 1;
    sum += err * err;
  }
  return sum / p.validSize;
}

/**
 * The adding problem or copy memory as a TaskData. Episodic: every batch holds
 * whole independent sequences (reset true); the training order is drawn from
 * the run's seed, the data from `params.seed`.
 * @throws ZodError naming the bad field when `params` is out of range
 */
export function createSyntheticTask(params: SyntheticTaskInput): TaskData {
  const p = syntheticTaskSchema.parse(params);
  const sizeOf: Record<Split, number> = { train: p.trainSize, valid: p.validSize, test: p.testSize };
  const copy = p.task === 'copy';
  return {
    task: p.task,
    output: copy ? 'categorical' : 'regression',
    outputSize: copy ? COPY_CLASSES : 1,
    inputFeatures: copy ? 0 : 2,
    stateful: false,
    baselineLoss: baseline(p),
    trainStream(batchSize: number, _seqLen: number, seed: number): BatchStream {
      return new EpisodeStream(p.trainSize, batchSize, seed, (idx) => syntheticBatch(p, 'train', idx));
    },
    ...(copy ? { accuracyMask: copyRecallMask } : {}),
    *evalBatches(split: 'valid' | 'test', options: EvalOptions): Iterable<Batch> {
      const scoredPer = copy ? p.length + 2 * COPY_SYMBOLS : 1;
      for (const idx of evalIndexBatches(sizeOf[split], options.batchSize, options.maxScored, () => scoredPer)) {
        yield syntheticBatch(p, split, idx);
      }
    },
  };
}

/** Copy memory's recall positions: the last 10 steps of every row. */
function copyRecallMask(batch: Batch): Float32Array {
  const [B, L] = batch.inputShape as [number, number];
  const mask = new Float32Array(B * L);
  for (let b = 0; b < B; b++) mask.fill(1, b * L + L - COPY_SYMBOLS, (b + 1) * L);
  return mask;
}

/**
 * Copy-memory accuracy: share of the last 10 positions (the recalled symbols)
 * whose arg-max class equals the target.
 * @param logits [batch, time, classes] row-major
 * @param targets [batch, time] class ids
 * @param shape [batch, time] of the targets
 */
export function copyAccuracy(
  logits: Float32Array,
  targets: Int32Array,
  shape: readonly [number, number],
): { correct: number; total: number; accuracy: number } {
  const [B, L] = shape;
  const classes = logits.length / (B * L);
  if (!Number.isInteger(classes) || targets.length !== B * L)
    throw new Error(`copyAccuracy: ${logits.length} logits and ${targets.length} targets do not fit [${B}, ${L}]`);
  // The evaluator's accuracy over the recall positions: one arg-max rule for both.
  const batch: Batch = { inputs: new Int32Array(0), inputShape: [B, L], targets, targetShape: [B, L], mask: null, reset: true };
  const { correct, scored } = categoricalAccuracy(logits, batch, copyRecallMask(batch));
  return { correct, total: scored, accuracy: scored > 0 ? correct / scored : 0 };
}
