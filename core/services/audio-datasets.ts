// Audio datasets: import of audio files into mu-law token files, the built-in
// synthesised `melodies` corpus, the task parameters stored with them, and
// playback of one stored clip as a 16-bit WAV. Like the other imports, a
// failed import leaves no folder and no history row behind.
import fs from 'node:fs';
import wavefile from 'wavefile';
import { z } from 'zod';
import { AUDIO_RATES, DEFAULT_AUDIO_RATE, type AudioRate } from '../data/audio-decode.ts';
import { importAudio, writeAudioClips, type AudioImportProgress, type ImportedAudio } from '../data/audio-import.ts';
import { openTokenFile } from '../data/token-file.ts';
import { synthesizeMelodies } from '../ml/audio/builtin-melodies.ts';
import { MU, MU_LAW_CLASSES, muLawDecode, muLawEncode } from '../ml/audio/mu-law.ts';
import { CapacityError } from '../ml/baselines/int-key-map.ts';
import { NgramModel } from '../ml/baselines/ngram.ts';
import { unigramEntropyBits } from '../ml/text/vocab.ts';
import type { DatasetRecord, History } from '../storage/history.ts';
import { checkDatasetName, newDatasetFolder } from './dataset-folders.ts';
import { majorityKind } from './folder-kind.ts';

const { WaveFile } = wavefile;

/** The task_json of an audio dataset, checked whenever it is read back. */
export const audioTaskSchema = z.object({
  sampleRate: z.number().int().positive(),
  muLaw: z.literal(MU),
  clips: z.array(
    z.object({
      name: z.string(),
      start: z.number().int().nonnegative(),
      end: z.number().int().nonnegative(),
      seconds: z.number().nonnegative(),
      originalRate: z.number().positive(),
      channels: z.number().int().positive(),
      /** 'stream': with 1-2 clips the concatenated stream is split 90 / 5 / 5 instead of by clip. */
      split: z.enum(['train', 'valid', 'test', 'stream']),
    }),
  ),
  /** Silence trimming applied at import: threshold and seconds cut; null when off. */
  trimmedSilence: z.object({ thresholdDb: z.number(), seconds: z.number() }).nullable(),
  stats: z.object({ clips: z.number().int(), seconds: z.number(), originalRates: z.array(z.number()) }),
  baseline: z.object({ label: z.string(), loss: z.number() }),
  refused: z.array(z.object({ file: z.string(), reason: z.string() })).default([]),
});
export type AudioTask = z.infer<typeof audioTaskSchema>;

