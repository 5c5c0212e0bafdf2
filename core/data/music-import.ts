// Imports polyphonic music into outDir/rolls.bin (the bit-packed piano-roll
// format of core/ml/music/piano-roll.ts), written atomically. Two sources:
// - one JSON piano-roll file with its own train/valid/test splits (the
//   format of shared/data/jsb-chorales.json), kept as it is;
// - MIDI files and folders of .mid/.midi: each file becomes one sequence,
//   quantised by midi-roll.ts; bad files are refused by name and the rest
//   imported; the split is 80/10/10 by a hash of each file's name.
// Node side: reads and writes files.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { writeFileExactly } from '../storage/exact-write.ts';
import { createHash } from 'node:crypto';
import {
  decodePianoRolls,
  encodePianoRolls,
  parsePianoRollJson,
  PianoRollError,
  pianoRollStats,
  type PianoRollSet,
  type PianoRollStats,
} from '../ml/music/piano-roll.ts';
import { midiToRoll, MusicImportError } from './midi-roll.ts';

export { MusicImportError };

export const ROLL_FILE = 'rolls.bin';
/** Default steps per quarter note: 1, the resolution of JSB Chorales (Boulanger-Lewandowski et al. 2012). */
export const DEFAULT_STEPS_PER_QUARTER = 1;
const PITCH_OFFSET = 21;
const NUM_PITCHES = 88;
const MAX_MIDI_BYTES = 16 << 20;
const MAX_JSON_BYTES = 512 << 20;
const MIDI_EXT = /\.midi?$/i;

export type MusicImportProgress = { phase: 'read'; filesDone: number; filesTotal: number; file: string };

export interface MusicImportOptions {
  /** One .json piano-roll file, or MIDI files and folders (searched recursively for .mid/.midi). */
  paths: string[];
  /** Existing folder that receives rolls.bin. */
  outDir: string;
  /** MIDI only: steps per quarter note, a whole number 1..48 (default 1). */
  stepsPerQuarter?: number;
  onProgress?: (p: MusicImportProgress) => void;
}

export interface RefusedFile {
  /** Absolute path. */
  file: string;
  reason: string;
}

export interface MusicImportStats extends PianoRollStats {
  pitchOffset: number;
  numPitches: number;
  /** Bytes read from the accepted source files. */
  sourceBytes: number;
  /** Source files accepted. */
  files: number;
  /** MIDI files refused (listed in `refused`). */
  refusedFiles: number;
  /** MIDI notes outside A0..C8, dropped. */
  droppedNotes: number;
  /** Notes on the MIDI percussion channel, dropped. */
  percussionNotes: number;
  /** Steps per quarter note for MIDI, null for JSON (its own resolution). */
  stepsPerQuarter: number | null;
}

export interface ImportedMusic {
  rollFile: string;
  stats: MusicImportStats;
  splits: PianoRollSet['splits'];
  /** sha256 hex over the accepted files' names and bytes and the options that shape the rolls. */
  fingerprint: string;
  /** What was imported, in words. */
  source: string;
  /** Absolute paths of the accepted files, in sequence order. */
  files: string[];
  refused: RefusedFile[];
}

interface Source {
  abs: string;
  /** Name in the fingerprint and the split hash: path inside the given folder, or the base name. */
  rel: string;
}

function listSources(paths: string[]): Source[] {
  const out: Source[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const abs = path.resolve(p);
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (!st) throw new MusicImportError(`${p}: no such file or folder`);
    if (!st.isDirectory()) {
      if (!seen.has(abs)) out.push({ abs, rel: path.basename(abs) });
      seen.add(abs);
      continue;
    }
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        // Symlinked folders are skipped (cycles); symlinked files count.
        const isFile = e.isFile() || (e.isSymbolicLink() && fs.statSync(full, { throwIfNoEntry: false })?.isFile());
        if (e.isDirectory()) walk(full);
        else if (isFile && MIDI_EXT.test(e.name)) found.push(path.relative(abs, full).split(path.sep).join('/'));
      }
    };
    walk(abs);
    if (found.length === 0) throw new MusicImportError(`${p}: no .mid or .midi files in this folder`);
    found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const rel of found) {
      const full = path.join(abs, ...rel.split('/'));
      if (!seen.has(full)) out.push({ abs: full, rel });
      seen.add(full);
    }
  }
  return out;
}

