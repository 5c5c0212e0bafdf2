// Seeded fuzz of the import parsers (issue 17, item 9): small valid WAV, text,
// MIDI, piano-roll JSON and roll files, mutated (bit flips, truncations,
// inserted/deleted/duplicated bytes, corrupted chunk sizes, and for JSON
// replaced values), each fed to the importer's own entry point. Every case
// must either decode to something valid (checked against an independent
// reference where one exists) or be refused with an Error naming the file or
// the field: never a crash, a hang, or a thrown non-Error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudioBytes } from '../../core/data/audio-decode.ts';
import { MAX_ROLL_STEPS, midiToRoll } from '../../core/data/midi-roll.ts';
import { importMusic, openRollFile } from '../../core/data/music-import.ts';
import { Rng } from '../../core/ml/rng.ts';
import { decodePianoRolls, encodePianoRolls, type PianoRollSet } from '../../core/ml/music/piano-roll.ts';
import { decodeText } from '../../core/ml/text/decode.ts';
import { Tokenizer, VocabularyBuilder } from '../../core/ml/text/vocab.ts';
import { HAS_SOX, soxTone, tmpDir, cleanup, wavBytes } from '../audio/fixtures.ts';
import { midiSizeFields, mutate, riffSizeFields, type SizeField } from './fuzz-mutations.ts';

const { Midi } = createRequire(import.meta.url)('@tonejs/midi') as typeof import('@tonejs/midi');

/** Cases per format; the total is recorded in docs/benchmarks.md. */
const CASES = { wav: 1200, flac: 200, text: 1200, midi: 800, json: 300, roll: 500 };

const dirs: string[] = [];
afterAll(() => {
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
  cleanup();
});

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function outcome<T>(fn: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** A refusal must be an Error whose message names the file (or, for our own binary format, the byte). */
function expectCleanRefusal(error: unknown, names: RegExp, what: string): Error {
  expect(error, `${what}: threw a non-Error: ${String(error)}`).toBeInstanceOf(Error);
  const e = error as Error;
  expect(e.message, `${what}: ${e.stack}`).toMatch(names);
  // A damaged file's bytes must not reach the terminal or the JSON output raw.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  expect(e.message, `${what}: control characters in the message`).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  expect(e.message, `${what}: an engine error leaked: ${e.stack}`).not.toMatch(
    /^(Cannot read|undefined is not|.* is not a function|Maximum call stack|Invalid typed array length|Offset is outside)/,
  );
  return e;
}

const tally = () => ({ decoded: 0, refused: 0 });

// ---- WAV ----

function pcmBody(rng: Rng, frames: number, bits: number, channels: number, float: boolean): Uint8Array {
  const bytesPer = bits / 8;
  const out = Buffer.alloc(frames * channels * bytesPer);
  for (let i = 0; i < frames * channels; i++) {
    const v = Math.sin(i / 7) * 0.6 + (rng.next() - 0.5) * 0.1;
    const at = i * bytesPer;
    if (float) out.writeFloatLE(v, at);
    else if (bits === 8) out.writeUInt8(Math.round(128 + v * 127), at);
    else if (bits === 16) out.writeInt16LE(Math.round(v * 32767), at);
    else if (bits === 24) out.writeIntLE(Math.round(v * 8388607), at, 3);
    else out.writeInt32LE(Math.round(v * 2147483647), at);
  }
  return out;
}

function validWavs(rng: Rng): Uint8Array[] {
  const shapes = [
    { bits: 16, channels: 1, float: false },
    { bits: 8, channels: 2, float: false },
    { bits: 24, channels: 1, float: false },
    { bits: 32, channels: 2, float: true },
    { bits: 32, channels: 1, float: false },
  ];
  return shapes.flatMap((s, i) => {
    const data = pcmBody(rng, 64 + i * 13, s.bits, s.channels, s.float);
    const base = { format: s.float ? 3 : 1, channels: s.channels, bits: s.bits, rate: [8000, 16000, 44100][i % 3]!, data };
    // An odd-sized LIST chunk before the data exercises the pad-byte rule.
    return [wavBytes(base), wavBytes({ ...base, before: [{ id: 'LIST', body: new Uint8Array(7).fill(0x41) }] })];
  });
}

// ---- text ----

const TEXT_PIECES = ['the cat sat. ', 'Grüße ', 'naïve café ', '日本語 ', '😀 ', '\n', '\r\n', '\t', 'x', '— ', 'ab  cd '];

