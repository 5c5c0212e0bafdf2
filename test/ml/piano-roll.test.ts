// Tests for core/ml/music/piano-roll.ts: the JSON form parses to the right frames and every
// malformed variant is refused naming its exact place; the binary form round-trips, and every
// damaged byte (each single-bit flip, truncation, bad header fields) is refused naming an offset.
import { describe, it, expect } from 'vitest';
import {
  decodePianoRolls,
  encodePianoRolls,
  parsePianoRollJson,
  PianoRollError,
  pianoRollStats,
  type PianoRollSet,
} from '../../core/ml/music/piano-roll.ts';
import { crc32 } from '../../core/ml/music/crc32.ts';

const GOOD = () => ({
  pitchOffset: 21,
  numPitches: 88,
  format: 'extra fields are ignored',
  train: [
    [[39, 51], [51], [], [87, 0]],
    [[10], [11]],
  ],
  valid: [
    [[1], [2], [3]],
    [[40, 44, 47], [40]],
  ],
  test: [[[5], [6, 7]]],
});
type Json = ReturnType<typeof GOOD>;

function refusal(edit: (j: Json) => unknown): string {
  const j = GOOD();
  const value = edit(j) ?? j;
  try {
    parsePianoRollJson(value);
  } catch (e) {
    expect(e).toBeInstanceOf(PianoRollError);
    return (e as Error).message;
  }
  throw new Error('parsePianoRollJson accepted a malformed value');
}

describe('parsePianoRollJson', () => {
  it('reads frames and consecutive splits', () => {
    const set = parsePianoRollJson(GOOD());
    expect(set.pitchOffset).toBe(21);
    expect(set.numPitches).toBe(88);
    expect(set.splits).toEqual({ train: { start: 0, end: 2 }, valid: { start: 2, end: 4 }, test: { start: 4, end: 5 } });
    const s0 = set.sequences[0]!;
    expect(s0.length).toBe(4 * 88);
    const on = (t: number) => [...s0.subarray(t * 88, (t + 1) * 88)].flatMap((v, p) => (v ? [p] : []));
    expect([0, 1, 2, 3].map(on)).toEqual([[39, 51], [51], [], [0, 87]]);
    expect(pianoRollStats(set)).toEqual({
      sequences: { train: 2, valid: 2, test: 1 },
      steps: 13,
      meanActivePitches: 17 / 13,
      meanLength: 13 / 5,
      longestSteps: 4,
    });
  });

  it.each<[string, (j: Json) => unknown, string]>([
    ['a pitch above the range', (j) => void (j.valid[1]![1]![0] = 91), 'valid[1][1][0]: pitch 91 is outside 0..87'],
    ['a negative pitch', (j) => void (j.train[0]![1]![0] = -1), 'train[0][1][0]: a pitch index cannot be negative'],
    ['a fractional pitch', (j) => void (j.test[0]![1]![1] = 6.5), 'test[0][1][1]: must be a pitch index (a whole number)'],
    [
      'a pitch given as a name',
      (j) => void ((j.train[1]![0]! as unknown[])[0] = 'C4'),
      'train[1][0][0]: must be a pitch index (a whole number)',
    ],
    [
      'a step that is not a list',
      (j) => void ((j.valid[0] as unknown[])[2] = 3),
      'valid[0][2]: a time step must be a list of pitch indices',
    ],
    ['a sequence that is not a list', (j) => void ((j.train as unknown[])[1] = {}), 'train[1]: a sequence must be a list of time steps'],
    ['a missing split', (j) => void delete (j as Partial<Json>).test, 'test: a split must be a list of sequences'],
    ['an empty split', (j) => void (j.valid = []), 'valid: the split holds no sequences'],
    ['a one-step sequence', (j) => void (j.train[1] = [[3]]), 'train[1]: a sequence needs at least 2 time steps, got 1'],
    ['numPitches 0', (j) => void (j.numPitches = 0), 'numPitches: must be from 1 to 128'],
    [
      'pitchOffset as text',
      (j) => void ((j as { pitchOffset: unknown }).pitchOffset = '21'),
      'pitchOffset: must be a whole number from 0 to 127',
    ],
    ['a range past note 127', (j) => void (j.pitchOffset = 60), 'numPitches: pitchOffset 60 + numPitches 88 goes past MIDI note 127'],
    ['a list instead of an object', () => [], '(top level): expected an object { pitchOffset, numPitches, train, valid, test }'],
  ])('refuses %s, naming the place', (_name, edit, message) => {
    expect(refusal(edit)).toBe(message);
  });

  it('checks pitches against a smaller numPitches', () => {
    expect(refusal((j) => void (j.numPitches = 40))).toBe('train[0][0][1]: pitch 51 is outside 0..39');
  });
});

