// Tests for core/data/music-import.ts and midi-roll.ts: real .mid files written with @tonejs/midi
// import back to the expected piano roll (quantisation, range, percussion, leading silence); bad
// files in a folder are refused by name while the rest import; the split is deterministic; the
// roll file is written atomically and read back; the real JSB Chorales JSON imports 229/76/77.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { importMusic, openRollFile, MusicImportError, ROLL_FILE, type ImportedMusic } from '../../core/data/music-import.ts';
import { parsePianoRollJson } from '../../core/ml/music/piano-roll.ts';
import { createMusicTask } from '../../core/ml/tasks/music-task.ts';

const { Midi } = createRequire(import.meta.url)('@tonejs/midi') as typeof import('@tonejs/midi');
const JSB = fileURLToPath(new URL('../../../shared/data/jsb-chorales.json', import.meta.url));

const dirs: string[] = [];
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-music-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

type NoteSpec = { midi: number; ticks: number; durationTicks: number };
/** A real Standard MIDI File (480 ticks per quarter) with one track per list; `drums` puts a track on channel 10. */
function midiBytes(tracks: NoteSpec[][], drums: NoteSpec[] = []): Uint8Array {
  const m = new Midi();
  for (const notes of tracks) {
    const t = m.addTrack();
    for (const n of notes) t.addNote(n);
  }
  if (drums.length) {
    const t = m.addTrack();
    t.channel = 9;
    for (const n of drums) t.addNote(n);
  }
  return m.toArray();
}
function write(dir: string, rel: string, data: Uint8Array | string): string {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
  return p;
}
/** Active pitch indices at each step of a sequence. */
const steps = (frames: Uint8Array, n = 88): number[][] =>
  Array.from({ length: frames.length / n }, (_, t) => [...frames.subarray(t * n, (t + 1) * n)].flatMap((v, p) => (v ? [p] : [])));
const Q = 480;
const simple = (root: number): NoteSpec[] => [0, 1, 2].map((i) => ({ midi: root + i, ticks: i * Q, durationTicks: Q }));

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MusicImportError);
  return (e as Error).message;
}

