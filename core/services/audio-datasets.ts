// Audio datasets' extras: the built-in synthesised `melodies` corpus and
// playback of one stored clip as a 16-bit WAV. (What an audio dataset is lives
// in core/datasets/audio.ts.)
import wavefile from 'wavefile';
import { DEFAULT_AUDIO_RATE } from '../data/audio-decode.ts';
import { writeAudioClips } from '../data/audio-import.ts';
import { openTokenFile } from '../data/token-file.ts';
import { audioDatasetFrom, requireAudioDataset } from '../datasets/audio.ts';
import { synthesizeMelodies } from '../ml/audio/builtin-melodies.ts';
import { muLawDecode, muLawEncode } from '../ml/audio/mu-law.ts';
import type { DatasetRecord, History } from '../storage/history.ts';
import { checkDatasetName } from './dataset-folders.ts';
import { storeDataset } from './store-dataset.ts';

const { WaveFile } = wavefile;

export const MELODIES_NAME = 'melodies';
export const MELODIES_DESCRIPTION =
  'Audio: one minute of synthesised melodies (harmonic tones with vibrato and ADSR envelopes, pentatonic), 12 clips, 8-bit mu-law at 16 kHz.';

/** Synthesises and stores the built-in `melodies` corpus. */
export async function createMelodiesDataset(history: History, dataDir: string, name = MELODIES_NAME): Promise<DatasetRecord> {
  const rate = DEFAULT_AUDIO_RATE;
  return storeDataset(history, dataDir, checkDatasetName(name), async (outDir) => {
    const clips = synthesizeMelodies({ seed: 1, sampleRate: rate }).map((m) => ({
      name: m.name,
      codes: muLawEncode(m.samples),
      originalRate: rate,
      channels: 1,
      sourceBytes: 0,
      trimmedSeconds: 0,
    }));
    const encoded = { ...writeAudioClips(clips, outDir, rate, 'builtin melodies seed 1'), source: `built-in: ${MELODIES_DESCRIPTION}` };
    return audioDatasetFrom(encoded, name, undefined);
  });
}

/** Seconds a playback request may return at most (a 16 kHz minute is ~2 MB of WAV). */
export const MAX_CLIP_SECONDS = 60;

/**
 * One stored clip decoded from its mu-law codes to a 16-bit PCM WAV (what
 * the model sees, quantisation included), base64 for the contract.
 */
export function audioClipWav(
  d: DatasetRecord,
  clip: number,
  maxSeconds = 30,
): { name: string; sampleRate: number; seconds: number; wavBase64: string } {
  const task = requireAudioDataset(d).task;
  const c = task.clips[clip];
  if (!c)
    throw new Error(`clip: dataset "${d.name}" has ${task.clips.length} clip(s), numbered 0 to ${task.clips.length - 1}; got ${clip}`);
  const count = Math.min(c.end - c.start, Math.round(Math.min(maxSeconds, MAX_CLIP_SECONDS) * task.sampleRate));
  const file = openTokenFile(d.tokenFile);
  let codes: Int32Array;
  try {
    codes = file.read(c.start, count);
  } finally {
    file.close();
  }
  return {
    name: c.name,
    sampleRate: task.sampleRate,
    seconds: count / task.sampleRate,
    wavBase64: Buffer.from(pcm16Wav(muLawDecode(codes), task.sampleRate)).toString('base64'),
  };
}

/** Float samples → a mono 16-bit PCM WAV file, via wavefile. */
export function pcm16Wav(samples: Float32Array, sampleRate: number): Uint8Array {
  const ints = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) ints[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32767)));
  const wav = new WaveFile();
  wav.fromScratch(1, sampleRate, '16', ints);
  return wav.toBuffer();
}
