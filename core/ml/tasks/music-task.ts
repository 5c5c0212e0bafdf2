// Polyphonic music as next-frame prediction (Bai et al. 2018, section 5.5):
// the model reads frames 0..L−2 of a piano roll and predicts frames 1..L−1,
// one independent sigmoid per pitch; the loss is the negative log-likelihood
// per time step (binary cross-entropy summed over pitches). Every batch holds
// whole sequences padded to the longest, with mask 0 on the padding.
import { ROLL_SPLITS, sequenceSteps, type PianoRollSet, type RollSplit } from '../music/piano-roll.ts';
import { EpisodeStream, evalIndexBatches } from './episodes.ts';
import type { Batch, BatchStream, EvalOptions, TaskData } from './task-types.ts';

/**
 * A batch of whole sequences (absolute indices into `set.sequences`).
 * @returns inputs [B, Tmax, P] = frames 0..L−2, targets [B, Tmax, P] = frames 1..L−1,
 *   mask [B, Tmax] with 1 on t < L_b − 1; Tmax = max over the batch of L_b − 1
 */
export function musicBatch(set: PianoRollSet, sequences: ArrayLike<number>): Batch {
  const P = set.numPitches;
  const B = sequences.length;
  let T = 0;
  for (let b = 0; b < B; b++) T = Math.max(T, sequenceSteps(set, sequences[b]!) - 1);
  const inputs = new Float32Array(B * T * P);
  const targets = new Float32Array(B * T * P);
  const mask = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const roll = set.sequences[sequences[b]!]!;
    const steps = roll.length / P - 1;
    inputs.set(roll.subarray(0, steps * P), b * T * P);
    targets.set(roll.subarray(P, (steps + 1) * P), b * T * P);
    mask.fill(1, b * T, b * T + steps);
  }
  return { inputs, inputShape: [B, T, P], targets, targetShape: [B, T, P], mask, reset: true };
}

/**
 * Per-pitch probability of sounding in the predicted frames (1..L−1) of the
 * train split, with the Krichevsky–Trofimov estimate (count + ½) / (n + 1) so
 * that a pitch never heard in training does not cost an infinite loss.
 */
function pitchFrequencies(set: PianoRollSet): Float64Array {
  const P = set.numPitches;
  const counts = new Float64Array(P);
  let frames = 0;
  for (let i = set.splits.train.start; i < set.splits.train.end; i++) {
    const roll = set.sequences[i]!;
    for (let f = P; f < roll.length; f += P, frames++) for (let p = 0; p < P; p++) counts[p]! += roll[f + p]!;
  }
  return counts.map((c) => (c + 0.5) / (frames + 1));
}

/** NLL per predicted step of independent Bernoullis with probabilities `prob` over a split. */
function constantBernoulliNll(set: PianoRollSet, split: RollSplit, prob: Float64Array): number {
  const P = set.numPitches;
  const on = prob.map((p) => -Math.log(p));
  const off = prob.map((p) => -Math.log1p(-p));
  let total = 0;
  let frames = 0;
  for (let i = set.splits[split].start; i < set.splits[split].end; i++) {
    const roll = set.sequences[i]!;
    for (let f = P; f < roll.length; f += P, frames++) for (let p = 0; p < P; p++) total += roll[f + p] ? on[p]! : off[p]!;
  }
  return frames > 0 ? total / frames : 0;
}

/**
 * A piano-roll set as a TaskData: float inputs [B, T, numPitches], bernoulli
 * output of width numPitches, episodic batches of whole sequences. The
 * training order is a permutation per epoch drawn from (seed, epoch); the
 * cursor is the batch index inside the epoch. Baseline: NLL per step of the
 * best constant per-pitch Bernoulli (train frequencies) on the valid split.
 */
export function createMusicTask(set: PianoRollSet): TaskData {
  for (const split of ROLL_SPLITS) {
    if (set.splits[split].end <= set.splits[split].start) throw new Error(`data: the ${split} split holds no sequences`);
  }
  const train = set.splits.train;
  return {
    task: 'music',
    output: 'bernoulli',
    outputSize: set.numPitches,
    inputFeatures: set.numPitches,
    stateful: false,
    baselineLoss: constantBernoulliNll(set, 'valid', pitchFrequencies(set)),
    trainStream(batchSize: number, _seqLen: number, seed: number): BatchStream {
      return new EpisodeStream(train.end - train.start, batchSize, seed, (idx) =>
        musicBatch(
          set,
          idx.map((i) => train.start + i),
        ),
      );
    },
    *evalBatches(split: 'valid' | 'test', options: EvalOptions): Iterable<Batch> {
      const { start, end } = set.splits[split];
      const scored = (i: number): number => sequenceSteps(set, start + i) - 1;
      for (const idx of evalIndexBatches(end - start, options.batchSize, options.maxScored, scored)) {
        yield musicBatch(
          set,
          idx.map((i) => start + i),
        );
      }
    },
  };
}