/** The checked audio task of `d`; throws naming the dataset when it is damaged. */
export function audioTaskOf(d: DatasetRecord): AudioTask {
  const t = audioTaskSchema.safeParse(d.task);
  if (!t.success) throw new Error(`dataset "${d.name}": its stored audio parameters are invalid (${t.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
  return t.data;
}

/** True when most recognised files given (or in a given folder) are audio (see folder-kind.ts). */
export function looksLikeAudio(paths: string[]): boolean {
  return majorityKind(paths) === 'audio';
}

/**
 * Valid loss of a count model over the codes, in nats: a Kneser-Ney 3-gram
 * trained on (at most 2M codes of) train, which a model must beat to have
 * learnt more than local sample-to-sample correlation; the unigram entropy if
 * the n-gram table overflows.
 */
function audioBaseline(tokenFile: string, splits: DatasetRecord['splits']): { label: string; loss: number } {
  const source = openTokenFile(tokenFile);
  try {
    const train = { start: splits.train.start, end: Math.min(splits.train.end, splits.train.start + 2_000_000) };
    const valid = { start: splits.valid.start, end: Math.min(splits.valid.end, splits.valid.start + 200_000) };
    try {
      const model = NgramModel.train(source, { order: 3, vocabSize: MU_LAW_CLASSES }, train);
      return { label: '3-gram over mu-law codes, Kneser-Ney', loss: model.evaluate(source, valid).loss };
    } catch (e) {
      if (!(e instanceof CapacityError)) throw e;
      const model = NgramModel.train(source, { order: 1, vocabSize: MU_LAW_CLASSES }, train);
      return { label: 'mu-law code frequencies (unigram)', loss: model.evaluate(source, valid).loss };
    }
  } finally {
    source.close();
  }
}

async function storeAudio(
  history: History,
  dataDir: string,
  name: string,
  make: (outDir: string) => Promise<Omit<ImportedAudio, 'refused'> & { refused?: ImportedAudio['refused'] }>,
  trimDb: number | undefined,
): Promise<DatasetRecord & { refused: ImportedAudio['refused'] }> {
  checkDatasetName(name);
  if (history.getDataset(name)) throw new Error(`--name: dataset "${name}" already exists; pick another name`);
  const outDir = newDatasetFolder(dataDir, name);
  try {
    const a = await make(outDir);
    const refused = a.refused ?? [];
    const task: AudioTask = {
      sampleRate: a.sampleRate,
      muLaw: MU,
      clips: a.clips,
      trimmedSilence: trimDb === undefined ? null : { thresholdDb: trimDb, seconds: a.stats.trimmedSeconds },
      stats: { clips: a.clips.length, seconds: a.stats.seconds, originalRates: a.stats.originalRates },
      baseline: audioBaseline(a.tokenFile, a.splits),
      refused,
    };
    const record = history.insertDataset({
      name,
      kind: 'audio',
      level: null,
      source: a.source,
      fingerprint: a.fingerprint,
      encoding: `8-bit mu-law, ${a.sampleRate} Hz`,
      vocab: { level: 'char', symbols: Array.from({ length: MU_LAW_CLASSES }, (_, i) => String(i)), unknownId: -1 },
      stats: { sourceBytes: a.stats.sourceBytes, files: a.stats.files, tokens: a.stats.tokens, vocabSize: MU_LAW_CLASSES, unknownTokens: 0, unigramEntropyBits: unigramEntropyBits(a.counts) },
      splits: a.splits,
      tokenFile: a.tokenFile,
      task,
    });
    return { ...record, refused };
  } catch (e) {
    fs.rmSync(outDir, { recursive: true, force: true });
    throw e;
  }
}

export interface ImportAudioDatasetOptions {
  paths: string[];
  name: string;
  rate?: number;
  trimSilenceDb?: number;
  onProgress?: (p: AudioImportProgress) => void;
}

/** Checks the dataset rate (a flag or a request field) against the offered rates. */
export function checkAudioRate(rate: number | undefined): AudioRate {
  if (rate === undefined) return DEFAULT_AUDIO_RATE;
  if (!(AUDIO_RATES as readonly number[]).includes(rate)) throw new Error(`--rate: ${rate} Hz is not offered; use ${AUDIO_RATES.join(', ')}`);
  return rate as AudioRate;
}

/** Imports audio files / folders as an audio dataset; refused files of a folder are listed in `refused`. */
export async function importAudioDataset(history: History, dataDir: string, opts: ImportAudioDatasetOptions): Promise<DatasetRecord & { refused: ImportedAudio['refused'] }> {
  const rate = checkAudioRate(opts.rate);
  if (opts.trimSilenceDb !== undefined && !(opts.trimSilenceDb < 0 && opts.trimSilenceDb >= -120)) {
    throw new Error(`--trim-silence: ${opts.trimSilenceDb} dB must be a level below full scale, from -120 to below 0 (e.g. -40)`);
  }
  return storeAudio(
    history,
    dataDir,
    opts.name,
    (outDir) => importAudio({ paths: opts.paths, outDir, rate, ...(opts.trimSilenceDb !== undefined ? { trimSilenceDb: opts.trimSilenceDb } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) }),
    opts.trimSilenceDb,
  );
}

export const MELODIES_NAME = 'melodies';
export const MELODIES_DESCRIPTION = 'Audio: one minute of synthesised melodies (harmonic tones with vibrato and ADSR envelopes, pentatonic), 12 clips, 8-bit mu-law at 16 kHz.';

/** Synthesises and stores the built-in `melodies` corpus. */
export async function createMelodiesDataset(history: History, dataDir: string, name = MELODIES_NAME): Promise<DatasetRecord> {
  const rate = DEFAULT_AUDIO_RATE;
  return storeAudio(
    history,
    dataDir,
    name,
    async (outDir) => {
      const clips = synthesizeMelodies({ seed: 1, sampleRate: rate }).map((m) => ({ name: m.name, codes: muLawEncode(m.samples), originalRate: rate, channels: 1, sourceBytes: 0, trimmedSeconds: 0 }));
      return { ...writeAudioClips(clips, outDir, rate, 'builtin melodies seed 1'), source: `built-in: ${MELODIES_DESCRIPTION}` };
    },
    undefined,
  );
}

/** Seconds a playback request may return at most (a 16 kHz minute is ~2 MB of WAV). */
export const MAX_CLIP_SECONDS = 60;

/**
 * One stored clip decoded from its mu-law codes to a 16-bit PCM WAV (what
 * the model sees, quantisation included), base64 for the contract.
 */
export function audioClipWav(d: DatasetRecord, clip: number, maxSeconds = 30): { name: string; sampleRate: number; seconds: number; wavBase64: string } {
  if (d.kind !== 'audio') throw new Error(`id: dataset "${d.name}" is ${d.kind}, not audio`);
  const task = audioTaskOf(d);
  const c = task.clips[clip];
  if (!c) throw new Error(`clip: dataset "${d.name}" has ${task.clips.length} clip(s), numbered 0 to ${task.clips.length - 1}; got ${clip}`);
  const count = Math.min(c.end - c.start, Math.round(Math.min(maxSeconds, MAX_CLIP_SECONDS) * task.sampleRate));
  const file = openTokenFile(d.tokenFile);
  let codes: Int32Array;
  try {
    codes = file.read(c.start, count);
  } finally {
    file.close();
  }
  return { name: c.name, sampleRate: task.sampleRate, seconds: count / task.sampleRate, wavBase64: Buffer.from(pcm16Wav(muLawDecode(codes), task.sampleRate)).toString('base64') };
}

/** Float samples → a mono 16-bit PCM WAV file, via wavefile. */
export function pcm16Wav(samples: Float32Array, sampleRate: number): Uint8Array {
  const ints = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) ints[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32767)));
  const wav = new WaveFile();
  wav.fromScratch(1, sampleRate, '16', ints);
  return wav.toBuffer();
}

