// One MIDI file -> one piano-roll sequence. The chunk structure is checked
// first (so a truncated or foreign file is refused with a reason, not half
// parsed), then @tonejs/midi reads the notes, which are quantised in musical
// time (ticks, so tempo changes do not matter) to `stepsPerQuarter` steps per
// quarter note. Node side because of the @tonejs/midi dependency.
import { createRequire } from 'node:module';

// @tonejs/midi ships CommonJS whose exports Node's ESM loader cannot name, so it is required.
const { Midi } = createRequire(import.meta.url)('@tonejs/midi') as typeof import('@tonejs/midi');

/** A refused input file or option; the message names the file and the problem. */
export class MusicImportError extends Error {
  override name = 'MusicImportError';
}

export interface RollOptions {
  /** Steps per quarter note (1 = quarter-note steps, like JSB Chorales). */
  stepsPerQuarter: number;
  /** MIDI note of pitch index 0 (21 = A0). */
  pitchOffset: number;
  /** Pitches kept (88 = A0..C8). */
  numPitches: number;
}

export interface MidiRoll {
  /** [steps × numPitches] 0/1, row-major. */
  frames: Uint8Array;
  steps: number;
  /** Notes placed in the roll. */
  notes: number;
  /** Pitched notes outside pitchOffset..pitchOffset+numPitches−1, dropped. */
  droppedNotes: number;
  /** Notes on the percussion channel (10), dropped: their numbers name drums, not pitches. */
  percussionNotes: number;
}

/** Longest sequence accepted, in steps (a guard against absurd tick values). */
export const MAX_ROLL_STEPS = 200_000;

const ascii = (b: Uint8Array, at: number): string => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
/** A chunk id fit for a message: a damaged file's "id" is any 4 bytes, control characters included. */
const printableId = (b: Uint8Array, at: number): string => ascii(b, at).replace(/[^\x20-\x7e]/g, '?');

/**
 * Walks the Standard MIDI File chunks: "MThd" header of at least 6 bytes, a
 * metrical (PPQ) time division, and every chunk's declared length inside the file.
 * @throws MusicImportError "<name>: not a MIDI file ..." / "<name>: truncated ..."
 */
export function checkMidiStructure(bytes: Uint8Array, name: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || ascii(bytes, 0) !== 'MThd')
    throw new MusicImportError(`${name}: not a MIDI file (it does not start with "MThd")`);
  if (bytes.length < 14) throw new MusicImportError(`${name}: truncated: ${bytes.length} bytes, the MIDI header alone needs 14`);
  const headerLength = view.getUint32(4);
  if (headerLength < 6 || 8 + headerLength > bytes.length)
    throw new MusicImportError(`${name}: truncated or damaged MIDI header (length ${headerLength})`);
  const tracks = view.getUint16(10);
  const division = view.getUint16(12);
  if (division & 0x8000)
    throw new MusicImportError(`${name}: SMPTE time division is not supported (notes cannot be placed on quarter-note steps)`);
  if (division === 0) throw new MusicImportError(`${name}: damaged MIDI header (0 ticks per quarter note)`);
  let at = 8 + headerLength;
  let found = 0;
  while (at < bytes.length) {
    if (at + 8 > bytes.length)
      throw new MusicImportError(`${name}: truncated: a chunk header at byte ${at} is cut off after ${bytes.length - at} bytes`);
    const length = view.getUint32(at + 4);
    if (at + 8 + length > bytes.length) {
      throw new MusicImportError(
        `${name}: truncated: the chunk "${printableId(bytes, at)}" at byte ${at} declares ${length} bytes but only ${bytes.length - at - 8} remain`,
      );
    }
    if (ascii(bytes, at) === 'MTrk') found++;
    at += 8 + length;
  }
  if (found < tracks) throw new MusicImportError(`${name}: truncated: the header announces ${tracks} tracks, the file holds ${found}`);
}

/**
 * Parses a MIDI file into a piano roll. A note sounding over ticks [a, b)
 * covers steps round(a/s) .. round(b/s)−1 (at least one step), s = ticks per
 * step; leading silence before the first note is dropped.
 * @throws MusicImportError naming the file: not MIDI, truncated, unparsable, no notes, too short or too long
 */
export function midiToRoll(bytes: Uint8Array, name: string, opts: RollOptions): MidiRoll {
  checkMidiStructure(bytes, name);
  let midi: InstanceType<typeof Midi>;
  try {
    midi = new Midi(bytes);
  } catch (e) {
    // midi-file throws strings, not Errors.
    throw new MusicImportError(`${name}: damaged MIDI data: ${e instanceof Error ? e.message : String(e)}`);
  }
  const ticksPerStep = midi.header.ppq / opts.stepsPerQuarter;
  const spans: [number, number, number][] = []; // [first step, end step, pitch index]
  let droppedNotes = 0;
  let percussionNotes = 0;
  let first = Infinity;
  let last = 0;
  for (const track of midi.tracks) {
    for (const note of track.notes) {
      if (track.instrument.percussion) {
        percussionNotes++;
        continue;
      }
      const pitch = note.midi - opts.pitchOffset;
      if (pitch < 0 || pitch >= opts.numPitches) {
        droppedNotes++;
        continue;
      }
      const start = Math.round(note.ticks / ticksPerStep);
      const end = Math.max(start + 1, Math.round((note.ticks + note.durationTicks) / ticksPerStep));
      spans.push([start, end, pitch]);
      first = Math.min(first, start);
      last = Math.max(last, end);
    }
  }
  const kept = `MIDI notes ${opts.pitchOffset}..${opts.pitchOffset + opts.numPitches - 1}`;
  if (spans.length === 0) {
    throw new MusicImportError(
      `${name}: no notes in ${kept}${droppedNotes + percussionNotes > 0 ? ` (${droppedNotes} outside, ${percussionNotes} percussion)` : ''}`,
    );
  }
  const steps = last - first;
  if (steps > MAX_ROLL_STEPS)
    throw new MusicImportError(
      `${name}: ${steps} steps at ${opts.stepsPerQuarter} per quarter note, more than the ${MAX_ROLL_STEPS} allowed`,
    );
  if (steps < 2) throw new MusicImportError(`${name}: only ${steps} time step of music, at least 2 are needed`);
  const frames = new Uint8Array(steps * opts.numPitches);
  for (const [start, end, pitch] of spans) {
    for (let t = start; t < end; t++) frames[(t - first) * opts.numPitches + pitch] = 1;
  }
  return { frames, steps, notes: spans.length, droppedNotes, percussionNotes };
}
