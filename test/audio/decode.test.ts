// Tests for core/data/wav-decode.ts and audio-decode.ts with fixtures made in
// this run: sox tones at every WAV bit depth (8/16/24/32-bit integer, 32/64-bit
// float), rates and channel counts (extensible headers included) decode to
// what sox itself reads; FLAC/OGG through audio-decode; hand-built malformed
// WAVs are refused naming the file and the problem; a mutation fuzz never
// yields NaN or out-of-range samples; the resampler keeps a tone's frequency
// and removes a tone above the new Nyquist.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudioBytes, decodeAudioFile, resample } from '../../core/data/audio-decode.ts';
import { decodeWav, parseWavLayout } from '../../core/data/wav-decode.ts';
import { Rng } from '../../core/ml/rng.ts';
import {
  cleanup,
  HAS_ESPEAK,
  HAS_SOX,
  NO_ESPEAK,
  NO_SOX,
  SOX_FORMATS,
  espeak,
  midRms,
  pcm16Sine,
  soxRawFloat,
  soxTone,
  tmpDir,
  wavBytes,
  zeroCrossingHz,
} from './fixtures.ts';

afterAll(cleanup);

describe.skipIf(!HAS_SOX)('WAV variants made by sox', () => {
  if (!HAS_SOX) console.warn(NO_SOX);
  const dir = HAS_SOX ? tmpDir() : '';
  const cases: { label: string; bits: number; encoding: string; rate: number; channels: number; tolerance: number }[] = [
    { label: '8-bit unsigned', bits: 8, encoding: 'unsigned-integer', rate: 8000, channels: 1, tolerance: 1e-6 },
    { label: '16-bit', bits: 16, encoding: 'signed-integer', rate: 16000, channels: 2, tolerance: 1e-6 },
    { label: '24-bit (extensible)', bits: 24, encoding: 'signed-integer', rate: 22050, channels: 1, tolerance: 1e-6 },
    { label: '32-bit int (extensible)', bits: 32, encoding: 'signed-integer', rate: 44100, channels: 2, tolerance: 1e-6 },
    { label: '32-bit float', bits: 32, encoding: 'floating-point', rate: 48000, channels: 1, tolerance: 1e-6 },
    { label: '64-bit float', bits: 64, encoding: 'floating-point', rate: 44100, channels: 2, tolerance: 1e-6 },
    { label: '6 channels 16-bit (extensible)', bits: 16, encoding: 'signed-integer', rate: 48000, channels: 6, tolerance: 1e-6 },
    { label: '6 channels float (extensible)', bits: 32, encoding: 'floating-point', rate: 16000, channels: 6, tolerance: 1e-6 },
  ];
  for (const c of cases) {
    it(`${c.label}, ${c.rate} Hz, ${c.channels} ch: samples equal sox's own reading`, () => {
      const f = soxTone(path.join(dir, `${c.label.replace(/\W+/g, '-')}-${c.rate}.wav`), {
        rate: c.rate,
        bits: c.bits,
        encoding: c.encoding,
        channels: c.channels,
      });
      const bytes = new Uint8Array(fs.readFileSync(f));
      const d = decodeWav(bytes, path.basename(f));
      expect(d.sampleRate).toBe(c.rate);
      expect(d.channels.length).toBe(c.channels);
      const ref = soxRawFloat(f);
      expect(d.channels[0]!.length * c.channels).toBe(ref.length);
      let worst = 0;
      for (let ch = 0; ch < c.channels; ch++)
        for (let i = 0; i < d.channels[ch]!.length; i++) worst = Math.max(worst, Math.abs(d.channels[ch]![i]! - ref[i * c.channels + ch]!));
      expect(worst).toBeLessThanOrEqual(c.tolerance);
      if (c.channels > 2 || c.bits > 16) expect(d.layout.extensible || c.encoding === 'floating-point').toBe(true);
    });
  }

  it('every rate decodes, mixes down and resamples to a 440 Hz tone at the dataset rate', async () => {
    for (const rate of [8000, 16000, 22050, 44100, 48000]) {
      const f = soxTone(path.join(dir, `tone-${rate}.wav`), { rate, channels: 2, seconds: 0.5 });
      const clip = await decodeAudioFile(f, { rate: 16000 });
      expect(clip.sampleRate).toBe(16000);
      expect(clip.originalRate).toBe(rate);
      expect(clip.channels).toBe(2);
      expect(clip.samples.length).toBe(8000);
      expect(Math.abs(zeroCrossingHz(clip.samples, 16000) - 440)).toBeLessThan(5);
      expect(midRms(clip.samples)).toBeCloseTo(0.5 / Math.SQRT2, 2);
    }
  });

  const other: [string, string][] = [
    ['flac', 'flac'],
    ['ogg', 'ogg'],
    ['mp3', 'mp3'],
    ['opus', 'opus'],
  ];
  for (const [ext, soxName] of other) {
    const canWrite = SOX_FORMATS.has(soxName);
    if (!canWrite) console.warn(`sox on this machine cannot write .${ext}: skipping the ${ext} decode test (audio-decode still reads it)`);
    it.skipIf(!canWrite)(`.${ext} decodes through audio-decode to the same tone`, async () => {
      const f = soxTone(path.join(dir, `tone.${ext}`), { rate: 44100, channels: 2, seconds: 0.5 });
      const clip = await decodeAudioFile(f, { rate: 16000 });
      expect(clip.originalRate).toBe(44100);
      expect(Math.abs(zeroCrossingHz(clip.samples, 16000) - 440)).toBeLessThan(5);
      expect(midRms(clip.samples)).toBeGreaterThan(0.3);
    });
  }

  it.skipIf(!SOX_FORMATS.has('flac'))('a truncated FLAC is refused or decodes to finite samples, never NaN', async () => {
    const f = soxTone(path.join(dir, 'cut.flac'), { rate: 16000, seconds: 0.5 });
    const bytes = new Uint8Array(fs.readFileSync(f)).subarray(0, 200);
    const r = await decodeAudioBytes(bytes, 'cut.flac').then(
      (d) => d.channels.every((c) => c.every(Number.isFinite)),
      (e: Error) => e.message,
    );
    if (typeof r === 'string') expect(r).toMatch(/^cut\.flac: /);
    else expect(r).toBe(true);
  });
});

