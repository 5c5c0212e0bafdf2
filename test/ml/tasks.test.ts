// Tests for the episodic tasks (core/ml/tasks): the adding problem and copy memory match the
// definitions of Bai et al. / locuslab/TCN position by position, their baselines equal the loss
// of the trivial predictors computed by brute force, batches are deterministic and a stream
// restored from (cursor, epoch) replays the same batches; piano-roll batches shift targets by
// one step and mask the padding.
import { describe, it, expect } from 'vitest';
import type { Batch, BatchStream, EvalOptions, TaskData } from '../../core/ml/tasks/task-types.ts';
import { COPY_DELIMITER, copyAccuracy, createSyntheticTask, syntheticTaskSchema } from '../../core/ml/tasks/synthetic.ts';
import { EpisodeStream, epochOrder, evalIndexBatches } from '../../core/ml/tasks/episodes.ts';
import { createMusicTask, musicBatch } from '../../core/ml/tasks/music-task.ts';
import { parsePianoRollJson, type PianoRollSet } from '../../core/ml/music/piano-roll.ts';

const ALL: EvalOptions = { batchSize: 32, seqLen: 0, maxScored: Infinity, context: 0 };

function take(stream: BatchStream, n: number): Batch[] {
  return Array.from({ length: n }, () => stream.next());
}
/** Rows of a [B, T, ...] array as plain arrays, to compare batches. */
const plain = (b: Batch) => ({ inputs: [...b.inputs], targets: [...b.targets], mask: b.mask ? [...b.mask] : null, shape: b.inputShape });

describe('adding problem', () => {
  const T = 50;
  const task = createSyntheticTask({ task: 'adding', length: T, trainSize: 64, validSize: 300, testSize: 20, seed: 7 });

  it('declares a regression task on two float channels, episodic', () => {
    expect(task).toMatchObject({ task: 'adding', output: 'regression', outputSize: 1, inputFeatures: 2, stateful: false });
  });

  it('marks exactly two distinct positions; the target is their sum, scored at the last step only', () => {
    const batches = take(task.trainStream(16, 0, 1), 4);
    const positions: number[] = [];
    for (const b of batches) {
      expect(b.inputShape).toEqual([16, T, 2]);
      expect(b.targetShape).toEqual([16, T, 1]);
      expect(b.reset).toBe(true);
      const x = b.inputs as Float32Array;
      const y = b.targets as Float32Array;
      for (let r = 0; r < 16; r++) {
        const marked: number[] = [];
        for (let t = 0; t < T; t++) {
          const v = x[(r * T + t) * 2]!;
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThan(1);
          const m = x[(r * T + t) * 2 + 1]!;
          expect([0, 1]).toContain(m);
          if (m === 1) marked.push(t);
          expect(b.mask![r * T + t]).toBe(t === T - 1 ? 1 : 0);
          if (t < T - 1) expect(y[r * T + t]).toBe(0);
        }
        expect(marked).toHaveLength(2);
        positions.push(...marked);
        const sum = Math.fround(x[(r * T + marked[0]!) * 2]! + x[(r * T + marked[1]!) * 2]!);
        expect(y[r * T + T - 1]).toBe(sum);
      }
    }
    // locuslab/TCN draws both positions anywhere in the sequence.
    expect(Math.min(...positions)).toBeLessThan(T / 4);
    expect(Math.max(...positions)).toBeGreaterThan((3 * T) / 4);
  });

  it('baselineLoss is the MSE of always answering 1.0 on the valid split (brute force), about 1/6', () => {
    let sum = 0;
    let n = 0;
    for (const b of task.evalBatches('valid', ALL)) {
      const y = b.targets as Float32Array;
      b.mask!.forEach((w, p) => {
        if (w) {
          sum += (y[p]! - 1) ** 2;
          n++;
        }
      });
    }
    expect(n).toBe(300);
    expect(task.baselineLoss).toBeCloseTo(sum / n, 12);
    const big = createSyntheticTask({ task: 'adding' });
    expect(big.baselineLoss).toBeGreaterThan(0.147);
    expect(big.baselineLoss).toBeLessThan(0.187);
  });
});

