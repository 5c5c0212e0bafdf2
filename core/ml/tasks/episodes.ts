// Resumable order of whole training sequences for episodic tasks (synthetic
// tasks, piano rolls): each epoch visits the examples in a permutation drawn
// from (seed, epoch) alone, so a checkpoint's (cursor, epoch) replays exactly
// the batches an uninterrupted run would have seen.
import { Rng } from '../rng.ts';
import type { Batch, BatchStream } from './task-types.ts';

/**
 * Mixes 32-bit words into one seed (murmur3's finaliser per word), so that
 * neighbouring inputs (epoch 3 and 4, example 17 and 18) give unrelated seeds.
 */
export function mixSeed(...words: number[]): number {
  let h = 0x811c9dc5;
  for (const w of words) {
    h = Math.imul(h ^ (w >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Fisher–Yates permutation of 0..n-1 drawn from Rng(mixSeed(seed, epoch)). */
export function epochOrder(n: number, seed: number, epoch: number): Uint32Array {
  const rng = new Rng(mixSeed(seed, epoch));
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/**
 * Batches of `batchSize` examples (fewer when the split holds fewer) drawn
 * without replacement in the epoch's order; the incomplete tail of an epoch is
 * skipped so every batch has the same size. `cursor` is the index of the next
 * batch inside `epoch`; both may be set (checkpoint restore) between calls.
 */
export class EpisodeStream implements BatchStream {
  cursor = 0;
  epoch = 0;
  readonly batchSize: number;
  readonly batchesPerEpoch: number;
  private order: Uint32Array | null = null;
  private orderEpoch = -1;

  /**
   * @param count examples in the training split (≥ 1)
   * @param makeBatch builds the batch of the given example indices
   */
  constructor(
    private readonly count: number,
    batchSize: number,
    private readonly seed: number,
    private readonly makeBatch: (indices: Uint32Array) => Batch,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize: must be a whole number ≥ 1, got ${batchSize}`);
    if (count < 1) throw new Error('data: the training split holds no sequences');
    this.batchSize = Math.min(batchSize, count);
    this.batchesPerEpoch = Math.floor(count / this.batchSize);
  }

  next(): Batch {
    if (this.cursor >= this.batchesPerEpoch) {
      this.cursor = 0;
      this.epoch++;
    }
    if (this.orderEpoch !== this.epoch || !this.order) {
      this.order = epochOrder(this.count, this.seed, this.epoch);
      this.orderEpoch = this.epoch;
    }
    const start = this.cursor * this.batchSize;
    this.cursor++;
    return this.makeBatch(this.order.subarray(start, start + this.batchSize));
  }
}

/**
 * Splits `count` held-out examples into consecutive batches of at most
 * `batchSize`, stopping once about `maxScored` positions are covered (always at
 * least one batch). `scoredPer(i)` is the number of scored positions of example i.
 * @returns index lists, in order
 */
export function evalIndexBatches(count: number, batchSize: number, maxScored: number, scoredPer: (i: number) => number): Uint32Array[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize: must be a whole number ≥ 1, got ${batchSize}`);
  const out: Uint32Array[] = [];
  let scored = 0;
  for (let start = 0; start < count && (out.length === 0 || scored < maxScored); start += batchSize) {
    const idx = new Uint32Array(Math.min(batchSize, count - start));
    for (let j = 0; j < idx.length; j++) {
      idx[j] = start + j;
      scored += scoredPer(start + j);
    }
    out.push(idx);
  }
  return out;
}
