// An in-memory TokenSource for tests.
import type { DatasetSplits, TokenSource } from '../../core/ml/data/dataset-types.ts';

export function memorySource(tokens: ArrayLike<number>): TokenSource {
  const data = Int32Array.from(tokens);
  return {
    length: data.length,
    read(start, count) {
      if (start < 0 || start + count > data.length) throw new RangeError(`read [${start}, ${start + count}) outside [0, ${data.length})`);
      return data.slice(start, start + count);
    },
  };
}

/** Tokens of a periodic pattern with a little noise-free structure, and a 90/5/5 split. */
export function patternCorpus(length: number, vocab: number): { source: TokenSource; splits: DatasetSplits } {
  const tokens = Array.from({ length }, (_, i) => (i * 7 + Math.floor(i / 5)) % vocab);
  const a = Math.floor(length * 0.9);
  const b = Math.floor(length * 0.95);
  return { source: memorySource(tokens), splits: { train: { start: 0, end: a }, valid: { start: a, end: b }, test: { start: b, end: length } } };
}
