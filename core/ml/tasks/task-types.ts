// What a training task is, to the trainer: where batches come from, what the
// model's output means and how it is scored. Text (next-token prediction over
// TBPTT streams), the synthetic tasks of Bai et al. (adding problem, copy
// memory), polyphonic music (piano rolls) and mu-law audio (next-sample
// prediction over 256 codes, on text's streams) all plug in here, so the
// trainer, the evaluator and every model stay task-agnostic.
// Pure types: no IO.

/** The task families the lab knows. */
export type TaskKind = 'text' | 'copy' | 'adding' | 'music' | 'audio';

/**
 * How a model's outputs [batch, time, width] are read:
 * - categorical: class scores, softmax cross-entropy against int32 class ids;
 * - bernoulli: independent per-unit logits, sigmoid cross-entropy summed over
 *   units (negative log-likelihood per time step, as Bai et al. report music);
 * - regression: real values, mean squared error.
 */
export type OutputKind = 'categorical' | 'bernoulli' | 'regression';

/** One batch of equal-length sequences, row-major. */
export interface Batch {
  /** Token ids (int32) or float features. */
  inputs: Int32Array | Float32Array;
  /** [batch, time] for token ids, [batch, time, width] for features. */
  inputShape: number[];
  /** Class ids [batch, time] (categorical) or values [batch, time, width] (bernoulli, regression). */
  targets: Int32Array | Float32Array;
  targetShape: number[];
  /**
   * [batch, time] weight of each position in the loss: 1 scored, 0 not
   * (padding, feed-forward context, the unscored steps of the adding problem).
   * null scores every position.
   */
  mask: Float32Array | null;
  /** A recurrent model's state restarts from zero before this batch. */
  reset: boolean;
}

/**
 * The training batches of a task in a deterministic, resumable order: a
 * checkpoint stores (cursor, epoch) and setting them back replays the same
 * sequence of batches.
 */
export interface BatchStream {
  next(): Batch;
  cursor: number;
  epoch: number;
}

export interface EvalOptions {
  batchSize: number;
  /** Window length for streamed tasks (text); episodic tasks use whole sequences. */
  seqLen: number;
  /** Stop after about this many scored positions. */
  maxScored: number;
  /**
   * Left context a feed-forward model needs before each window of a streamed
   * task (receptive field − 1); those positions are fed but not scored. 0 for
   * recurrent models, which carry their state across windows instead.
   */
  context: number;
}

export interface TaskData {
  readonly task: TaskKind;
  readonly output: OutputKind;
  /** Output width the model must have (classes, pitches, regression values). */
  readonly outputSize: number;
  /** 0 when inputs are token ids, else the feature width. */
  readonly inputFeatures: number;
  /**
   * True when consecutive batches continue the same streams (text): a
   * recurrent model carries its state from one batch to the next and resets
   * only where a batch says `reset`. False for episodic tasks, where every
   * batch holds whole, independent sequences.
   */
  readonly stateful: boolean;
  /** Training batches; `seqLen` is the TBPTT window for streamed tasks and ignored by episodic ones. */
  trainStream(batchSize: number, seqLen: number, seed: number): BatchStream;
  /** Batches covering (a capped part of) a held-out split, always in the same order. */
  evalBatches(split: 'valid' | 'test', options: EvalOptions): Iterable<Batch>;
  /** Loss of a trivial predictor on the valid split, to read curves against (null when none is defined). */
  readonly baselineLoss: number | null;
  /**
   * [batch, time] positions whose accuracy is reported, when it is not every
   * scored position: copy memory is read by its recall of the last 10 symbols,
   * not by the blanks before them.
   */
  accuracyMask?(batch: Batch): Float32Array;
}
