// Count-based n-gram baseline over token ids, smoothed with interpolated
// Kneser-Ney (Kneser & Ney 1995; the interpolated form of Chen & Goodman 1998):
//   P(w | h) = max(c(h w) − D, 0) / c(h •) + D · N1+(h •) / c(h •) · P(w | h')
// where h' drops the oldest token of h, c is the raw count at the top order and
// the continuation count N1+(• h w) below it, and the recursion ends in the
// uniform 1/V. Why KN: lower orders only matter when the longer context is
// rare, and continuation counts estimate exactly that case ("Francisco" is
// frequent but follows only "San"); Chen & Goodman found it the best of the
// classic smoothings at every order. One discount per order, D = n1/(n1 + 2 n2)
// (Ney, Essen & Kneser 1994), clamped to [0.1, 0.9] so that every token keeps
// some mass. Every P(· | h) sums to exactly 1 over the vocabulary.
//
// Limits: order 1..8, vocabSize ≤ 65536, at most `maxNgrams` stored
// (context, token) pairs (default 2^22 ≈ 4.2 M, hard limit 2^27); contexts
// never outnumber pairs. A pair or a context costs 17-34 bytes of hash table,
// a context 9-18 more, so the default cap peaks under about 300 MiB (while a
// table doubles) and training past it throws a CapacityError naming the cap.
// Roughly: distinct n-grams of all orders ≈ order × distinct top-order n-grams.
// Pure: reads tokens through TokenSource.
import type { TokenRange, TokenSource } from '../data/dataset-types.ts';
import { NgramCounts } from './ngram-counts.ts';

export const NGRAM_MAX_ORDER = 8;
const MAX_NGRAMS_LIMIT = 2 ** 27;
const DISCOUNT_MIN = 0.1;
const DISCOUNT_MAX = 0.9;
const CHUNK = 1 << 16;

export interface NgramOptions {
  /** n: predict from the previous n − 1 tokens (1 = unigram). */
  order: number;
  /** Token ids lie in [0, vocabSize). */
  vocabSize: number;
  /** Fixed discount in [0, 1) for every order instead of the estimate (0 with order 1 is the plain relative frequency). */
  discount?: number;
  /** Cap on stored (context, token) pairs: the memory bound. */
  maxNgrams?: number;
  /** Tokens read from a source at a time (training and evaluation); the result does not depend on it. */
  readChunk?: number;
}

export interface NgramEvaluation {
  /** Mean negative log-likelihood, nats per token (Infinity if a token got probability 0, possible only with discount 0). */
  loss: number;
  tokens: number;
}

/** Tokens of [start, end) of a source or array, read `size` at a time. */
function* chunks(source: TokenSource | Int32Array, start: number, end: number, size: number): Generator<Int32Array> {
  for (let at = start; at < end; at += size) {
    const count = Math.min(size, end - at);
    yield source instanceof Int32Array ? source.subarray(at, at + count) : source.read(at, count);
  }
}

