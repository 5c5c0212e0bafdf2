// Piano rolls: sets of polyphonic sequences as 0/1 frames over a pitch range,
// the data of the JSB Chorales / Nottingham benchmarks (Boulanger-Lewandowski
// et al. 2012, as used by Bai et al. 2018). Parses the JSON form of
// shared/data (with errors naming the exact bad place), stores a set as a
// compact bit-packed binary (with a checksum; errors name the bad byte), and
// summarises it. Pure: bytes and values in, values out.
import { z } from 'zod';
import { describeIssues } from '../zod-issues.ts';
import { crc32 } from './crc32.ts';

export interface SplitRange {
  /** First sequence index of the split. */
  start: number;
  /** One past the last. */
  end: number;
}

export interface PianoRollSet {
  /** MIDI note of pitch index 0 (21 = A0 for the 88 piano keys). */
  pitchOffset: number;
  /** Pitches per frame (88). */
  numPitches: number;
  /** Each sequence is [T × numPitches] row-major, 1 where a pitch sounds at that step. */
  sequences: Uint8Array[];
  /** Sequences are stored train, then valid, then test. */
  splits: { train: SplitRange; valid: SplitRange; test: SplitRange };
}

export type RollSplit = keyof PianoRollSet['splits'];
export const ROLL_SPLITS: readonly RollSplit[] = ['train', 'valid', 'test'];

/** A refused piano-roll file or value; the message names the place. */
export class PianoRollError extends Error {
  override name = 'PianoRollError';
}

/** Shortest usable sequence: one input frame and the next frame to predict. */
export const MIN_SEQUENCE_STEPS = 2;

/** Time steps of sequence `i`. */
export const sequenceSteps = (set: PianoRollSet, i: number): number => set.sequences[i]!.length / set.numPitches;

// ---- JSON form: { pitchOffset, numPitches, train, valid, test }, each split a list of
// sequences, each sequence a list of steps, each step the list of active pitch indices.

const wholeNumber = (what: string) => z.number({ error: `must be ${what}` }).int({ error: `must be ${what}` });
const stepSchema = z.array(wholeNumber('a pitch index (a whole number)').min(0, { error: 'a pitch index cannot be negative' }), {
  error: 'a time step must be a list of pitch indices',
});
const splitSchema = z.array(z.array(stepSchema, { error: 'a sequence must be a list of time steps' }), {
  error: 'a split must be a list of sequences',
});
const jsonSchema = z.object(
  {
    pitchOffset: wholeNumber('a whole number from 0 to 127')
      .min(0, { error: 'must be from 0 to 127' })
      .max(127, { error: 'must be from 0 to 127' }),
    numPitches: wholeNumber('a whole number from 1 to 128')
      .min(1, { error: 'must be from 1 to 128' })
      .max(128, { error: 'must be from 1 to 128' }),
    train: splitSchema,
    valid: splitSchema,
    test: splitSchema,
  },
  { error: 'expected an object { pitchOffset, numPitches, train, valid, test }' },
);

/**
 * Parses the JSON form (already JSON.parse'd) into a set.
 * @throws PianoRollError naming the place, e.g. "valid[3][17][2]: pitch 91 is outside 0..87"
 */
export function parsePianoRollJson(value: unknown): PianoRollSet {
  const r = jsonSchema.safeParse(value);
  // The first issue only, its place as in the file ("valid[3][17][2]"): a broken file can have thousands.
  if (!r.success) throw new PianoRollError(describeIssues(r.error, { indexes: 'brackets', topLevel: '(top level)', limit: 1 }));
  const { pitchOffset, numPitches } = r.data;
  if (pitchOffset + numPitches > 128) {
    throw new PianoRollError(`numPitches: pitchOffset ${pitchOffset} + numPitches ${numPitches} goes past MIDI note 127`);
  }
  const sequences: Uint8Array[] = [];
  const splits = {} as PianoRollSet['splits'];
  for (const split of ROLL_SPLITS) {
    const list = r.data[split];
    if (list.length === 0) throw new PianoRollError(`${split}: the split holds no sequences`);
    splits[split] = { start: sequences.length, end: sequences.length + list.length };
    list.forEach((seq, i) => {
      if (seq.length < MIN_SEQUENCE_STEPS) {
        throw new PianoRollError(`${split}[${i}]: a sequence needs at least ${MIN_SEQUENCE_STEPS} time steps, got ${seq.length}`);
      }
      const frames = new Uint8Array(seq.length * numPitches);
      seq.forEach((step, t) => {
        step.forEach((pitch, j) => {
          if (pitch >= numPitches) throw new PianoRollError(`${split}[${i}][${t}][${j}]: pitch ${pitch} is outside 0..${numPitches - 1}`);
          frames[t * numPitches + pitch] = 1;
        });
      });
      sequences.push(frames);
    });
  }
  return { pitchOffset, numPitches, sequences, splits };
}

