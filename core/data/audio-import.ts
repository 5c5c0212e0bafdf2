// Imports audio files (or folders of them, recursively) into outDir/tokens.u16:
// each clip is decoded to mono at the dataset rate (audio-decode.ts), mu-law
// encoded to 256 codes and the clips are concatenated, train clips first, then
// valid, then test, so each split is one contiguous token range as text's are.
// The split is by clip (a hash of its name), so no clip leaks across splits;
// with only one or two clips the stream itself is split 90 / 5 / 5.
// A folder import refuses bad files by name and imports the rest; the token
// file is written exactly (core/storage/exact-write.ts) only when everything went well.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileExactlySync } from '../storage/exact-write.ts';
import type { DatasetSplits } from '../ml/data/dataset-types.ts';
import { MU_LAW_CLASSES, muLawEncode } from '../ml/audio/mu-law.ts';
import { decodeAudioFile, isAudioFile, type DecodeOptions, DEFAULT_AUDIO_RATE } from './audio-decode.ts';
import { splitTokens } from './text-import.ts';

export const AUDIO_TOKEN_FILE = 'tokens.u16';
/** Fewer samples than this cannot fill valid and test windows. */
export const MIN_AUDIO_SAMPLES = 1000;

export class AudioImportError extends Error {
  override name = 'AudioImportError';
}

export type SplitName = 'train' | 'valid' | 'test';
/** A clip's split; 'stream' when there are too few clips (1-2) and the concatenated stream is split 90 / 5 / 5 instead. */
export type ClipSplit = SplitName | 'stream';

/** A clip's place in the token file and where it came from. */
export interface AudioClipInfo {
  name: string;
  start: number;
  end: number;
  seconds: number;
  originalRate: number;
  channels: number;
  split: ClipSplit;
}

/** A clip ready to be stored: mu-law codes plus its provenance. */
export interface EncodedClip {
  name: string;
  codes: Uint8Array;
  originalRate: number;
  channels: number;
  sourceBytes: number;
  trimmedSeconds: number;
}

export interface ImportedAudio {
  tokenFile: string;
  sampleRate: number;
  splits: DatasetSplits;
  clips: AudioClipInfo[];
  refused: { file: string; reason: string }[];
  fingerprint: string;
  /** Code frequencies over the whole file (for the unigram entropy). */
  counts: Float64Array;
  stats: { sourceBytes: number; files: number; tokens: number; seconds: number; originalRates: number[]; trimmedSeconds: number };
  source: string;
}

export interface AudioImportOptions extends DecodeOptions {
  paths: string[];
  outDir: string;
  /** After each file: files done of total, and their bytes. */
  onProgress?: (p: AudioImportProgress) => void;
}

export type AudioImportProgress = { file: string; done: number; total: number; bytesDone: number; bytesTotal: number };

/** Every audio file under the given paths, with the name it is known by (path inside a folder, or base name). */
export function collectAudioFiles(paths: string[]): { abs: string; name: string }[] {
  const out: { abs: string; name: string }[] = [];
  for (const p of paths) {
    const abs = path.resolve(p);
    if (fs.statSync(abs).isDirectory()) {
      const rels = (fs.readdirSync(abs, { recursive: true }) as string[]).filter((r) => !path.basename(r).startsWith('.')).sort();
      for (const r of rels)
        if (isAudioFile(r) && fs.statSync(path.join(abs, r)).isFile())
          out.push({ abs: path.join(abs, r), name: r.split(path.sep).join('/') });
    } else out.push({ abs, name: path.basename(abs) });
  }
  return out;
}

/** Visible files in the given folders that are not audio, by their path inside the folder. */
function ignoredFiles(paths: string[]): string[] {
  return paths
    .filter((p) => fs.statSync(p).isDirectory())
    .flatMap((p) =>
      (fs.readdirSync(p, { recursive: true }) as string[])
        .filter((r) => !path.basename(r).startsWith('.') && !isAudioFile(r) && fs.statSync(path.join(p, r)).isFile())
        .map((r) => r.split(path.sep).join('/')),
    )
    .sort();
}

const hash32 = (name: string): number => createHash('sha256').update(name).digest().readUInt32BE(0);

/**
 * Split of each clip: about 5% valid and 5% test by the hash of its name (so
 * adding a file does not move the others); with 3 or more clips every split
 * gets at least one, borrowed from the biggest split (the clip with the
 * smallest hash, so it stays deterministic).
 */
export function assignClipSplits(names: string[]): SplitName[] {
  const h = names.map(hash32);
  const s: SplitName[] = h.map((v) => (v % 20 === 0 ? 'valid' : v % 20 === 1 ? 'test' : 'train'));
  if (names.length < 3) return s;
  for (const want of ['train', 'valid', 'test'] as const) {
    if (s.includes(want)) continue;
    const sizes = (['train', 'valid', 'test'] as const).map((k) => [k, s.filter((x) => x === k).length] as const);
    const from = sizes.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    let pick = -1;
    for (let i = 0; i < s.length; i++) if (s[i] === from && (pick < 0 || h[i]! < h[pick]!)) pick = i;
    s[pick] = want;
  }
  return s;
}

/**
 * Writes clips as one token file (little-endian uint16 codes, the format of
 * core/data/token-file.ts) ordered train, valid, test. Used by file imports
 * and by the built-in synthesised corpus.
 */