/** Reads a whole source file; a missing, unreadable or oversized file is refused by name. */
async function readLimited(abs: string, limit: number): Promise<Buffer> {
  try {
    const size = (await fsp.stat(abs)).size;
    if (size > limit) throw new MusicImportError(`${abs}: ${size} bytes, more than the ${limit} a music file may have`);
    return await fsp.readFile(abs);
  } catch (e) {
    if (e instanceof MusicImportError) throw e;
    throw new MusicImportError(`${abs}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/**
 * Imports music to `outDir/rolls.bin`. JSON: exactly one file, its splits kept.
 * MIDI: every accepted file is a sequence; at least 3 must be accepted (one per split).
 * @throws MusicImportError naming the file and problem (a bad JSON file, a bad option,
 *   or no usable MIDI files, listing each refusal); no roll file is left behind then
 */
export async function importMusic(opts: MusicImportOptions): Promise<ImportedMusic> {
  const sources = listSources(opts.paths);
  const json = sources.filter((s) => s.abs.toLowerCase().endsWith('.json'));
  if (json.length > 0 && sources.length > 1) {
    throw new MusicImportError(`${json[0]!.abs}: a JSON piano-roll file carries its own splits and must be imported alone`);
  }
  const result = json.length === 1 ? await importJson(json[0]!, opts) : await importMidi(sources, opts);
  await writeFileExactly(path.join(opts.outDir, ROLL_FILE), encodePianoRolls(result.set));
  const { set, ...rest } = result;
  return { rollFile: path.join(opts.outDir, ROLL_FILE), splits: set.splits, ...rest };
}

type Built = Omit<ImportedMusic, 'rollFile' | 'splits'> & { set: PianoRollSet };

async function importJson(src: Source, opts: MusicImportOptions): Promise<Built> {
  if (opts.stepsPerQuarter !== undefined)
    throw new MusicImportError('stepsPerQuarter: applies to MIDI files only; a JSON piano roll has its own time steps');
  const bytes = await readLimited(src.abs, MAX_JSON_BYTES);
  opts.onProgress?.({ phase: 'read', filesDone: 1, filesTotal: 1, file: src.abs });
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    // V8 quotes the text around the error, so a damaged file's control bytes would reach the terminal raw.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    const reason = (e as Error).message.replace(/[\x00-\x1f\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    throw new MusicImportError(`${src.abs}: not valid JSON: ${reason}`);
  }
  let set: PianoRollSet;
  try {
    set = parsePianoRollJson(value);
  } catch (e) {
    if (e instanceof PianoRollError) throw new MusicImportError(`${src.abs}: ${e.message}`);
    throw e;
  }
  const fingerprint = createHash('sha256').update(`json\0${src.rel}\0`).update(bytes).digest('hex');
  const stats: MusicImportStats = {
    ...pianoRollStats(set),
    pitchOffset: set.pitchOffset,
    numPitches: set.numPitches,
    sourceBytes: bytes.length,
    files: 1,
    refusedFiles: 0,
    droppedNotes: 0,
    percussionNotes: 0,
    stepsPerQuarter: null,
  };
  const n = stats.sequences;
  return {
    set,
    stats,
    fingerprint,
    files: [src.abs],
    refused: [],
    source: `piano-roll JSON ${src.rel} with its own splits (${n.train} / ${n.valid} / ${n.test} sequences)`,
  };
}

/** Position of a file in the split order: the first 32 bits of sha256(name), ties by name. */
const nameHash = (rel: string): number => createHash('sha256').update(rel).digest().readUInt32BE(0);

async function importMidi(sources: Source[], opts: MusicImportOptions): Promise<Built> {
  const stepsPerQuarter = opts.stepsPerQuarter ?? DEFAULT_STEPS_PER_QUARTER;
  if (!Number.isInteger(stepsPerQuarter) || stepsPerQuarter < 1 || stepsPerQuarter > 48) {
    throw new MusicImportError(`stepsPerQuarter: must be a whole number from 1 to 48, got ${stepsPerQuarter}`);
  }
  const accepted: { src: Source; frames: Uint8Array; bytes: Buffer }[] = [];
  const refused: RefusedFile[] = [];
  let droppedNotes = 0;
  let percussionNotes = 0;
  for (const [i, src] of sources.entries()) {
    try {
      const bytes = await readLimited(src.abs, MAX_MIDI_BYTES);
      const roll = midiToRoll(bytes, src.abs, { stepsPerQuarter, pitchOffset: PITCH_OFFSET, numPitches: NUM_PITCHES });
      accepted.push({ src, frames: roll.frames, bytes });
      droppedNotes += roll.droppedNotes;
      percussionNotes += roll.percussionNotes;
    } catch (e) {
      if (!(e instanceof MusicImportError)) throw e;
      refused.push({ file: src.abs, reason: e.message });
    }
    opts.onProgress?.({ phase: 'read', filesDone: i + 1, filesTotal: sources.length, file: src.abs });
  }
  if (accepted.length < 3) {
    const why = refused.length > 0 ? `; refused:\n${refused.map((r) => `  ${r.reason}`).join('\n')}` : '';
    throw new MusicImportError(
      `${opts.paths.join(', ')}: ${accepted.length} usable MIDI file(s), at least 3 are needed (one per split)${why}`,
    );
  }
  // 80 / 10 / 10 by rank of the name hash (at least one file per split), so the split does not
  // depend on the order files were listed in; inside a split, files keep name order.
  const byPath = (a: Source, b: Source): number => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : a.abs < b.abs ? -1 : a.abs > b.abs ? 1 : 0);
  const ranked = [...accepted].sort((a, b) => nameHash(a.src.rel) - nameHash(b.src.rel) || byPath(a.src, b.src));
  const nValid = Math.max(1, Math.round(accepted.length * 0.1));
  const nTest = Math.max(1, Math.round(accepted.length * 0.1));
  const nTrain = accepted.length - nValid - nTest;
  const byName = (list: typeof accepted) => list.sort((a, b) => byPath(a.src, b.src));
  const ordered = [
    ...byName(ranked.slice(0, nTrain)),
    ...byName(ranked.slice(nTrain, nTrain + nValid)),
    ...byName(ranked.slice(nTrain + nValid)),
  ];
  const set: PianoRollSet = {
    pitchOffset: PITCH_OFFSET,
    numPitches: NUM_PITCHES,
    sequences: ordered.map((a) => a.frames),
    splits: {
      train: { start: 0, end: nTrain },
      valid: { start: nTrain, end: nTrain + nValid },
      test: { start: nTrain + nValid, end: ordered.length },
    },
  };
  const hash = createHash('sha256');
  for (const a of ordered) hash.update(`midi\0${a.src.rel}\0${a.bytes.length}\0`).update(a.bytes);
  hash.update(`stepsPerQuarter\0${stepsPerQuarter}`);
  const stats: MusicImportStats = {
    ...pianoRollStats(set),
    pitchOffset: PITCH_OFFSET,
    numPitches: NUM_PITCHES,
    sourceBytes: ordered.reduce((s, a) => s + a.bytes.length, 0),
    files: ordered.length,
    refusedFiles: refused.length,
    droppedNotes,
    percussionNotes,
    stepsPerQuarter,
  };
  const refusedNote = refused.length > 0 ? `, ${refused.length} refused` : '';
  return {
    set,
    stats,
    fingerprint: hash.digest('hex'),
    files: ordered.map((a) => a.src.abs),
    refused,
    source: `${ordered.length} MIDI file(s)${refusedNote}, ${stepsPerQuarter} step(s) per quarter note, split ${nTrain} / ${nValid} / ${nTest} by name hash`,
  };
}

/**
 * Reads a roll file written by `importMusic`.
 * @throws MusicImportError "<path>: byte N: ..." for a damaged file
 */
export function openRollFile(file: string): PianoRollSet {
  try {
    return decodePianoRolls(fs.readFileSync(file));
  } catch (e) {
    if (e instanceof PianoRollError) throw new MusicImportError(`${file}: ${e.message}`);
    throw e;
  }
}
