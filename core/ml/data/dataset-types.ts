// Shapes shared by the corpus importer (core/data), the history (core/storage)
// and the training loop (core/ml/train). Pure types: no IO here.

/** Token level of a text corpus. */
export type TextLevel = 'char' | 'word';

/**
 * A read-only sequence of token ids. Training reads windows from it, never the
 * whole corpus at once, so a file-backed source keeps memory bounded.
 */
export interface TokenSource {
  /** Number of tokens. */
  readonly length: number;
  /** Tokens [start, start + count) as int32 ids; `count` must stay within `length`. */
  read(start: number, count: number): Int32Array;
}

/** Half-open token range [start, end) of one split inside the token file. */
export interface TokenRange {
  start: number;
  end: number;
}

/** Deterministic contiguous train / valid / test split of a corpus' tokens. */
export interface DatasetSplits {
  train: TokenRange;
  valid: TokenRange;
  test: TokenRange;
}

/** Statistics recorded with every dataset. */
export interface DatasetStats {
  /** Bytes read from the source files. */
  sourceBytes: number;
  /** Source files accepted. */
  files: number;
  /** Tokens after tokenisation (chars or words). */
  tokens: number;
  /** Vocabulary size including the unknown token when there is one. */
  vocabSize: number;
  /** Tokens mapped to the unknown token because of the vocabulary cap. */
  unknownTokens: number;
  /** Unigram entropy of the token distribution, bits per symbol. */
  unigramEntropyBits: number;
}

/**
 * The vocabulary: id -> symbol. For `char` a symbol is one Unicode code point
 * (as a string); for `word` a word. `unknownId` is the id of `<unk>` or -1 when
 * the vocabulary has none. Word level also has `<eos>` standing for a line end.
 */
export interface Vocabulary {
  level: TextLevel;
  symbols: string[];
  unknownId: number;
}
