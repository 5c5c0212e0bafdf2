// Tests for core/data/audio-import.ts and core/services/audio-datasets.ts:
// a folder of real audio (sox tones, espeak-ng speech) with broken files in it
// imports the good clips and reports each refused one; a refused single file
// leaves nothing in the history or the data folder; the split is by clip and
// deterministic; the stored codes decode back to the tone; the dataset opens
// as a 256-class audio task; the built-in melodies and clip playback work.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { assignClipSplits, importAudio } from '../../core/data/audio-import.ts';
import { openTokenFile } from '../../core/data/token-file.ts';
import { muLawDecode } from '../../core/ml/audio/mu-law.ts';
import { synthesizeMelodies } from '../../core/ml/audio/builtin-melodies.ts';
import { audioClipWav } from '../../core/services/audio-datasets.ts';
import { audioTaskOf } from '../../core/datasets/audio.ts';
import { majorityKind } from '../../core/services/folder-kind.ts';
import { BUILTIN_NAMES, ensureBuiltinDataset, importDataset } from '../../core/services/datasets.ts';
import { describeDatasetTask, lossUnitOf, openTaskData } from '../../core/datasets/registry.ts';
import { datasetPreviewText } from '../../core/datasets/registry.ts';
import type { HandlerContext } from '../../core/app/handler-context.ts';
import { handlers } from '../../core/app/lab-handlers.ts';
import { datasetSummary } from '../../core/app/record-summaries.ts';
import { labRequests } from '../../core/contract/lab-contract.ts';
import { History } from '../../core/storage/history.ts';
import { cleanup, HAS_ESPEAK, HAS_SOX, NO_SOX, espeak, midRms, pcm16Sine, soxTone, tmpDir, wavBytes, zeroCrossingHz } from './fixtures.ts';

const { WaveFile } = wavefile;
afterAll(cleanup);

function lab(): { history: History; dataDir: string; datasetFolders: () => string[] } {
  const dataDir = tmpDir('seqlab-audio-lab-');
  const history = History.open(dataDir);
  const datasetFolders = () => (fs.existsSync(path.join(dataDir, 'datasets')) ? fs.readdirSync(path.join(dataDir, 'datasets')) : []);
  return { history, dataDir, datasetFolders };
}

describe('clip splits', () => {
  it('are deterministic, by name, and give every split a clip from 3 clips on', () => {
    for (const n of [3, 4, 7, 20, 50]) {
      const names = Array.from({ length: n }, (_, i) => `clip-${i}.wav`);
      const s = assignClipSplits(names);
      expect(assignClipSplits(names)).toEqual(s);
      for (const k of ['train', 'valid', 'test']) expect(s).toContain(k);
      expect(s.filter((x) => x === 'train').length).toBeGreaterThanOrEqual(Math.floor(n / 3));
    }
  });
});