describe('copy memory', () => {
  const T = 20;
  const L = T + 20;
  const task = createSyntheticTask({ task: 'copy', length: T, trainSize: 40, validSize: 50, testSize: 10, seed: 3 });

  it('declares a categorical task over 10 classes read as token ids, episodic', () => {
    expect(task).toMatchObject({ task: 'copy', output: 'categorical', outputSize: 10, inputFeatures: 0, stateful: false });
  });

  it('inputs: 10 symbols from 1..8, T−1 blanks, 11 × 9; targets: T+10 blanks, then the symbols', () => {
    const seen = new Set<number>();
    for (const b of take(task.trainStream(8, 0, 1), 10)) {
      expect(b.inputShape).toEqual([8, L]);
      expect(b.targetShape).toEqual([8, L]);
      expect(b.mask).toBeNull();
      const x = b.inputs as Int32Array;
      const y = b.targets as Int32Array;
      expect(x).toBeInstanceOf(Int32Array);
      for (let r = 0; r < 8; r++) {
        const row = [...x.subarray(r * L, (r + 1) * L)];
        const target = [...y.subarray(r * L, (r + 1) * L)];
        const symbols = row.slice(0, 10);
        for (const s of symbols) {
          expect(s).toBeGreaterThanOrEqual(1);
          expect(s).toBeLessThanOrEqual(8);
          seen.add(s);
        }
        expect(row.slice(10, 10 + T - 1)).toEqual(new Array(T - 1).fill(0));
        expect(row.slice(T + 9)).toEqual(new Array(11).fill(COPY_DELIMITER));
        expect(target.slice(0, T + 10)).toEqual(new Array(T + 10).fill(0));
        expect(target.slice(T + 10)).toEqual(symbols);
      }
    }
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('baselineLoss = 10·ln 8 / (T + 20) equals the cross-entropy of the memoryless predictor on the valid split', () => {
    // Blank for sure where the target is always blank, uniform over 1..8 on the last 10 steps.
    let total = 0;
    let n = 0;
    for (const b of task.evalBatches('valid', ALL)) {
      const y = b.targets as Int32Array;
      for (let p = 0; p < y.length; p++) {
        const t = p % L;
        const logits = new Array(10).fill(-Infinity);
        if (t < T + 10) logits[0] = 0;
        else for (let c = 1; c <= 8; c++) logits[c] = 0;
        const logZ = Math.log(logits.reduce((s, z) => s + Math.exp(z), 0));
        total += logZ - logits[y[p]!];
        n++;
      }
    }
    expect(n).toBe(50 * L);
    expect(total / n).toBeCloseTo((10 * Math.log(8)) / (T + 20), 12);
    expect(task.baselineLoss).toBeCloseTo((10 * Math.log(8)) / (T + 20), 15);
  });

  it('copyAccuracy reads only the last 10 positions', () => {
    const b = task.trainStream(4, 0, 9).next();
    const y = b.targets as Int32Array;
    const oneHot = (ids: ArrayLike<number>) => {
      const out = new Float32Array(ids.length * 10);
      for (let p = 0; p < ids.length; p++) out[p * 10 + ids[p]!] = 1;
      return out;
    };
    expect(copyAccuracy(oneHot(y), y, [4, L])).toEqual({ correct: 40, total: 40, accuracy: 1 });
    expect(copyAccuracy(oneHot(new Int32Array(y.length)), y, [4, L]).correct).toBe(0);
    // Right everywhere except the first recalled symbol of each row.
    const wrong = Int32Array.from(y);
    for (let r = 0; r < 4; r++) wrong[r * L + T + 10] = 0;
    expect(copyAccuracy(oneHot(wrong), y, [4, L]).accuracy).toBeCloseTo(0.9, 12);
    expect(() => copyAccuracy(new Float32Array(7), y, [4, L])).toThrow(/do not fit/);
  });
});

describe('synthetic task parameters', () => {
  it('have per-task defaults and refuse out-of-range fields by name', () => {
    expect(syntheticTaskSchema.parse({ task: 'adding' })).toMatchObject({ length: 200, seed: 0 });
    expect(syntheticTaskSchema.parse({ task: 'copy' })).toMatchObject({ length: 100 });
    expect(() => createSyntheticTask({ task: 'adding', length: 1 })).toThrow(/length: must be a whole number from 2 to 100000/);
    expect(() => createSyntheticTask({ task: 'copy', trainSize: 0.5 })).toThrow(/trainSize: must be a whole number/);
    expect(() => createSyntheticTask({ task: 'copy', seed: -1 })).toThrow(/seed: must be a whole number from 0 to 4294967295/);
    expect(syntheticTaskSchema.safeParse({ task: 'sorting' }).success).toBe(false);
  });
});

describe('determinism and resume', () => {
  const copyTask = (seed: number) => createSyntheticTask({ task: 'copy', length: 5, trainSize: 40, validSize: 12, testSize: 12, seed });
  const addingTask = () => createSyntheticTask({ task: 'adding', length: 12, trainSize: 40, validSize: 12, testSize: 12, seed: 5 });

  it('the same seeds give the same batches; another run seed another order, another data seed other data', () => {
    const a = take(copyTask(1).trainStream(8, 0, 42), 12).map(plain);
    expect(take(copyTask(1).trainStream(8, 0, 42), 12).map(plain)).toEqual(a);
    expect(take(copyTask(1).trainStream(8, 0, 43), 12).map(plain)).not.toEqual(a);
    expect(take(copyTask(2).trainStream(8, 0, 42), 12).map(plain)).not.toEqual(a);
    const v = [...copyTask(1).evalBatches('valid', ALL)].map(plain);
    expect([...copyTask(1).evalBatches('valid', ALL)].map(plain)).toEqual(v);
    expect([...copyTask(1).evalBatches('test', ALL)].map(plain)).not.toEqual(v);
  });

  for (const [name, make] of [
    ['copy memory', () => copyTask(1)],
    ['adding problem', addingTask],
  ] as [string, () => TaskData][]) {
    it(`${name}: a stream restored from (cursor, epoch) replays the batches, across epoch ends`, () => {
      // 40 sequences in batches of 8: 5 batches per epoch; 17 batches cross three epoch ends.
      const full = make().trainStream(8, 0, 11);
      const reference = take(full, 17).map(plain);
      expect(full.epoch).toBe(3);
      for (const k of [0, 3, 5, 9, 10, 16]) {
        const first = make().trainStream(8, 0, 11);
        take(first, k);
        const saved = { cursor: first.cursor, epoch: first.epoch };
        const resumed = make().trainStream(8, 0, 11);
        resumed.cursor = saved.cursor;
        resumed.epoch = saved.epoch;
        expect(take(resumed, 17 - k).map(plain)).toEqual(reference.slice(k));
      }
    });
  }

  it('every epoch visits each training example once, in a new order', () => {
    const seen: number[][] = [];
    const stream = new EpisodeStream(10, 3, 99, (idx) => {
      seen.push([...idx]);
      return { inputs: new Int32Array(0), inputShape: [0, 0], targets: new Int32Array(0), targetShape: [0, 0], mask: null, reset: true };
    });
    expect(stream.batchesPerEpoch).toBe(3); // the incomplete tail is skipped
    take(stream, 6);
    const epoch0 = seen.slice(0, 3).flat();
    const epoch1 = seen.slice(3, 6).flat();
    expect(epoch0).toEqual([...epochOrder(10, 99, 0)].slice(0, 9));
    expect(epoch1).toEqual([...epochOrder(10, 99, 1)].slice(0, 9));
    expect(new Set(epoch0).size).toBe(9);
    expect(epoch0).not.toEqual(epoch1);
    expect([...epochOrder(10, 99, 0)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // A batch larger than the split shrinks to the split.
    expect(new EpisodeStream(4, 16, 1, () => ({}) as Batch).batchSize).toBe(4);
    expect(() => new EpisodeStream(4, 0, 1, () => ({}) as Batch)).toThrow(/batchSize/);
  });

  it('evaluation batches stop after about maxScored positions', () => {
    // Copy memory with T = 5 scores 25 positions per sequence.
    const batches = [...copyTask(1).evalBatches('valid', { batchSize: 2, seqLen: 0, maxScored: 120, context: 0 })];
    expect(batches.map((b) => b.inputShape[0])).toEqual([2, 2, 2]); // 50, 100, 150 ≥ 120
    expect(evalIndexBatches(5, 2, Infinity, () => 1).map((b) => [...b])).toEqual([[0, 1], [2, 3], [4]]);
    expect(evalIndexBatches(5, 2, 0, () => 1)).toHaveLength(1);
  });
});

describe('music task', () => {
  // Sequences of 3, 5 and 4 steps in train, 2 and 3 in valid, 2 in test, 88 pitches.
  const set: PianoRollSet = parsePianoRollJson({
    pitchOffset: 21,
    numPitches: 88,
    train: [
      [[0], [1, 2], [3]],
      [[40], [40, 44], [47], [], [40]],
      [[87], [0, 87], [5], [6]],
    ],
    valid: [
      [[40], [41]],
      [[0, 1], [40], [87]],
    ],
    test: [[[10], [11]]],
  });
  const task = createMusicTask(set);
  const frame = (seq: number, t: number) => [...set.sequences[seq]!.subarray(t * 88, (t + 1) * 88)];

  it('declares 88 Bernoulli outputs over 88 float inputs, episodic', () => {
    expect(task).toMatchObject({ task: 'music', output: 'bernoulli', outputSize: 88, inputFeatures: 88, stateful: false });
  });

  it('inputs are frames 0..L−2, targets frames 1..L−1, padded to the longest with mask 0', () => {
    const b = musicBatch(set, [0, 1]); // lengths 3 and 5: T = 4
    expect(b.inputShape).toEqual([2, 4, 88]);
    expect(b.targetShape).toEqual([2, 4, 88]);
    expect([...b.mask!]).toEqual([1, 1, 0, 0, 1, 1, 1, 1]);
    const at = (a: ArrayLike<number>, r: number, t: number) => Array.from({ length: 88 }, (_, p) => a[(r * 4 + t) * 88 + p]);
    const zeros = new Array(88).fill(0);
    for (const [r, seq, L] of [
      [0, 0, 3],
      [1, 1, 5],
    ] as const) {
      for (let t = 0; t < 4; t++) {
        expect(at(b.inputs, r, t)).toEqual(t < L - 1 ? frame(seq, t) : zeros);
        expect(at(b.targets, r, t)).toEqual(t < L - 1 ? frame(seq, t + 1) : zeros);
      }
    }
    expect(b.reset).toBe(true);
  });

  it('baselineLoss is the NLL per step of constant per-pitch Bernoullis fitted on train, on valid (brute force)', () => {
    // Train target frames: 2 + 4 + 3 = 9; KT estimate (count + ½) / (9 + 1).
    const counts: number[] = new Array(88).fill(0);
    for (const [seq, L] of [
      [0, 3],
      [1, 5],
      [2, 4],
    ])
      for (let t = 1; t < L!; t++) frame(seq!, t).forEach((v, p) => (counts[p]! += v));
    const prob = counts.map((c) => (c + 0.5) / 10);
    let nll = 0;
    let steps = 0;
    for (const b of task.evalBatches('valid', ALL)) {
      const y = b.targets as Float32Array;
      b.mask!.forEach((w, pos) => {
        if (!w) return;
        steps++;
        for (let p = 0; p < 88; p++) nll -= y[pos * 88 + p] ? Math.log(prob[p]!) : Math.log(1 - prob[p]!);
      });
    }
    expect(steps).toBe(3);
    expect(task.baselineLoss).toBeCloseTo(nll / steps, 10);
  });

  it('training order is deterministic per (seed, epoch) and resumes from (cursor, epoch)', () => {
    const a = take(task.trainStream(1, 0, 5), 9).map(plain);
    expect(take(task.trainStream(1, 0, 5), 9).map(plain)).toEqual(a);
    // Batch size 1: each epoch holds the three training sequences, each once.
    for (let e = 0; e < 3; e++) expect(new Set(a.slice(3 * e, 3 * e + 3).map((b) => b.shape[1])).size).toBe(3);
    const s = task.trainStream(1, 0, 5);
    s.cursor = 1;
    s.epoch = 2;
    expect(take(s, 2).map(plain)).toEqual(a.slice(7, 9));
    const two = task.trainStream(2, 0, 5).next();
    expect(two.inputShape[0]).toBe(2);
  });

  it('evaluation covers the split in order, whole sequences', () => {
    const batches = [...task.evalBatches('valid', { batchSize: 1, seqLen: 0, maxScored: Infinity, context: 0 })];
    expect(batches.map((b) => b.inputShape)).toEqual([
      [1, 1, 88],
      [1, 2, 88],
    ]);
    expect([...task.evalBatches('test', ALL)]).toHaveLength(1);
  });
});