describe('importMusic from MIDI', () => {
  it('quantises notes to steps, maps A0..C8 to 0..87, drops out-of-range and percussion notes, trims leading silence', async () => {
    const src = tmp();
    const out = tmp();
    const a = write(
      src,
      'a.mid',
      midiBytes(
        [
          [
            // 2 steps per quarter = 240 ticks per step; the first note starts at step 4, so steps 0..3 are dropped.
            { midi: 60, ticks: 960, durationTicks: 960 }, // steps 4..7 -> 0..3
            { midi: 64, ticks: 1440, durationTicks: 1440 }, // steps 6..11 -> 2..7
            { midi: 21, ticks: 2400, durationTicks: 100 }, // A0, shorter than a step: step 10 -> 6
            { midi: 20, ticks: 960, durationTicks: 480 }, // below A0: dropped
          ],
          [
            { midi: 108, ticks: 2630, durationTicks: 250 }, // C8, 10.96..12.0 rounds to step 11 -> 7
            { midi: 109, ticks: 960, durationTicks: 480 }, // above C8: dropped
          ],
        ],
        [{ midi: 36, ticks: 960, durationTicks: 480 }],
      ),
    );
    write(src, 'b.mid', midiBytes([simple(50)]));
    write(src, 'sub/c.midi', midiBytes([simple(70)]));
    write(src, 'd.MID', midiBytes([simple(40)]));
    write(src, 'readme.txt', 'not music, and not a .mid name: ignored');
    const r = await importMusic({ paths: [src], outDir: out, stepsPerQuarter: 2 });
    expect(r.refused).toEqual([]);
    expect(r.stats).toMatchObject({
      files: 4,
      droppedNotes: 2,
      percussionNotes: 1,
      stepsPerQuarter: 2,
      pitchOffset: 21,
      numPitches: 88,
      refusedFiles: 0,
    });
    expect(r.stats.sequences).toEqual({ train: 2, valid: 1, test: 1 });
    const set = openRollFile(r.rollFile);
    expect(set.splits).toEqual(r.splits);
    const ia = r.files.indexOf(a);
    expect(ia).toBeGreaterThanOrEqual(0);
    expect(steps(set.sequences[ia]!)).toEqual([[39], [39], [39, 43], [39, 43], [43], [43], [0, 43], [43, 87]]);
    // Three quarter notes at 2 steps per quarter: 6 steps.
    const ib = r.files.indexOf(path.join(src, 'b.mid'));
    expect(steps(set.sequences[ib]!)).toEqual([[29], [29], [30], [30], [31], [31]]);
    expect(r.source).toMatch(/^4 MIDI file\(s\), 2 step\(s\) per quarter note, split 2 \/ 1 \/ 1 by name hash$/);
    expect(r.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readdirSync(out)).toEqual([ROLL_FILE]);
  });

  it('defaults to one step per quarter note; the split and fingerprint do not depend on the order of paths', async () => {
    const src = tmp();
    const names = ['x1.mid', 'x2.mid', 'x3.mid', 'x4.mid', 'x5.mid', 'x6.mid', 'x7.mid', 'x8.mid', 'x9.mid', 'x10.mid', 'x11.mid'];
    const files = names.map((n, i) => write(src, n, midiBytes([simple(40 + i)])));
    const one = await importMusic({ paths: files, outDir: tmp() });
    const two = await importMusic({ paths: [...files].reverse(), outDir: tmp() });
    expect(one.stats.stepsPerQuarter).toBe(1);
    expect(one.stats.meanLength).toBe(3);
    expect(one.stats.longestSteps).toBe(3); // sizes a run's memory (core/services/memory-budget.ts)
    expect(one.stats.sequences).toEqual({ train: 9, valid: 1, test: 1 });
    expect(two.files).toEqual(one.files);
    expect(two.fingerprint).toBe(one.fingerprint);
    const other = await importMusic({ paths: files, outDir: tmp(), stepsPerQuarter: 4 });
    expect(other.fingerprint).not.toBe(one.fingerprint);
    // Inside a split, files keep name order.
    const trainFiles = one.files.slice(0, 9).map((f) => path.basename(f));
    expect(trainFiles).toEqual([...trainFiles].sort());
  });

  it('refuses bad files in a folder by name and reason, importing the rest', async () => {
    const src = tmp();
    const good = midiBytes([simple(60)]);
    for (const n of ['g1.mid', 'g2.mid', 'g3.mid']) write(src, n, good);
    const truncated = write(src, 'truncated.mid', good.subarray(0, good.length - 7));
    const text = write(src, 'notes.mid', 'these are my notes, not a MIDI file\n');
    const empty = write(src, 'empty.midi', new Uint8Array(0));
    const silent = write(src, 'silent.mid', midiBytes([[]]));
    const high = write(src, 'high.mid', midiBytes([[{ midi: 120, ticks: 0, durationTicks: Q }]]));
    const headerOnly = write(src, 'header.mid', good.subarray(0, 12));
    const r = await importMusic({ paths: [src], outDir: tmp() });
    expect(r.stats.files).toBe(3);
    expect(r.stats.refusedFiles).toBe(6);
    const reasons = Object.fromEntries(r.refused.map((x) => [x.file, x.reason]));
    expect(Object.keys(reasons).sort()).toEqual([empty, headerOnly, high, text, truncated, silent].sort());
    expect(reasons[truncated]).toMatch(
      new RegExp(`^${truncated}: truncated: the chunk "MTrk" at byte \\d+ declares \\d+ bytes but only \\d+ remain$`),
    );
    expect(reasons[text]).toBe(`${text}: not a MIDI file (it does not start with "MThd")`);
    expect(reasons[empty]).toBe(`${empty}: not a MIDI file (it does not start with "MThd")`);
    expect(reasons[headerOnly]).toBe(`${headerOnly}: truncated: 12 bytes, the MIDI header alone needs 14`);
    expect(reasons[silent]).toBe(`${silent}: no notes in MIDI notes 21..108`);
    expect(reasons[high]).toBe(`${high}: no notes in MIDI notes 21..108 (1 outside, 0 percussion)`);
    expect(r.source).toContain('6 refused');
  });

  it('refuses an import with fewer than 3 usable files, listing each refusal, and leaves no roll file', async () => {
    const src = tmp();
    write(src, 'ok.mid', midiBytes([simple(60)]));
    const bad = write(src, 'bad.mid', 'plain text');
    const out = tmp();
    const msg = await refusal(importMusic({ paths: [src], outDir: out }));
    expect(msg).toContain('1 usable MIDI file(s), at least 3 are needed (one per split)');
    expect(msg).toContain(`${bad}: not a MIDI file`);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('refuses bad options and paths by name', async () => {
    const src = tmp();
    for (const n of ['a.mid', 'b.mid', 'c.mid']) write(src, n, midiBytes([simple(60)]));
    expect(await refusal(importMusic({ paths: [src], outDir: tmp(), stepsPerQuarter: 0 }))).toBe(
      'stepsPerQuarter: must be a whole number from 1 to 48, got 0',
    );
    expect(await refusal(importMusic({ paths: [path.join(src, 'nope')], outDir: tmp() }))).toMatch(/nope: no such file or folder$/);
    expect(await refusal(importMusic({ paths: [tmp()], outDir: tmp() }))).toMatch(/: no \.mid or \.midi files in this folder$/);
    const json = write(tmp(), 'set.json', JSON.stringify({ pitchOffset: 21, numPitches: 88, train: [], valid: [], test: [] }));
    expect(await refusal(importMusic({ paths: [json, src], outDir: tmp() }))).toMatch(
      /set\.json: a JSON piano-roll file carries its own splits and must be imported alone$/,
    );
  });
});

describe('importMusic from JSON piano rolls', () => {
  const small = { pitchOffset: 21, numPitches: 88, train: [[[1], [2]]], valid: [[[3], [4, 5]]], test: [[[6], []]] };

  it('keeps the file’s own splits', async () => {
    const p = write(tmp(), 'small.json', JSON.stringify(small));
    const r = await importMusic({ paths: [p], outDir: tmp() });
    expect(r.splits).toEqual({ train: { start: 0, end: 1 }, valid: { start: 1, end: 2 }, test: { start: 2, end: 3 } });
    expect(r.stats).toMatchObject({ files: 1, stepsPerQuarter: null, steps: 6 });
    expect(r.source).toBe('piano-roll JSON small.json with its own splits (1 / 1 / 1 sequences)');
    expect(openRollFile(r.rollFile).sequences.map((s) => steps(s))).toEqual([
      [[1], [2]],
      [[3], [4, 5]],
      [[6], []],
    ]);
  });

  it('refuses malformed JSON naming the file and the place', async () => {
    const dir = tmp();
    const bad = write(dir, 'bad.json', JSON.stringify({ ...small, valid: [[[3], [4, 91]]] }));
    expect(await refusal(importMusic({ paths: [bad], outDir: dir }))).toBe(`${bad}: valid[0][1][1]: pitch 91 is outside 0..87`);
    const broken = write(dir, 'broken.json', '{"pitchOffset": 21,');
    expect(await refusal(importMusic({ paths: [broken], outDir: dir }))).toMatch(new RegExp(`^${broken}: not valid JSON: `));
    const p = write(dir, 'small.json', JSON.stringify(small));
    expect(await refusal(importMusic({ paths: [p], outDir: dir, stepsPerQuarter: 2 }))).toMatch(
      /^stepsPerQuarter: applies to MIDI files only/,
    );
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('rolls'))).toEqual([]);
  });
});