describe.skipIf(!HAS_ESPEAK)('speech from espeak-ng', () => {
  if (!HAS_ESPEAK) console.warn(NO_ESPEAK);
  it('decodes to non-silent 16 kHz audio', async () => {
    const f = espeak(path.join(tmpDir(), 'speech.wav'), 'Sequence lab hears a short sentence.');
    const clip = await decodeAudioFile(f, { rate: 16000, trimSilenceDb: -40 });
    expect(clip.originalRate).toBe(22050);
    expect(clip.samples.length / 16000).toBeGreaterThan(0.8);
    expect(midRms(clip.samples)).toBeGreaterThan(0.01);
  });
});

describe('malformed WAV files are refused with the file and the problem', () => {
  const sine = pcm16Sine(800, 440, 16000);
  const good = wavBytes({ data: sine });
  const cases: [string, Uint8Array, RegExp][] = [
    ['truncated data', good.subarray(0, 44 + 1024), /^x\.wav: data chunk claims 1600 bytes but only 1024 follow/],
    [
      'a chunk before data claims too much',
      wavBytes({ data: sine, before: [{ id: 'LIST', body: new Uint8Array(10), size: 1_000_000 }] }),
      /^x\.wav: chunk "LIST" at byte 36 claims 1000000 bytes/,
    ],
    ['not a WAV file', new TextEncoder().encode('just some text pretending to be audio, long enough'), /^x\.wav: not a WAV file/],
    ['zero-length data', wavBytes({ data: new Uint8Array(0) }), /^x\.wav: data chunk is empty/],
    ['size 0xFFFFFFFF', wavBytes({ data: sine, dataSize: 0xffffffff }), /^x\.wav: data chunk size is 0xFFFFFFFF/],
    ['blockAlign 0', wavBytes({ data: sine, blockAlign: 0 }), /^x\.wav: fmt says blockAlign 0/],
    ['wrong blockAlign', wavBytes({ data: sine, blockAlign: 4 }), /^x\.wav: fmt says blockAlign 4, but 1 channel\(s\) of 16 bits need 2/],
    ['missing fmt', wavBytes({ data: sine, omitFmt: true }), /^x\.wav: data chunk comes before the fmt chunk/],
    ['RIFX', wavBytes({ data: sine, riff: 'RIFX' }), /^x\.wav: big-endian WAV \(RIFX\)/],
    ['RF64', wavBytes({ data: sine, riff: 'RF64' }), /^x\.wav: RF64/],
    ['12-bit', wavBytes({ data: sine, bits: 12, blockAlign: 2 }), /^x\.wav: unsupported encoding: format tag 0x1 with 12 bits/],
    ['A-law', wavBytes({ data: sine, format: 6, bits: 8 }), /^x\.wav: unsupported encoding: format tag 0x6/],
    ['0 channels', wavBytes({ data: sine, channels: 0, blockAlign: 2 }), /^x\.wav: fmt says 0 channels/],
    ['too short', new Uint8Array(6), /^x\.wav: only 6 bytes/],
    ['less than one frame', wavBytes({ data: new Uint8Array(1) }), /^x\.wav: data chunk holds 1 bytes, less than one frame/],
  ];
  for (const [label, bytes, message] of cases) {
    it(label, async () => {
      await expect(decodeAudioBytes(bytes, 'x.wav')).rejects.toThrow(message);
    });
  }

  it('NaN in a float WAV is refused', () => {
    const data = new Float32Array([0.1, NaN, 0.2, 0.3]);
    expect(() => decodeWav(wavBytes({ data: new Uint8Array(data.buffer), format: 3, bits: 32 }), 'nan.wav')).toThrow(
      /^nan\.wav: sample 1 is NaN/,
    );
  });

  it('an odd-sized LIST chunk before data (with its pad byte) decodes exactly', () => {
    const bytes = wavBytes({ data: sine, before: [{ id: 'LIST', body: new Uint8Array([1, 2, 3]) }] });
    const d = decodeWav(bytes, 'odd.wav');
    const expected = decodeWav(good, 'good.wav');
    expect(d.channels[0]).toEqual(expected.channels[0]);
    expect(parseWavLayout(bytes, 'odd.wav').dataOffset).toBe(44 + 12);
  });

  it('decodes a long file block by block without seams (stereo, 300000 frames)', () => {
    const frames = 300_000;
    const b = Buffer.alloc(frames * 4);
    for (let i = 0; i < frames; i++) {
      b.writeInt16LE(((i * 7) % 65536) - 32768, i * 4);
      b.writeInt16LE(32767 - ((i * 3) % 65536), i * 4 + 2);
    }
    const d = decodeWav(wavBytes({ data: b, channels: 2 }), 'long.wav');
    expect(d.channels[0]!.length).toBe(frames);
    for (const i of [0, 1, 262_143, 262_144, 262_145, frames - 1]) {
      expect(d.channels[0]![i]).toBe(b.readInt16LE(i * 4) / 32768);
      expect(d.channels[1]![i]).toBe(b.readInt16LE(i * 4 + 2) / 32768);
    }
  });

  it('a partial trailing frame is dropped, not decoded as noise', () => {
    const d = decodeWav(wavBytes({ data: sine.subarray(0, 801), dataSize: 801, channels: 1 }), 'odd-data.wav');
    expect(d.channels[0]!.length).toBe(400);
  });

  it('fuzz: random byte mutations are refused by name or decode to finite samples in [-1, 1]', async () => {
    const rng = new Rng(7);
    const base = wavBytes({ data: sine.subarray(0, 200), before: [{ id: 'LIST', body: new Uint8Array([1, 2, 3]) }] });
    for (let k = 0; k < 300; k++) {
      const b = Uint8Array.from(base);
      const edits = 1 + rng.int(4);
      for (let e = 0; e < edits; e++) b[rng.int(Math.min(b.length, 80))] = rng.int(256); // the header is where parsers break
      const cut = rng.next() < 0.3 ? b.subarray(0, rng.int(b.length)) : b;
      try {
        const d = await decodeAudioBytes(cut, 'fuzz.wav');
        for (const ch of d.channels) for (const v of ch) expect(Number.isFinite(v) && v >= -1 && v <= 1).toBe(true);
      } catch (e) {
        expect((e as Error).message).toMatch(/^fuzz\.wav: /);
      }
    }
  });
});

