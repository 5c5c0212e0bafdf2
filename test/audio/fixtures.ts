// Audio fixtures made during the test run (nothing is committed): tones with
// sox, speech with espeak-ng, and hand-built WAV bytes for the malformed cases.
// Suites skip with a message naming the missing tool (CI installs both).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const has = (tool: string, arg: string): boolean => spawnSync(tool, [arg], { stdio: 'ignore' }).status === 0;
export const HAS_SOX = has('sox', '--version');
export const HAS_ESPEAK = has('espeak-ng', '--version');
export const NO_SOX = 'sox is not installed: skipping the sox-made audio fixtures (apt-get install sox)';
export const NO_ESPEAK = 'espeak-ng is not installed: skipping the speech fixtures (apt-get install espeak-ng)';

/** File types this sox build can write, from `sox -h`. */
export const SOX_FORMATS: Set<string> = HAS_SOX
  ? new Set(/AUDIO FILE FORMATS: (.*)/.exec(execFileSync('sox', ['-h'], { encoding: 'utf8' }))?.[1]?.split(/\s+/) ?? [])
  : new Set();

const dirs: string[] = [];
export function tmpDir(prefix = 'seqlab-audio-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export function cleanup(): void {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** A sine tone written by sox; `encoding` as sox's -e (signed-integer, unsigned-integer, floating-point). */
export function soxTone(
  file: string,
  o: { rate: number; bits?: number; channels?: number; encoding?: string; freq?: number; seconds?: number; gain?: number },
): string {
  const args = ['-n', '-r', String(o.rate), '-c', String(o.channels ?? 1)];
  if (o.bits) args.push('-b', String(o.bits));
  if (o.encoding) args.push('-e', o.encoding);
  args.push(file, 'synth', String(o.seconds ?? 0.25), 'sine', String(o.freq ?? 440), 'vol', String(o.gain ?? 0.5));
  execFileSync('sox', args, { stdio: 'pipe' });
  return file;
}

/** Speech by espeak-ng (22050 Hz mono 16-bit WAV). */
export function espeak(file: string, text: string): string {
  execFileSync('espeak-ng', ['-w', file, text], { stdio: 'pipe' });
  return file;
}

/** The same file as raw interleaved float32, converted by sox: the reference decoding. */
export function soxRawFloat(file: string): Float32Array {
  const out = file + '.f32';
  execFileSync('sox', [file, '-t', 'f32', out], { stdio: 'pipe' });
  const b = fs.readFileSync(out);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Hand-built WAV bytes: a fmt chunk, optional chunks before data, a data chunk; every size can be overridden. */
export function wavBytes(o: {
  format?: number;
  channels?: number;
  rate?: number;
  bits?: number;
  blockAlign?: number;
  data: Uint8Array;
  dataSize?: number;
  before?: { id: string; body: Uint8Array; size?: number; pad?: boolean }[];
  omitFmt?: boolean;
  riff?: string;
}): Uint8Array {
  const channels = o.channels ?? 1;
  const bits = o.bits ?? 16;
  const parts: Uint8Array[] = [];
  const chunk = (id: string, body: Uint8Array, size = body.length, pad = body.length % 2 === 1) => {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32LE(size >>> 0, 4);
    parts.push(h, body);
    if (pad) parts.push(new Uint8Array(1));
  };
  if (!o.omitFmt) {
    const fmt = Buffer.alloc(16);
    fmt.writeUInt16LE(o.format ?? 1, 0);
    fmt.writeUInt16LE(channels, 2);
    fmt.writeUInt32LE(o.rate ?? 16000, 4);
    fmt.writeUInt32LE(((o.rate ?? 16000) * channels * bits) / 8, 8);
    fmt.writeUInt16LE(o.blockAlign ?? (channels * bits) / 8, 12);
    fmt.writeUInt16LE(bits, 14);
    chunk('fmt ', fmt);
  }
  for (const b of o.before ?? []) chunk(b.id, b.body, b.size, b.pad);
  chunk('data', o.data, o.dataSize, false);
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(12);
  head.write(o.riff ?? 'RIFF', 0, 'latin1');
  head.writeUInt32LE(4 + body.length, 4);
  head.write('WAVE', 8, 'latin1');
  return Buffer.concat([head, body]);
}

/** 16-bit PCM bytes of a sine. */
export function pcm16Sine(n: number, freq: number, rate: number, amp = 0.5): Uint8Array {
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(amp * 32767 * Math.sin((2 * Math.PI * freq * i) / rate)), i * 2);
  return b;
}

/** Frequency of a tone from its zero crossings (middle 80%, to skip filter edges). */
export function zeroCrossingHz(x: Float32Array, rate: number): number {
  const a = Math.floor(x.length * 0.1);
  const b = Math.floor(x.length * 0.9);
  let crossings = 0;
  for (let i = a + 1; i < b; i++) if (x[i - 1]! < 0 !== x[i]! < 0) crossings++;
  return crossings / 2 / ((b - a) / rate);
}

/** RMS of the middle 80%. */
export function midRms(x: Float32Array): number {
  const a = Math.floor(x.length * 0.1);
  const b = Math.floor(x.length * 0.9);
  let s = 0;
  for (let i = a; i < b; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, b - a));
}
