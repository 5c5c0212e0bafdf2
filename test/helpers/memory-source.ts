// A small patterned corpus over an in-memory TokenSource, for training tests.
import type { DatasetSplits, TokenSource } from '../../core/ml/data/dataset-types.ts';
import { memoryTokenSource } from '../../core/ml/data/memory-source.ts';

/** Tokens of a periodic pattern with a little noise-free structure, and a 90/5/5 split. */
export function patternCorpus(length: number, vocab: number): { source: TokenSource; splits: DatasetSplits } {
  const tokens = Array.from({ length }, (_, i) => (i * 7 + Math.floor(i / 5)) % vocab);
  const a = Math.floor(length * 0.9);
  const b = Math.floor(length * 0.95);
  return {
    source: memoryTokenSource(Int32Array.from(tokens)),
    splits: { train: { start: 0, end: a }, valid: { start: a, end: b }, test: { start: b, end: length } },
  };
}