describe('resampler (libsamplerate sinc)', () => {
  const tone = (freq: number, rate: number, seconds: number) =>
    Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => 0.5 * Math.sin((2 * Math.PI * freq * i) / rate));

  it('keeps a 1 kHz tone at 1 kHz from 44.1 kHz to 8 kHz, at full level and exact length', async () => {
    const out = await resample(tone(1000, 44100, 0.5), 44100, 8000);
    expect(out.length).toBe(4000);
    expect(Math.abs(zeroCrossingHz(out, 8000) - 1000)).toBeLessThan(5);
    expect(midRms(out)).toBeCloseTo(0.5 / Math.SQRT2, 2);
  });

  it('suppresses a 7 kHz tone (above the 4 kHz Nyquist) by more than 40 dB instead of aliasing it to 1 kHz', async () => {
    const input = tone(7000, 44100, 0.5);
    const out = await resample(input, 44100, 8000);
    const db = 20 * Math.log10(midRms(out) / midRms(input));
    expect(db).toBeLessThan(-40);
  });

  it('upsamples 8 kHz to 22.05 kHz keeping the frequency', async () => {
    const out = await resample(tone(440, 8000, 0.5), 8000, 22050);
    expect(out.length).toBe(11025);
    expect(Math.abs(zeroCrossingHz(out, 22050) - 440)).toBeLessThan(5);
  });
});
