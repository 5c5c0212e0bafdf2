// MP3 decoding: Debian's sox here cannot write MP3 and there is no lame
// binary, so the fixture is encoded in the test by lamejs (pure JS, a
// devDependency). Its npm entry point is broken under Node (a global it
// expects is missing), so its self-contained lame.all.js is run in a vm.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodeAudioFile } from '../../core/data/audio-decode.ts';

interface Mp3Encoder {
  encodeBuffer(pcm: Int16Array): Int8Array;
  flush(): Int8Array;
}

function encodeMp3(pcm: Int16Array, rate: number): Buffer {
  const file = createRequire(import.meta.url).resolve('lamejs/lame.all.js');
  const context: { lamejs?: { Mp3Encoder: new (channels: number, rate: number, kbps: number) => Mp3Encoder } } = {};
  vm.createContext(context);
  vm.runInContext(`${fs.readFileSync(file, 'utf8')};this.lamejs = lamejs;`, context);
  const encoder = new context.lamejs!.Mp3Encoder(1, rate, 64);
  return Buffer.concat([encoder.encodeBuffer(pcm), encoder.flush()].map((p) => Buffer.from(p.buffer, p.byteOffset, p.length)));
}

/** Frequency from the rate of upward zero crossings. */
function zeroCrossingHz(x: Float32Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < x.length; i++) if (x[i - 1]! < 0 && x[i]! >= 0) crossings++;
  return crossings / (x.length / rate);
}

describe('MP3', () => {
  it('a 440 Hz tone encoded as MP3 decodes to a 440 Hz tone at the dataset rate, with its level', async () => {
    const rate = 16000;
    const pcm = Int16Array.from({ length: rate }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-mp3-'));
    const file = path.join(dir, 'tone.mp3');
    fs.writeFileSync(file, encodeMp3(pcm, rate));
    const clip = await decodeAudioFile(file, { rate: 8000 });
    // the encoder pads a frame or two of silence; judge the middle
    const middle = clip.samples.subarray(Math.floor(clip.samples.length * 0.25), Math.floor(clip.samples.length * 0.75));
    expect(clip.originalRate).toBe(rate);
    expect(clip.samples.length / 8000).toBeGreaterThan(0.95);
    expect(zeroCrossingHz(middle, 8000)).toBeGreaterThan(430);
    expect(zeroCrossingHz(middle, 8000)).toBeLessThan(450);
    const peak = middle.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak).toBeGreaterThan(0.2);
    expect(peak).toBeLessThan(0.3); // 8000 / 32768 ≈ 0.244
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