describe('hand-built WAV import (no tools needed)', () => {
  it('a single refused file leaves no row and no folder', async () => {
    const { history, dataDir, datasetFolders } = lab();
    const dir = tmpDir();
    const bad = path.join(dir, 'broken.wav');
    fs.writeFileSync(bad, wavBytes({ data: pcm16Sine(8000, 440, 16000) }).subarray(0, 44 + 1024));
    await expect(importDataset(history, dataDir, { paths: [bad], level: 'char' })).rejects.toThrow(
      /^broken\.wav: data chunk claims 16000 bytes but only 1024 follow/,
    );
    expect(history.listDatasets()).toEqual([]);
    expect(datasetFolders()).toEqual([]);
    history.close();
  });

  it('two clips split the stream 90/5/5, decode back to the tone, and open as an audio task', async () => {
    const { history, dataDir } = lab();
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'a.wav'), wavBytes({ data: pcm16Sine(16000, 500, 16000) }));
    fs.writeFileSync(path.join(dir, 'b.wav'), wavBytes({ data: pcm16Sine(8000, 500, 16000) }));
    expect(majorityKind([dir])).toBe('audio');
    const d = await importDataset(history, dataDir, { paths: [dir], level: 'char', name: 'two' });
    expect(d.kind).toBe('audio');
    expect(d.level).toBeNull();
    expect(d.stats.vocabSize).toBe(256);
    expect(d.stats.tokens).toBe(24000);
    expect(d.splits).toEqual({ train: { start: 0, end: 21600 }, valid: { start: 21600, end: 22800 }, test: { start: 22800, end: 24000 } });
    const t = audioTaskOf(d);
    expect(t.sampleRate).toBe(16000);
    expect(t.muLaw).toBe(255);
    expect(t.clips.map((c) => [c.name, c.seconds, c.split])).toEqual([
      ['a.wav', 1, 'stream'],
      ['b.wav', 0.5, 'stream'],
    ]);
    expect(t.baseline.loss).toBeGreaterThan(0);
    expect(t.baseline.loss).toBeLessThan(Math.log(256));
    // The stored codes are the tone.
    const file = openTokenFile(d.tokenFile);
    const x = muLawDecode(file.read(0, 16000));
    file.close();
    expect(Math.abs(zeroCrossingHz(x, 16000) - 500)).toBeLessThan(3);
    expect(midRms(x)).toBeCloseTo(0.5 / Math.SQRT2, 2);
    // Task, summary, preview, playback.
    const opened = openTaskData(d);
    expect(opened.data.task).toBe('audio');
    expect(opened.data.outputSize).toBe(256);
    expect(opened.data.output).toBe('categorical');
    expect(opened.data.baselineLoss).toBe(t.baseline.loss);
    const b = opened.data.trainStream(2, 32, 1).next();
    expect(b.inputShape).toEqual([2, 32]);
    opened.close();
    expect(lossUnitOf(d)).toBe('nats');
    expect(describeDatasetTask(d)).toMatch(/^audio, next-sample prediction at 16000 Hz: cross-entropy over 256 mu-law codes/);
    expect(labRequests.listDatasets.result.safeParse([datasetSummary(d)]).success).toBe(true);
    expect(datasetSummary(d).audio).toEqual({ sampleRate: 16000, clips: 2, seconds: 1.5, originalRates: [16000] });
    expect(datasetPreviewText(d, 2000)).toMatch(/2 clip\(s\), 1\.5 s of 8-bit mu-law audio at 16000 Hz[\s\S]*a\.wav/);
    const clip = audioClipWav(d, 1, 0.25);
    expect(labRequests.datasetAudioClip.result.safeParse(clip).success).toBe(true);
    expect(await handlers.datasetAudioClip({ history } as unknown as HandlerContext, { id: d.id, clip: 0, maxSeconds: 30 })).toMatchObject({
      name: 'a.wav',
      seconds: 1,
    });
    expect(clip).toMatchObject({ name: 'b.wav', sampleRate: 16000, seconds: 0.25 });
    const wav = new WaveFile(Buffer.from(clip.wavBase64, 'base64'));
    expect((wav as unknown as { fmt: { bitsPerSample: number; sampleRate: number } }).fmt).toMatchObject({
      bitsPerSample: 16,
      sampleRate: 16000,
    });
    expect(() => audioClipWav(d, 2)).toThrow(/^clip: dataset "two" has 2 clip\(s\), numbered 0 to 1; got 2/);
    // Same files, same fingerprint.
    const again = await importDataset(history, dataDir, { paths: [dir], level: 'char', name: 'two-again' });
    expect(again.fingerprint).toBe(d.fingerprint);
    const at8k = await importDataset(history, dataDir, { paths: [dir], level: 'char', name: 'two-8k', rate: 8000 });
    expect(at8k.stats.tokens).toBe(12000);
    expect(at8k.fingerprint).not.toBe(d.fingerprint);
    await expect(importDataset(history, dataDir, { paths: [dir], level: 'char', name: 'bad-rate', rate: 44100 })).rejects.toThrow(
      /^rate: 44100 Hz is not offered; use 8000, 16000, 22050/,
    );
    history.close();
  });
});