// ---- Binary form, little-endian:
//   0 magic "SQPR" | 4 version u16 (1) | 6 numPitches u16 | 8 pitchOffset u16 | 10 reserved u16 (0)
//  12 sequence count u32 | 16 train end u32 | 20 valid end u32 | 24 steps of each sequence, u32 each
//   then every frame as ceil(numPitches / 8) bytes (pitch p: byte p >> 3, bit p & 7)
//   then CRC-32 of all the bytes before it, u32.

const MAGIC = [0x53, 0x51, 0x50, 0x52]; // "SQPR"
const VERSION = 1;
const HEADER_BYTES = 24;
const MAX_STEPS = 1 << 26;

const frameBytesOf = (numPitches: number): number => Math.ceil(numPitches / 8);

/** Encodes a set (validated as decode would) into the binary form. */
export function encodePianoRolls(set: PianoRollSet): Uint8Array {
  checkSet(set);
  const { numPitches, sequences } = set;
  const fb = frameBytesOf(numPitches);
  const steps = sequences.map((s) => s.length / numPitches);
  const size = HEADER_BYTES + 4 * sequences.length + steps.reduce((a, b) => a + b, 0) * fb + 4;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint16(4, VERSION, true);
  view.setUint16(6, numPitches, true);
  view.setUint16(8, set.pitchOffset, true);
  view.setUint32(12, sequences.length, true);
  view.setUint32(16, set.splits.train.end, true);
  view.setUint32(20, set.splits.valid.end, true);
  steps.forEach((n, i) => view.setUint32(HEADER_BYTES + 4 * i, n, true));
  let at = HEADER_BYTES + 4 * sequences.length;
  for (const seq of sequences) {
    for (let f = 0; f < seq.length; f += numPitches, at += fb) {
      for (let p = 0; p < numPitches; p++) if (seq[f + p]) bytes[at + (p >> 3)]! |= 1 << (p & 7);
    }
  }
  view.setUint32(at, crc32(bytes.subarray(0, at)), true);
  return bytes;
}

/**
 * Decodes the binary form, checking every header field, the file size, unused
 * bits and the checksum.
 * @throws PianoRollError naming the byte offset of the first problem found
 */
