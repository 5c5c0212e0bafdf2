// Audio: files decoded, resampled and mu-law encoded into a token file of
// 256 classes, split by clip; trained as next-sample prediction over the
// text task's streams; the baseline is a Kneser-Ney 3-gram over the codes.
import { DATASET_FILE_EXTENSIONS } from '../contract/kinds.ts';
import { AUDIO_RATES, DEFAULT_AUDIO_RATE, type AudioRate } from '../data/audio-decode.ts';
import { importAudio, type ImportedAudio } from '../data/audio-import.ts';
import { openTokenFile } from '../data/token-file.ts';
import { MU, MU_LAW_CLASSES } from '../ml/audio/mu-law.ts';
import { CapacityError } from '../ml/baselines/int-key-map.ts';
import { NgramModel } from '../ml/baselines/ngram.ts';
import type { DatasetSplits } from '../ml/data/dataset-types.ts';
import { createTextTask } from '../ml/tasks/text-task.ts';
import { unigramEntropyBits } from '../ml/text/vocab.ts';
import {
  audioTaskSchema,
  type AudioDataset,
  type AudioTask,
  type Baseline,
  type DatasetRecord,
  type NewDatasetOf,
} from '../storage/dataset-tasks.ts';
import type { DatasetKindModule } from './dataset-kind.ts';
import { FieldError } from '../contract/structured-error.ts';

/** The audio dataset `d`; throws naming it when it is of another kind. */
export function requireAudioDataset(d: DatasetRecord): AudioDataset {
  if (d.kind !== 'audio') throw new Error(`id: dataset "${d.name}" is ${d.kind}, not audio`);
  return d;
}

/** The audio task (rate, clips, baseline) of `d`, which must be an audio dataset. */
export function audioTaskOf(d: DatasetRecord): AudioTask {
  return requireAudioDataset(d).task;
}

/** Checks the dataset rate (a flag or a request field) against the offered rates. */
export function checkAudioRate(rate: number | undefined): AudioRate {
  if (rate === undefined) return DEFAULT_AUDIO_RATE;
  if (!(AUDIO_RATES as readonly number[]).includes(rate))
    throw new FieldError('rate', `${rate} Hz is not offered; use ${AUDIO_RATES.join(', ')}`);
  return rate as AudioRate;
}

/**
 * Valid loss of a count model over the codes, in nats: a Kneser-Ney 3-gram
 * trained on (at most 2M codes of) train, which a model must beat to have
 * learnt more than local sample-to-sample correlation; the unigram entropy if
 * the n-gram table overflows.
 */
function audioBaseline(tokenFile: string, splits: DatasetSplits): Baseline {
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

/** The record of encoded audio (imported files or the synthesised built-in), with its n-gram baseline. */
export function audioDatasetFrom(
  a: Omit<ImportedAudio, 'refused'> & { refused?: ImportedAudio['refused'] },
  name: string,
  trimDb: number | undefined,
): NewDatasetOf<'audio'> {
  return {
    name,
    kind: 'audio',
    level: null,
    source: a.source,
    fingerprint: a.fingerprint,
    encoding: `8-bit mu-law, ${a.sampleRate} Hz`,
    vocab: { level: 'char', symbols: Array.from({ length: MU_LAW_CLASSES }, (_, i) => String(i)), unknownId: -1 },
    stats: {
      sourceBytes: a.stats.sourceBytes,
      files: a.stats.files,
      tokens: a.stats.tokens,
      vocabSize: MU_LAW_CLASSES,
      unknownTokens: 0,
      unigramEntropyBits: unigramEntropyBits(a.counts),
    },
    splits: a.splits,
    tokenFile: a.tokenFile,
    task: {
      sampleRate: a.sampleRate,
      muLaw: MU,
      clips: a.clips,
      trimmedSilence: trimDb === undefined ? null : { thresholdDb: trimDb, seconds: a.stats.trimmedSeconds },
      stats: { clips: a.clips.length, seconds: a.stats.seconds, originalRates: a.stats.originalRates },
      baseline: audioBaseline(a.tokenFile, a.splits),
      refused: a.refused ?? [],
    },
  };
}

/** One line per clip: split, duration, source rate and channels. */
function preview(d: AudioDataset): string {
  const t = d.task;
  const lines = [
    `${t.clips.length} clip(s), ${t.stats.seconds.toFixed(1)} s of 8-bit mu-law audio at ${t.sampleRate} Hz (source rates: ${t.stats.originalRates.join(', ')} Hz)` +
      (t.trimmedSilence
        ? `; silence below ${t.trimmedSilence.thresholdDb} dBFS trimmed (${t.trimmedSilence.seconds.toFixed(1)} s cut)`
        : ''),
  ];
  t.clips.forEach((c, i) =>
    lines.push(
      `${String(i).padStart(4)}  ${c.split.padEnd(6)}  ${c.seconds.toFixed(2).padStart(7)} s  ${c.originalRate} Hz × ${c.channels} ch  ${c.name}`,
    ),
  );
  for (const r of t.refused) lines.push(`refused ${r.file}: ${r.reason}`);
  return lines.join('\n');
}

const describe = (d: AudioDataset): string =>
  `audio, next-sample prediction at ${d.task.sampleRate} Hz: cross-entropy over 256 mu-law codes (nats per sample); ${d.task.stats.clips} clip(s), ${d.task.stats.seconds.toFixed(1)} s`;

export const audioKind: DatasetKindModule<'audio'> = {
  kind: 'audio',
  taskSchema: audioTaskSchema,
  extensions: DATASET_FILE_EXTENSIONS.audio,
  importFiles: async (paths, outDir, opts) => {
    const rate = checkAudioRate(opts.rate);
    const trim = opts.trimSilenceDb;
    if (trim !== undefined && !(trim < 0 && trim >= -120))
      throw new Error(`--trim-silence: ${trim} dB must be a level below full scale, from -120 to below 0 (e.g. -40)`);
    const onProgress = opts.onProgress;
    const a = await importAudio({
      paths,
      outDir,
      rate,
      ...(trim !== undefined ? { trimSilenceDb: trim } : {}),
      // Decoding is the one pass of an audio import: report it as the encode phase, in source bytes.
      ...(onProgress
        ? {
            onProgress: (p: { bytesDone: number; bytesTotal: number }) =>
              onProgress({ phase: 'encode', bytesDone: p.bytesDone, bytesTotal: p.bytesTotal }),
          }
        : {}),
    });
    return audioDatasetFrom(a, opts.name, trim);
  },
  streamsTokens: true,
  trainingSamples: 'audio',
  widths: () => ({ vocabSize: MU_LAW_CLASSES, inputFeatures: 0 }),
  outputKind: () => 'categorical',
  openTask(d) {
    // Next-sample prediction over 256 mu-law classes: the text task's streams, labelled audio.
    const source = openTokenFile(d.tokenFile);
    return {
      data: { ...createTextTask(source, d.splits, MU_LAW_CLASSES), task: 'audio', baselineLoss: d.task.baseline.loss },
      close: () => source.close(),
    };
  },
  describe,
  baseline: (d) => d.task.baseline,
  preview: (d, chars) => preview(d).slice(0, chars),
  summaryLine: (d) => `${describe(d)}; ${d.stats.tokens.toLocaleString('en')} samples, ${d.encoding}`,
  summaryDetails: (d) => ({
    audio: {
      sampleRate: d.task.sampleRate,
      clips: d.task.clips.length,
      seconds: d.task.stats.seconds,
      originalRates: d.task.stats.originalRates,
    },
  }),
  refused: (d) => d.task.refused,
};