function validTexts(rng: Rng): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < 8; i++) {
    let s = '';
    for (let k = 20 + rng.int(40); k > 0; k--) s += TEXT_PIECES[rng.int(TEXT_PIECES.length)]!;
    const utf8 = new TextEncoder().encode(s);
    out.push(utf8, Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8]));
    const le = new Uint8Array(2 + s.length * 2);
    le.set([0xff, 0xfe]);
    for (let j = 0; j < s.length; j++) le.set([s.charCodeAt(j) & 0xff, s.charCodeAt(j) >> 8], 2 + 2 * j);
    out.push(le);
  }
  return out;
}

/** The WHATWG decoder in fatal mode is the reference: what we accept, it must accept identically. */
function referenceDecode(bytes: Uint8Array, encoding: string): string {
  const label = encoding === 'utf-16be' ? 'utf-16be' : encoding === 'utf-16le' ? 'utf-16le' : 'utf-8';
  return new TextDecoder(label, { fatal: true }).decode(bytes);
}

// ---- MIDI ----

function validMidis(rng: Rng): Uint8Array[] {
  return Array.from({ length: 6 }, (_, f) => {
    const m = new Midi();
    for (let t = 0; t < 1 + (f % 3); t++) {
      const track = m.addTrack();
      if (f === 5 && t === 1) track.channel = 9; // a percussion track
      for (let n = 0; n < 6 + rng.int(10); n++)
        track.addNote({ midi: 30 + rng.int(70), ticks: rng.int(16) * 240, durationTicks: 120 + rng.int(4) * 240 });
    }
    return m.toArray();
  });
}

// ---- piano rolls ----

function validRollSet(rng: Rng): PianoRollSet {
  const numPitches = [8, 12, 88][rng.int(3)]!;
  const seq = (): Uint8Array => new Uint8Array((2 + rng.int(6)) * numPitches).map(() => (rng.int(5) === 0 ? 1 : 0));
  return {
    pitchOffset: 21,
    numPitches,
    sequences: [seq(), seq(), seq(), seq()],
    splits: { train: { start: 0, end: 2 }, valid: { start: 2, end: 3 }, test: { start: 3, end: 4 } },
  };
}

function rollJson(set: PianoRollSet): Record<string, unknown> {
  const steps = (s: Uint8Array): number[][] =>
    Array.from({ length: s.length / set.numPitches }, (_, t) =>
      [...s.subarray(t * set.numPitches, (t + 1) * set.numPitches)].flatMap((v, p) => (v ? [p] : [])),
    );
  const split = (r: { start: number; end: number }): number[][][] => set.sequences.slice(r.start, r.end).map(steps);
  return {
    pitchOffset: set.pitchOffset,
    numPitches: set.numPitches,
    train: split(set.splits.train),
    valid: split(set.splits.valid),
    test: split(set.splits.test),
  };
}

const ODD_VALUES: unknown[] = [null, -1, 1.5, 1e308, 128, 2 ** 53, 'x', true, [], {}, [[]], [[-1]], [[1e9]]];

/** Replaces, deletes or adds one value somewhere in a parsed JSON document (structure-aware mutation). */
function mutateJsonValue(rng: Rng, doc: unknown): unknown {
  const copy = structuredClone(doc) as Record<string, unknown>;
  const containers: (Record<string, unknown> | unknown[])[] = [];
  const walk = (v: unknown): void => {
    if (v && typeof v === 'object') {
      containers.push(v as Record<string, unknown>);
      for (const x of Object.values(v)) walk(x);
    }
  };
  walk(copy);
  const c = containers[rng.int(containers.length)]!;
  const keys = Object.keys(c);
  const odd = structuredClone(ODD_VALUES[rng.int(ODD_VALUES.length)]);
  const r = rng.int(3);
  if (r === 0 && keys.length > 0) (c as Record<string, unknown>)[keys[rng.int(keys.length)]!] = odd;
  else if (r === 1 && keys.length > 0) {
    if (Array.isArray(c)) c.splice(rng.int(c.length), 1);
    else delete c[keys[rng.int(keys.length)]!];
  } else if (Array.isArray(c)) c.push(odd);
  else c['bogus'] = odd;
  return copy;
}