export function writeAudioClips(
  clips: EncodedClip[],
  outDir: string,
  sampleRate: number,
  extraFingerprint = '',
): Omit<ImportedAudio, 'refused' | 'source'> {
  const total = clips.reduce((n, c) => n + c.codes.length, 0);
  if (total < MIN_AUDIO_SAMPLES) {
    throw new AudioImportError(
      `audio: only ${total} samples at ${sampleRate} Hz (${(total / sampleRate).toFixed(3)} s), at least ${MIN_AUDIO_SAMPLES} are needed`,
    );
  }
  const byName = [...clips].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const perClip = byName.length >= 3;
  const splitOf: ClipSplit[] = perClip ? assignClipSplits(byName.map((c) => c.name)) : byName.map(() => 'stream');
  const ordered = (['train', 'valid', 'test', 'stream'] as const).flatMap((k) =>
    byName.map((c, i) => ({ c, split: splitOf[i]! })).filter((x) => x.split === k),
  );
  const u16 = new Uint16Array(total);
  const counts = new Float64Array(MU_LAW_CLASSES);
  const hash = createHash('sha256').update(`audio\0rate\0${sampleRate}\0${extraFingerprint}`);
  const infos: AudioClipInfo[] = [];
  let at = 0;
  for (const { c, split } of ordered) {
    for (let i = 0; i < c.codes.length; i++) {
      const v = c.codes[i]!;
      counts[v]!++;
      u16[at + i] = v; // written little-endian below
    }
    hash.update(`\0${c.name}\0`).update(c.codes);
    infos.push({
      name: c.name,
      start: at,
      end: at + c.codes.length,
      seconds: c.codes.length / sampleRate,
      originalRate: c.originalRate,
      channels: c.channels,
      split,
    });
    at += c.codes.length;
  }
  const bytes = Buffer.alloc(total * 2);
  for (let i = 0; i < total; i++) bytes.writeUInt16LE(u16[i]!, i * 2);
  const final = path.join(outDir, AUDIO_TOKEN_FILE);
  writeFileExactlySync(final, bytes);
  const range = (k: SplitName) => {
    const inSplit = infos.filter((i) => i.split === k);
    return { start: inSplit[0]!.start, end: inSplit[inSplit.length - 1]!.end };
  };
  const splits: DatasetSplits = perClip ? { train: range('train'), valid: range('valid'), test: range('test') } : splitTokens(total);
  return {
    tokenFile: final,
    sampleRate,
    splits,
    clips: infos,
    fingerprint: hash.digest('hex'),
    counts,
    stats: {
      sourceBytes: clips.reduce((n, c) => n + c.sourceBytes, 0),
      files: clips.length,
      tokens: total,
      seconds: total / sampleRate,
      originalRates: [...new Set(clips.map((c) => c.originalRate))].sort((a, b) => a - b),
      trimmedSeconds: clips.reduce((n, c) => n + c.trimmedSeconds, 0),
    },
  };
}

/**
 * Imports audio files / folders. A single given file that cannot be decoded
 * throws (nothing is written); in a folder, bad files are listed in `refused`
 * and the rest are imported, unless none is left.
 */
export async function importAudio(opts: AudioImportOptions): Promise<ImportedAudio> {
  const rate = opts.rate ?? DEFAULT_AUDIO_RATE;
  const files = collectAudioFiles(opts.paths);
  if (files.length === 0) throw new AudioImportError(`audio: no .wav, .flac, .mp3 or .ogg files in ${opts.paths.join(', ')}`);
  const fromFolder = opts.paths.some((p) => fs.statSync(p).isDirectory());
  const clips: EncodedClip[] = [];
  // Unrelated files in a folder (a manifest.json, notes) are skipped, with a note each.
  const refused: { file: string; reason: string }[] = ignoredFiles(opts.paths).map((file) => ({
    file,
    reason: 'not an audio file; ignored',
  }));
  const sizes = files.map((f) => fs.statSync(f.abs).size);
  const bytesTotal = sizes.reduce((a, b) => a + b, 0);
  let bytesDone = 0;
  for (const [i, f] of files.entries()) {
    try {
      const d = await decodeAudioFile(f.abs, opts);
      clips.push({
        name: f.name,
        codes: muLawEncode(d.samples),
        originalRate: d.originalRate,
        channels: d.channels,
        sourceBytes: d.sourceBytes,
        trimmedSeconds: d.trimmedSeconds,
      });
    } catch (e) {
      const reason = (e as Error).message;
      if (!fromFolder) throw new AudioImportError(reason);
      refused.push({
        file: f.name,
        reason: reason.startsWith(`${path.basename(f.abs)}: `) ? reason.slice(path.basename(f.abs).length + 2) : reason,
      });
    }
    bytesDone += sizes[i]!;
    opts.onProgress?.({ file: f.name, done: i + 1, total: files.length, bytesDone, bytesTotal });
  }
  if (clips.length === 0) {
    throw new AudioImportError(`audio: every file was refused: ${refused.map((r) => `${r.file}: ${r.reason}`).join('; ')}`);
  }
  const written = writeAudioClips(clips, opts.outDir, rate, `trim\0${opts.trimSilenceDb ?? 'off'}`);
  return { ...written, refused, source: opts.paths.map((p) => path.resolve(p)).join(', ') };
}
