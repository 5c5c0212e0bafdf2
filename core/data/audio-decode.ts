// Decodes one audio file to mono float samples at the dataset's rate: WAV via
// our RIFF walk + wavefile (wav-decode.ts), FLAC / MP3 / OGG (Vorbis, Opus)
// via audio-decode; then mix-down, band-limited resampling (libsamplerate's
// sinc converter, wasm) and optional silence trimming. Every refusal names the
// file and the problem. Node side: reads files.
import fs from 'node:fs';
import path from 'node:path';
import decodeAudio from 'audio-decode';
import libsamplerate from '@alexanderolsen/libsamplerate-js';
import { mixToMono, sanitize, trimSilence } from '../ml/audio/dsp.ts';
import { DATASET_FILE_EXTENSIONS } from '../contract/kinds.ts';
import { decodeWav } from './wav-decode.ts';

/** Extensions an audio import accepts (lower case): the audio kind's list, shared with the app's pickers. */
export const AUDIO_EXTENSIONS = DATASET_FILE_EXTENSIONS.audio;
/** Rates a dataset may be stored at. */
export const AUDIO_RATES = [8000, 16000, 22050] as const;
export type AudioRate = (typeof AUDIO_RATES)[number];
export const DEFAULT_AUDIO_RATE: AudioRate = 16000;
/**
 * Bigger files are refused before reading (about 23 minutes of 48 kHz 16-bit
 * stereo): decoding holds the file plus float32 copies of every channel.
 */
export const MAX_AUDIO_FILE_BYTES = 256 * 1024 * 1024;

export const isAudioFile = (f: string): boolean => AUDIO_EXTENSIONS.some((e) => f.toLowerCase().endsWith(e));

/** One decoded clip, ready to be mu-law encoded. */
export interface DecodedClip {
  /** Mono samples in [-1, 1] at `sampleRate`. */
  samples: Float32Array;
  sampleRate: number;
  originalRate: number;
  channels: number;
  /** Seconds cut from the ends by silence trimming (0 without it). */
  trimmedSeconds: number;
  sourceBytes: number;
}

export interface DecodeOptions {
  rate?: AudioRate;
  /** Trim leading/trailing audio quieter than this (dBFS, e.g. -40); undefined keeps everything. */
  trimSilenceDb?: number;
}

/** Decodes bytes whose format the extension (or the bytes) tells; `name` is used in errors. */
export async function decodeAudioBytes(bytes: Uint8Array, name: string): Promise<{ channels: Float32Array[]; sampleRate: number }> {
  const isWav = /\.wave?$/i.test(name) || (bytes.length >= 4 && String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF');
  if (isWav) return decodeWav(bytes, name);
  let decoded: { channelData: Float32Array[]; sampleRate: number };
  try {
    decoded = await decodeAudio(bytes);
  } catch (e) {
    const msg = (e as Error).message || String(e);
    throw new Error(`${name}: cannot decode (${/unknown audio format/i.test(msg) ? 'not a FLAC, MP3, OGG or WAV file' : msg})`, {
      cause: e,
    });
  }
  const channels = decoded?.channelData ?? [];
  if (channels.length === 0 || channels[0]!.length === 0) throw new Error(`${name}: decoded to no samples (empty or truncated file?)`);
  if (!(decoded.sampleRate >= 1000 && decoded.sampleRate <= 768_000))
    throw new Error(`${name}: sample rate ${decoded.sampleRate} is outside 1000..768000`);
  return { channels, sampleRate: decoded.sampleRate };
}

/**
 * Band-limited resampling with libsamplerate's best sinc converter: it
 * low-passes at the lower Nyquist, so content above the new rate's Nyquist
 * is removed, not folded back. The output has exactly round(n · to / from)
 * samples: the input is padded with silence so the converter's delay line
 * drains.
 */
export async function resample(x: Float32Array, from: number, to: number): Promise<Float32Array> {
  if (from === to || x.length === 0) return x;
  const want = Math.round((x.length * to) / from);
  const pad = Math.ceil(from / 50); // 20 ms of zeros: more than the filter's delay
  const input = new Float32Array(x.length + pad);
  input.set(x);
  const src = await libsamplerate.create(1, from, to, { converterType: libsamplerate.ConverterType.SRC_SINC_BEST_QUALITY });
  try {
    const out = src.full(input);
    if (out.length >= want) return out.slice(0, want);
    const padded = new Float32Array(want);
    padded.set(out);
    return padded;
  } finally {
    src.destroy();
  }
}

/** Reads, decodes, mixes down, resamples and (optionally) trims one file. Throws "<file>: <problem>". */
export async function decodeAudioFile(file: string, opts: DecodeOptions = {}): Promise<DecodedClip> {
  const name = path.basename(file);
  const size = fs.statSync(file).size;
  if (size === 0) throw new Error(`${name}: empty file`);
  if (size > MAX_AUDIO_FILE_BYTES)
    throw new Error(`${name}: ${size} bytes, more than the ${MAX_AUDIO_FILE_BYTES} an audio file may have; split it into shorter files`);
  const bytes = new Uint8Array(fs.readFileSync(file));
  const { channels, sampleRate } = await decodeAudioBytes(bytes, name);
  return prepareClip(channels, sampleRate, name, size, opts);
}

/** Mix-down, resampling and trimming of decoded channels. */
export async function prepareClip(
  channels: Float32Array[],
  originalRate: number,
  name: string,
  sourceBytes: number,
  opts: DecodeOptions = {},
): Promise<DecodedClip> {
  const rate = opts.rate ?? DEFAULT_AUDIO_RATE;
  const mono = Float32Array.from(mixToMono(channels));
  const bad = sanitize(mono);
  if (bad > 0) throw new Error(`${name}: ${bad} sample(s) are NaN or infinite`);
  let samples = await resample(mono, originalRate, rate);
  sanitize(samples); // the sinc filter may overshoot full scale slightly (Gibbs)
  let trimmedSeconds = 0;
  if (opts.trimSilenceDb !== undefined) {
    const t = trimSilence(samples, rate, opts.trimSilenceDb);
    trimmedSeconds = (samples.length - t.samples.length) / rate;
    samples = t.samples;
    if (samples.length === 0)
      throw new Error(`${name}: nothing is louder than ${opts.trimSilenceDb} dBFS, so trimming silence leaves no audio`);
  }
  if (samples.length < 2) throw new Error(`${name}: fewer than 2 samples at ${rate} Hz`);
  return { samples, sampleRate: rate, originalRate, channels: channels.length, trimmedSeconds, sourceBytes };
}