describe.skipIf(!HAS_SOX)('folder of real audio with broken files', () => {
  if (!HAS_SOX) console.warn(NO_SOX);
  it('imports the good clips, reports each refused file, splits by clip', async () => {
    const { history, dataDir } = lab();
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'sub'));
    soxTone(path.join(dir, 'tone-44k-stereo.wav'), { rate: 44100, channels: 2, seconds: 0.4, bits: 24 });
    soxTone(path.join(dir, 'tone-48k-6ch.wav'), { rate: 48000, channels: 6, seconds: 0.4 });
    soxTone(path.join(dir, 'sub', 'tone-8k.flac'), { rate: 8000, seconds: 0.4 });
    soxTone(path.join(dir, 'sub', 'tone-22k.ogg'), { rate: 22050, seconds: 0.4, freq: 660 });
    if (HAS_ESPEAK) espeak(path.join(dir, 'speech.wav'), 'hello from the audio importer');
    fs.writeFileSync(path.join(dir, 'notes.wav'), 'these are not samples at all, just words');
    fs.writeFileSync(path.join(dir, 'sub', 'cut.wav'), wavBytes({ data: pcm16Sine(4000, 440, 16000) }).subarray(0, 300));
    const d = await importDataset(history, dataDir, { paths: [dir], level: 'char', rate: 8000, trimSilenceDb: -45 });
    const t = audioTaskOf(d);
    const good = HAS_ESPEAK ? 5 : 4;
    expect(t.clips.length).toBe(good);
    expect(t.refused.map((r) => r.file).sort()).toEqual(['notes.wav', 'sub/cut.wav']);
    expect(t.refused.find((r) => r.file === 'notes.wav')!.reason).toMatch(/^not a WAV file/);
    expect(t.refused.find((r) => r.file === 'sub/cut.wav')!.reason).toMatch(/^data chunk claims 8000 bytes but only 256 follow/);
    expect(t.stats.originalRates).toEqual([8000, 22050, 44100, 48000]); // espeak-ng speaks at 22050 too
    expect(t.trimmedSilence?.thresholdDb).toBe(-45);
    for (const k of ['train', 'valid', 'test'] as const) expect(t.clips.some((c) => c.split === k)).toBe(true);
    // Splits are contiguous ranges of whole clips.
    for (const k of ['train', 'valid', 'test'] as const) {
      const inSplit = t.clips.filter((c) => c.split === k);
      expect(d.splits[k]).toEqual({ start: inSplit[0]!.start, end: inSplit.at(-1)!.end });
    }
    const six = t.clips.find((c) => c.name === 'tone-48k-6ch.wav')!;
    expect(six).toMatchObject({ channels: 6, originalRate: 48000 });
    const file = openTokenFile(d.tokenFile);
    const x = muLawDecode(file.read(six.start, six.end - six.start));
    file.close();
    expect(Math.abs(zeroCrossingHz(x, 8000) - 440)).toBeLessThan(10);
    history.close();
  });

  it('importAudio refuses a folder where every file is bad, naming each', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'a.wav'), 'nope');
    fs.writeFileSync(path.join(dir, 'b.flac'), 'nope either');
    await expect(importAudio({ paths: [dir], outDir: tmpDir() })).rejects.toThrow(/^audio: every file was refused: a\.wav: .*; b\.flac: /);
  });
});

describe('built-in melodies', () => {
  it('are deterministic, in range, and about a minute', () => {
    const a = synthesizeMelodies({ seed: 1, clips: 2, seconds: 1 });
    const b = synthesizeMelodies({ seed: 1, clips: 2, seconds: 1 });
    expect(a[0]!.samples).toEqual(b[0]!.samples);
    expect(a[0]!.samples).not.toEqual(synthesizeMelodies({ seed: 2, clips: 1, seconds: 1 })[0]!.samples);
    for (const c of a) {
      expect(c.samples.every((v) => Math.abs(v) <= 1)).toBe(true);
      expect(midRms(c.samples)).toBeGreaterThan(0.05);
    }
  });

  it('register as the built-in dataset "melodies"', async () => {
    const { history, dataDir } = lab();
    expect(BUILTIN_NAMES).toContain('melodies');
    const d = await ensureBuiltinDataset(history, dataDir, 'melodies');
    expect(d.kind).toBe('audio');
    const t = audioTaskOf(d);
    expect(t.clips.length).toBe(12);
    expect(t.stats.seconds).toBeCloseTo(60, 5);
    expect(t.baseline.loss).toBeLessThan(Math.log(256));
    expect((await ensureBuiltinDataset(history, dataDir, 'melodies')).id).toBe(d.id);
    history.close();
  });
});