/** Size fields of the roll file: sequence count, split ends, each sequence's step count (little-endian). */
function rollSizeFields(b: Uint8Array): SizeField[] {
  const count = new DataView(b.buffer, b.byteOffset).getUint32(12, true);
  return [12, 16, 20, ...Array.from({ length: count }, (_, i) => 24 + 4 * i)].map((offset) => ({ offset, littleEndian: true }));
}

describe('parser fuzz (seeded)', () => {
  it(`WAV: ${CASES.wav} mutated files decode to finite samples on equal-length channels, or are refused naming the file`, async () => {
    const rng = new Rng(9001);
    const seeds = validWavs(rng);
    const t = tally();
    for (let i = 0; i < CASES.wav; i++) {
      const seed = seeds[i % seeds.length]!;
      const { bytes, kinds } = mutate(rng, seed, riffSizeFields(seed));
      const what = `wav case ${i} (${kinds.join('+')})`;
      const r = await outcome(() => decodeAudioBytes(bytes, 'clip.wav'));
      if (!r.ok) {
        expectCleanRefusal(r.error, /^clip\.wav: /, what);
        t.refused++;
        continue;
      }
      t.decoded++;
      const { channels, sampleRate } = r.value;
      expect(sampleRate, what).toBeGreaterThanOrEqual(1000);
      expect(channels.length, what).toBeGreaterThan(0);
      for (const c of channels) {
        expect(c.length, what).toBe(channels[0]!.length);
        expect(c.every(Number.isFinite), what).toBe(true);
      }
    }
    // Both outcomes occur: the mutations bite, and not every change is fatal (flipped sample bits still decode).
    expect(t.decoded).toBeGreaterThan(CASES.wav / 10);
    expect(t.refused).toBeGreaterThan(CASES.wav / 4);
  });

  // CI installs sox (see test/audio/fixtures.ts); without it this case is skipped, the others still run.
  it.skipIf(!HAS_SOX)(
    `FLAC (through audio-decode): ${CASES.flac} mutated files decode to finite samples, or are refused naming the file`,
    async () => {
      const rng = new Rng(1234);
      const seed = new Uint8Array(fs.readFileSync(soxTone(path.join(tmpDir(), 'tone.flac'), { rate: 8000, seconds: 0.05 })));
      const t = tally();
      for (let i = 0; i < CASES.flac; i++) {
        const { bytes, kinds } = mutate(rng, seed);
        const what = `flac case ${i} (${kinds.join('+')})`;
        const r = await outcome(() => decodeAudioBytes(bytes, 'clip.flac'));
        if (!r.ok) {
          expectCleanRefusal(r.error, /^clip\.flac: /, what);
          t.refused++;
          continue;
        }
        t.decoded++;
        for (const c of r.value.channels) expect(c.every(Number.isFinite), what).toBe(true);
      }
      // FLAC frames carry CRCs, so nearly every change is refused (4 of 200 decoded with this seed).
      expect(t.refused).toBeGreaterThan(CASES.flac / 2);
    },
  );

  it(`text: ${CASES.text} mutated files decode exactly as the WHATWG decoder does and tokenise, or are refused naming the file`, async () => {
    const rng = new Rng(4242);
    const seeds = validTexts(rng);
    const t = tally();
    for (let i = 0; i < CASES.text; i++) {
      const { bytes, kinds } = mutate(rng, seeds[i % seeds.length]!);
      const what = `text case ${i} (${kinds.join('+')})`;
      const r = await outcome(() => decodeText(bytes, 'corpus.txt'));
      if (!r.ok) {
        const e = expectCleanRefusal(r.error, /^corpus\.txt: /, what);
        // A refusal for invalid UTF-8 is right only if the reference refuses the bytes too.
        if (/invalid UTF-8/.test(e.message)) expect(() => referenceDecode(bytes, 'utf-8'), what).toThrow();
        t.refused++;
        continue;
      }
      t.decoded++;
      const { text, encoding } = r.value;
      expect(text, what).toBe(referenceDecode(bytes, encoding));
      for (const level of ['char', 'word'] as const) {
        const vocab = new VocabularyBuilder(level);
        vocab.add(text);
        const ids = new Tokenizer(vocab.build({ maxSize: 65535 })).encode(text);
        expect(ids.length, what).toBe(vocab.tokenCount);
      }
    }
    expect(t.decoded).toBeGreaterThan(CASES.text / 10);
    expect(t.refused).toBeGreaterThan(CASES.text / 10);
  });

  it(`MIDI: ${CASES.midi} mutated files become valid piano rolls, or are refused naming the file`, async () => {
    const rng = new Rng(31337);
    const seeds = validMidis(rng);
    const t = tally();
    for (let i = 0; i < CASES.midi; i++) {
      const seed = seeds[i % seeds.length]!;
      const { bytes, kinds } = mutate(rng, seed, midiSizeFields(seed));
      const what = `midi case ${i} (${kinds.join('+')})`;
      const opts = { stepsPerQuarter: 1 + rng.int(4), pitchOffset: 21, numPitches: 88 };
      const r = await outcome(() => midiToRoll(bytes, 'song.mid', opts));
      if (!r.ok) {
        expectCleanRefusal(r.error, /^song\.mid: /, what);
        t.refused++;
        continue;
      }
      t.decoded++;
      const roll = r.value;
      expect(roll.steps, what).toBeGreaterThanOrEqual(2);
      expect(roll.steps, what).toBeLessThanOrEqual(MAX_ROLL_STEPS);
      expect(roll.frames.length, what).toBe(roll.steps * opts.numPitches);
      expect(
        roll.frames.every((v) => v === 0 || v === 1),
        what,
      ).toBe(true);
      expect(roll.notes, what).toBeGreaterThan(0);
    }
    // MIDI is strict (every track length exact), so most byte changes are refused.
    expect(t.decoded).toBeGreaterThan(CASES.midi / 25);
    expect(t.refused).toBeGreaterThan(CASES.midi / 4);
  });

  it(`piano-roll JSON: ${CASES.json} mutated files import through importMusic to a readable roll file, or are refused naming the file and the field`, async () => {
    const rng = new Rng(777);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-fuzz-json-'));
    dirs.push(dir);
    const docs = Array.from({ length: 4 }, () => rollJson(validRollSet(rng)));
    const t = tally();
    for (let i = 0; i < CASES.json; i++) {
      const doc = docs[i % docs.length]!;
      // Half the cases mutate the bytes, half the values (which reach the schema rather than JSON.parse).
      const bytes =
        i % 2 === 0
          ? mutate(rng, new TextEncoder().encode(JSON.stringify(doc))).bytes
          : new TextEncoder().encode(JSON.stringify(mutateJsonValue(rng, doc)));
      const file = path.join(dir, `rolls-${i}.json`);
      fs.writeFileSync(file, bytes);
      const out = fs.mkdtempSync(path.join(dir, 'out-'));
      const what = `json case ${i}`;
      const r = await outcome(() => importMusic({ paths: [file], outDir: out }));
      if (!r.ok) {
        const e = expectCleanRefusal(r.error, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `), what);
        // Schema refusals name the place: "(top level)", "numPitches", "train[0][1][2]", ...
        if (!/not valid JSON/.test(e.message))
          expect(e.message, what).toMatch(/: (\(top level\)|pitchOffset|numPitches|train|valid|test|bogus)[[.:\s]/);
        expect(fs.readdirSync(out), what).toEqual([]);
        t.refused++;
        continue;
      }
      t.decoded++;
      const set = openRollFile(r.value.rollFile);
      expect(set.sequences.length, what).toBe(r.value.splits.test.end);
    }
    expect(t.decoded).toBeGreaterThan(CASES.json / 20);
    expect(t.refused).toBeGreaterThan(CASES.json / 4);
  });

  it(`roll file: ${CASES.roll} mutated files decode to a set that re-encodes to the same bytes, or are refused naming the byte`, async () => {
    const rng = new Rng(2718);
    const seeds = Array.from({ length: 4 }, () => encodePianoRolls(validRollSet(rng)));
    const t = tally();
    for (let i = 0; i < CASES.roll; i++) {
      const seed = seeds[i % seeds.length]!;
      const { bytes, kinds } = mutate(rng, seed, rollSizeFields(seed));
      const what = `roll case ${i} (${kinds.join('+')})`;
      const r = await outcome(() => decodePianoRolls(bytes));
      if (!r.ok) {
        expectCleanRefusal(r.error, /^byte \d+: /, what);
        t.refused++;
        continue;
      }
      t.decoded++;
      expect(encodePianoRolls(r.value), what).toEqual(bytes);
    }
    // The CRC catches nearly every change; what passes must be byte-identical on re-encoding.
    expect(t.refused).toBeGreaterThan(CASES.roll * 0.9);
  });
});