function checkOptions(o: NgramOptions): void {
  const whole = (name: string, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${name}: must be a whole number from ${lo} to ${hi}`);
  };
  whole('order', o.order, 1, NGRAM_MAX_ORDER);
  whole('vocabSize', o.vocabSize, 1, 65536);
  if (o.maxNgrams !== undefined) whole('maxNgrams', o.maxNgrams, 1, MAX_NGRAMS_LIMIT);
  if (o.readChunk !== undefined) whole('readChunk', o.readChunk, 1, 1 << 24);
  if (o.discount !== undefined && !(o.discount >= 0 && o.discount < 1))
    throw new RangeError('discount: must be a number from 0 to below 1');
}

export class NgramModel {
  /** Discount D per order, index m for order m + 1 (context length m). */
  readonly discounts: readonly number[];
  private readonly path: Int32Array;
  private readonly readChunk: number;

  private constructor(
    private readonly counts: NgramCounts,
    options: NgramOptions,
  ) {
    const discount = options.discount;
    this.readChunk = options.readChunk ?? CHUNK;
    const { n1, n2 } = counts.countsOfCounts();
    this.discounts = n1.map((a, m) => {
      if (discount !== undefined) return discount;
      const b = n2[m]!;
      return a + 2 * b > 0 ? Math.min(Math.max(a / (a + 2 * b), DISCOUNT_MIN), DISCOUNT_MAX) : 0.5;
    });
    this.path = new Int32Array(counts.order);
  }

  /**
   * Counts the tokens of `range` (default: all) as one continuous stream.
   * @throws CapacityError past `maxNgrams`; RangeError for a token outside the vocabulary
   */
  static train(source: TokenSource | Int32Array, options: NgramOptions, range?: TokenRange): NgramModel {
    checkOptions(options);
    const counts = new NgramCounts(options.order, options.vocabSize, options.maxNgrams ?? 2 ** 22);
    for (const chunk of chunks(source, range?.start ?? 0, range?.end ?? source.length, options.readChunk ?? CHUNK)) counts.add(chunk);
    return new NgramModel(counts, options);
  }

  get order(): number {
    return this.counts.order;
  }

  get vocabSize(): number {
    return this.counts.vocabSize;
  }

  /** Stored sizes, for reports and the memory bound. */
  get stats(): { ngrams: number; contexts: number; bytes: number } {
    return { ngrams: this.counts.ngrams, contexts: this.counts.contextCount, bytes: this.counts.bytes };
  }

  /**
   * P(token | context).
   * @param context previous tokens, oldest first (only the last order − 1 are read)
   */
  probability(token: number, context: ArrayLike<number>): number {
    return this.probabilityFromHistory(token, reversedTail(context, this.order - 1));
  }

  /**
   * The whole next-token distribution, for sampling.
   * @param context previous tokens, oldest first
   * @returns [vocabSize] probabilities summing to 1
   */
  probabilities(context: ArrayLike<number>): Float64Array {
    const history = reversedTail(context, this.order - 1);
    const depth = this.counts.walk(history, history.length, this.path);
    const v = this.vocabSize;
    const p = new Float64Array(v).fill(1 / v);
    for (let m = 0; m <= depth; m++) {
      const ctx = this.path[m]!;
      const total = this.counts.total(ctx);
      if (total === 0) continue;
      const d = this.discounts[m]!;
      const backoff = (d * this.counts.types(ctx)) / total;
      for (let w = 0; w < v; w++) p[w] = Math.max(this.counts.count(ctx, w) - d, 0) / total + backoff * p[w]!;
    }
    return p;
  }

  /**
   * Mean NLL of the tokens of `range` (default: all). Each token is predicted
   * from up to order − 1 tokens before it, read from before `range.start` where
   * the source has them (as a feed-forward model gets its left context).
   */
  evaluate(source: TokenSource | Int32Array, range?: TokenRange): NgramEvaluation {
    const start = range?.start ?? 0;
    const end = range?.end ?? source.length;
    const keep = this.order - 1;
    const history = new Int32Array(keep);
    let have = 0;
    let nll = 0;
    let at = Math.max(0, start - keep);
    for (const chunk of chunks(source, at, end, this.readChunk)) {
      for (let i = 0; i < chunk.length; i++, at++) {
        const w = chunk[i]!;
        if (at >= start) nll -= Math.log(this.probabilityFromHistory(w, history, have));
        if (keep > 0) {
          history.copyWithin(1, 0);
          history[0] = w;
          have = Math.min(have + 1, keep);
        }
      }
    }
    const tokens = end - start;
    return { loss: tokens > 0 ? nll / tokens : NaN, tokens };
  }

  /** @param history previous tokens, most recent first */
  private probabilityFromHistory(w: number, history: ArrayLike<number>, have = history.length): number {
    if (!(w >= 0 && w < this.vocabSize)) throw new RangeError(`n-gram model: token ${w} is outside [0, ${this.vocabSize})`);
    const depth = this.counts.walk(history, have, this.path);
    let p = 1 / this.vocabSize;
    for (let m = 0; m <= depth; m++) {
      const ctx = this.path[m]!;
      const total = this.counts.total(ctx);
      if (total === 0) continue;
      const d = this.discounts[m]!;
      p = (Math.max(this.counts.count(ctx, w) - d, 0) + d * this.counts.types(ctx) * p) / total;
    }
    return p;
  }
}

/** The last `n` entries of `context`, most recent first. */
function reversedTail(context: ArrayLike<number>, n: number): Int32Array {
  const k = Math.min(n, context.length);
  const out = new Int32Array(k);
  for (let i = 0; i < k; i++) out[i] = context[context.length - 1 - i]!;
  return out;
}
