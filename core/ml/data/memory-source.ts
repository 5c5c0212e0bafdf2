// A TokenSource over an in-memory array (benchmarks, tests, small corpora).
import type { TokenSource } from './dataset-types.ts';

export function memoryTokenSource(tokens: Int32Array): TokenSource {
  return {
    length: tokens.length,
    read(start, count) {
      if (start < 0 || count < 0 || start + count > tokens.length)
        throw new RangeError(`tokens [${start}, ${start + count}) are outside [0, ${tokens.length})`);
      return tokens.slice(start, start + count);
    },
  };
}