export function decodePianoRolls(bytes: Uint8Array): PianoRollSet {
  const size = bytes.length;
  const fail = (offset: number, msg: string): never => {
    throw new PianoRollError(`byte ${offset}: ${msg}`);
  };
  if (size < HEADER_BYTES + 4)
    fail(size, `the file ends after ${size} bytes, before the end of the ${HEADER_BYTES}-byte header and checksum`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  MAGIC.forEach((m, i) => {
    if (bytes[i] !== m) fail(i, 'not a piano-roll file (the magic "SQPR" is missing)');
  });
  const version = view.getUint16(4, true);
  if (version !== VERSION) fail(4, `version ${version} is not supported (expected ${VERSION})`);
  const numPitches = view.getUint16(6, true);
  if (numPitches < 1 || numPitches > 128) fail(6, `numPitches ${numPitches} is outside 1..128`);
  const pitchOffset = view.getUint16(8, true);
  if (pitchOffset + numPitches > 128) fail(8, `pitchOffset ${pitchOffset} + numPitches ${numPitches} goes past MIDI note 127`);
  if (view.getUint16(10, true) !== 0) fail(10, 'reserved field is not 0');
  const count = view.getUint32(12, true);
  const tableEnd = HEADER_BYTES + 4 * count;
  if (count < 3 || tableEnd + 4 > size) fail(12, `sequence count ${count} does not fit a ${size}-byte file (at least 3, one per split)`);
  const trainEnd = view.getUint32(16, true);
  const validEnd = view.getUint32(20, true);
  if (trainEnd < 1 || trainEnd >= count) fail(16, `train end ${trainEnd} must leave at least one sequence per split (count ${count})`);
  if (validEnd <= trainEnd || validEnd >= count)
    fail(20, `valid end ${validEnd} must lie between train end ${trainEnd} and count ${count}, exclusive`);
  const fb = frameBytesOf(numPitches);
  const steps: number[] = [];
  let frames = 0;
  for (let i = 0; i < count; i++) {
    const n = view.getUint32(HEADER_BYTES + 4 * i, true);
    if (n < MIN_SEQUENCE_STEPS || n > MAX_STEPS)
      fail(HEADER_BYTES + 4 * i, `sequence ${i} has ${n} steps (allowed ${MIN_SEQUENCE_STEPS}..${MAX_STEPS})`);
    steps.push(n);
    frames += n;
  }
  const expected = tableEnd + frames * fb + 4;
  if (size !== expected) fail(Math.min(size, expected), `the file is ${size} bytes but its header and step counts call for ${expected}`);
  const stored = view.getUint32(size - 4, true);
  const actual = crc32(bytes.subarray(0, size - 4));
  if (stored !== actual) {
    fail(size - 4, `checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)}): bytes 0..${size - 5} are damaged`);
  }
  const unusedMask = numPitches % 8 === 0 ? 0 : 0xff & ~((1 << (numPitches % 8)) - 1);
  const sequences: Uint8Array[] = [];
  let at = tableEnd;
  for (let i = 0; i < count; i++) {
    const seq = new Uint8Array(steps[i]! * numPitches);
    for (let f = 0; f < seq.length; f += numPitches, at += fb) {
      if (bytes[at + fb - 1]! & unusedMask) fail(at + fb - 1, `unused bits set in a frame of sequence ${i}`);
      for (let p = 0; p < numPitches; p++) seq[f + p] = (bytes[at + (p >> 3)]! >> (p & 7)) & 1;
    }
    sequences.push(seq);
  }
  return {
    pitchOffset,
    numPitches,
    sequences,
    splits: { train: { start: 0, end: trainEnd }, valid: { start: trainEnd, end: validEnd }, test: { start: validEnd, end: count } },
  };
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** Checks the invariants both codecs rely on. @throws PianoRollError */
function checkSet(set: PianoRollSet): void {
  const { numPitches, pitchOffset, sequences, splits } = set;
  if (!Number.isInteger(numPitches) || numPitches < 1 || numPitches > 128)
    throw new PianoRollError(`numPitches ${numPitches} is outside 1..128`);
  if (!Number.isInteger(pitchOffset) || pitchOffset < 0 || pitchOffset + numPitches > 128)
    throw new PianoRollError(`pitchOffset ${pitchOffset} + numPitches ${numPitches} goes past MIDI note 127`);
  const { train, valid, test } = splits;
  if (
    train.start !== 0 ||
    valid.start !== train.end ||
    test.start !== valid.end ||
    test.end !== sequences.length ||
    train.end <= 0 ||
    valid.end <= valid.start ||
    test.end <= test.start
  ) {
    throw new PianoRollError(`splits ${JSON.stringify(splits)} must be consecutive, non-empty and cover all ${sequences.length} sequences`);
  }
  sequences.forEach((s, i) => {
    const n = s.length / numPitches;
    if (!Number.isInteger(n) || n < MIN_SEQUENCE_STEPS)
      throw new PianoRollError(`sequence ${i}: ${s.length} values are not at least ${MIN_SEQUENCE_STEPS} frames of ${numPitches} pitches`);
  });
}

// ---- Statistics.

export interface PianoRollStats {
  /** Sequences per split. */
  sequences: Record<RollSplit, number>;
  /** Time steps over all sequences. */
  steps: number;
  /** Mean count of sounding pitches per step. */
  meanActivePitches: number;
  /** Mean steps per sequence. */
  meanLength: number;
  /** Steps of the longest sequence: a batch is padded to it, so it sizes a run's memory. */
  longestSteps: number;
}

export function pianoRollStats(set: PianoRollSet): PianoRollStats {
  let steps = 0;
  let active = 0;
  let longestSteps = 0;
  for (const s of set.sequences) {
    steps += s.length / set.numPitches;
    longestSteps = Math.max(longestSteps, s.length / set.numPitches);
    for (let i = 0; i < s.length; i++) active += s[i]!;
  }
  const n = set.sequences.length;
  const count = (r: SplitRange): number => r.end - r.start;
  return {
    sequences: { train: count(set.splits.train), valid: count(set.splits.valid), test: count(set.splits.test) },
    steps,
    meanActivePitches: steps > 0 ? active / steps : 0,
    meanLength: n > 0 ? steps / n : 0,
    longestSteps,
  };
}