describe('openRollFile', () => {
  it('refuses a damaged roll file naming the path and the byte', async () => {
    const p = write(
      tmp(),
      'small.json',
      JSON.stringify({ pitchOffset: 21, numPitches: 88, train: [[[1], [2]]], valid: [[[3], [4]]], test: [[[6], [7]]] }),
    );
    const r = await importMusic({ paths: [p], outDir: tmp() });
    const bytes = fs.readFileSync(r.rollFile);
    bytes[bytes.length - 10]! ^= 0xff;
    fs.writeFileSync(r.rollFile, bytes);
    expect(() => openRollFile(r.rollFile)).toThrow(new RegExp(`^${r.rollFile}: byte ${bytes.length - 4}: checksum mismatch`));
    fs.writeFileSync(r.rollFile, 'not a roll');
    expect(() => openRollFile(r.rollFile)).toThrow(MusicImportError);
  });
});

const haveJsb = fs.existsSync(JSB);
describe('the real JSB Chorales', () => {
  it.skipIf(!haveJsb)(`imports with 229 / 76 / 77 sequences${haveJsb ? '' : ` (skipped: ${JSB} is absent)`}`, async () => {
    const r: ImportedMusic = await importMusic({ paths: [JSB], outDir: tmp() });
    expect(r.stats.sequences).toEqual({ train: 229, valid: 76, test: 77 });
    expect(r.stats.steps).toBe(23134);
    expect(r.stats.meanActivePitches).toBeGreaterThan(3.5);
    expect(r.stats.meanActivePitches).toBeLessThanOrEqual(4);
    const set = openRollFile(r.rollFile);
    const direct = parsePianoRollJson(JSON.parse(fs.readFileSync(JSB, 'utf8')));
    expect(set.sequences.length).toBe(direct.sequences.length);
    expect(set.sequences.every((s, i) => Buffer.compare(Buffer.from(s), Buffer.from(direct.sequences[i]!)) === 0)).toBe(true);
    // The constant per-pitch predictor must lose to every published model (TCN 8.10 … RNN 8.91).
    const baseline = createMusicTask(set).baselineLoss!;
    expect(baseline).toBeGreaterThan(8.91);
    expect(baseline).toBeLessThan(40);
  });
  if (!haveJsb) console.warn(`music-import.test: ${JSB} is absent; the real-data test is skipped`);
});