describe('binary piano rolls', () => {
  const set = parsePianoRollJson(GOOD());
  /** A set over 5 pitches: frames use 3 of the 8 bits of their byte. */
  const narrow: PianoRollSet = parsePianoRollJson({
    pitchOffset: 60,
    numPitches: 5,
    train: [[[0, 4], [2]]],
    valid: [[[1], [3], []]],
    test: [[[4], [0, 1, 2, 3, 4]]],
  });

  it('round-trips, 11 bytes per 88-pitch frame', () => {
    for (const s of [set, narrow]) {
      const bytes = encodePianoRolls(s);
      const frames = s.sequences.reduce((n, q) => n + q.length / s.numPitches, 0);
      expect(bytes.length).toBe(24 + 4 * s.sequences.length + frames * Math.ceil(s.numPitches / 8) + 4);
      const back = decodePianoRolls(bytes);
      expect(back.pitchOffset).toBe(s.pitchOffset);
      expect(back.numPitches).toBe(s.numPitches);
      expect(back.splits).toEqual(s.splits);
      expect(back.sequences.map((q) => [...q])).toEqual(s.sequences.map((q) => [...q]));
    }
  });

  it('refuses every single-bit flip with a PianoRollError naming a byte', () => {
    for (const s of [set, narrow]) {
      const good = encodePianoRolls(s);
      for (let i = 0; i < good.length; i++) {
        for (const bit of [0, 7]) {
          const bad = Uint8Array.from(good);
          bad[i]! ^= 1 << bit;
          expect(() => decodePianoRolls(bad), `flip of bit ${bit} at byte ${i}`).toThrow(/^byte \d+: /);
        }
      }
    }
  });

  it('names the offset of the damaged field', () => {
    const good = encodePianoRolls(set);
    const damaged = (at: number, value: number) => {
      const b = Uint8Array.from(good);
      b[at] = value;
      return () => decodePianoRolls(b);
    };
    expect(damaged(0, 0x4d)).toThrow(/^byte 0: not a piano-roll file/);
    expect(damaged(4, 2)).toThrow(/^byte 4: version 2 is not supported/);
    expect(damaged(6, 0)).toThrow(/^byte 6: numPitches 0 is outside 1\.\.128/);
    expect(damaged(12, 200)).toThrow(/^byte 12: sequence count 200 does not fit/);
    expect(damaged(20, 9)).toThrow(/^byte 20: valid end 9/);
    expect(damaged(28, 1)).toThrow(/^byte 28: sequence 1 has 1 steps/);
    expect(damaged(28, 3)).toThrow(/the file is \d+ bytes but its header and step counts call for \d+/);
    const frameByte = 24 + 4 * 5 + 3;
    expect(damaged(frameByte, good[frameByte]! ^ 0x10)).toThrow(
      new RegExp(`^byte ${good.length - 4}: checksum mismatch .*bytes 0\\.\\.${good.length - 5} are damaged`),
    );
    expect(() => decodePianoRolls(good.subarray(0, good.length - 1))).toThrow(/the file is \d+ bytes but/);
    expect(() => decodePianoRolls(good.subarray(0, 10))).toThrow(/^byte 10: the file ends after 10 bytes/);
  });

  it('refuses to encode an inconsistent set', () => {
    const bad = { ...set, splits: { ...set.splits, valid: { start: 2, end: 3 } } };
    expect(() => encodePianoRolls(bad)).toThrow(PianoRollError);
    expect(() => encodePianoRolls({ ...set, sequences: [new Uint8Array(87), ...set.sequences.slice(1)] })).toThrow(/sequence 0/);
  });

  it('crc32 is the IEEE CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});
