// A piano roll -> a standard MIDI file (format 1, one piano track): each run
// of consecutive sounding steps of a pitch becomes one note, at a fixed tempo.
// Node side because of the @tonejs/midi dependency (midi-roll.ts reads MIDI).
import { createRequire } from 'node:module';

// @tonejs/midi ships CommonJS whose exports Node's ESM loader cannot name, so it is required.
const { Midi } = createRequire(import.meta.url)('@tonejs/midi') as typeof import('@tonejs/midi');

export interface RollToMidi {
  /** [steps × numPitches] 0/1, row-major. */
  frames: Uint8Array;
  numPitches: number;
  /** MIDI note of pitch index 0. */
  pitchOffset: number;
  /** Seconds per step (the tempo is written so that a step is this long). */
  stepSeconds: number;
  stepsPerQuarter: number;
  /** Track name shown by MIDI tools. */
  name: string;
}

/** @returns the bytes of a .mid file holding the roll's notes (velocity 0.7). */
export function rollToMidi(roll: RollToMidi): Uint8Array {
  const P = roll.numPitches;
  const steps = roll.frames.length / P;
  const midi = new Midi();
  midi.header.setTempo(60 / (roll.stepSeconds * roll.stepsPerQuarter));
  midi.header.name = roll.name;
  const track = midi.addTrack();
  track.name = roll.name;
  for (let p = 0; p < P; p++) {
    let start = -1;
    for (let t = 0; t <= steps; t++) {
      const on = t < steps && roll.frames[t * P + p] === 1;
      if (on && start < 0) start = t;
      if (!on && start >= 0) {
        track.addNote({
          midi: roll.pitchOffset + p,
          time: start * roll.stepSeconds,
          duration: (t - start) * roll.stepSeconds,
          velocity: 0.7,
        });
        start = -1;
      }
    }
  }
  return midi.toArray();
}
