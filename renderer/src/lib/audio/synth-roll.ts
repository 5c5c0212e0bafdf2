// A piano roll made audible in the page: each run of consecutive steps a MIDI
// note sounds becomes one note, synthesised with Web Audio (two detuned
// oscillators through a short attack/release envelope) in an
// OfflineAudioContext, then written as a 16-bit WAV so that the clip player
// of audio samples (components/AudioClip.svelte) plays and seeks it.
import type { RollNote } from './roll-notes.ts';

/** Sample rate of the synthesised audio (plenty for notes below C8). */
export const SYNTH_RATE = 22_050;

const frequency = (midi: number) => 440 * 2 ** ((midi - 69) / 12);

/** Renders the notes to mono samples in [-1, 1] (the roll's length plus a short release). */
export async function synthesizeNotes(notes: readonly RollNote[], totalSteps: number, stepSeconds: number): Promise<Float32Array> {
  const release = 0.12;
  const seconds = totalSteps * stepSeconds + release;
  const ctx = new OfflineAudioContext(1, Math.max(1, Math.ceil(seconds * SYNTH_RATE)), SYNTH_RATE);
  // Quieter as more notes sound together, so chords do not clip.
  let polyphony = 1;
  for (let t = 0; t < totalSteps; t++) polyphony = Math.max(polyphony, notes.filter((n) => n.start <= t && t < n.start + n.steps).length);
  const level = 0.5 / Math.sqrt(polyphony) / 2;
  for (const n of notes) {
    const t0 = n.start * stepSeconds;
    const t1 = (n.start + n.steps) * stepSeconds;
    const gain = ctx.createGain();
    gain.gain.setValueAtTime(0, t0);
    gain.gain.linearRampToValueAtTime(level, t0 + 0.01);
    gain.gain.setTargetAtTime(level * 0.6, t0 + 0.01, 0.15);
    gain.gain.setValueAtTime(level * 0.6, Math.max(t0 + 0.02, t1 - 0.005));
    gain.gain.linearRampToValueAtTime(0, t1 + release);
    gain.connect(ctx.destination);
    for (const [type, detune] of [
      ['triangle', -4],
      ['sine', 4],
    ] as const) {
      const osc = ctx.createOscillator();
      osc.type = type;
      osc.frequency.value = frequency(n.midi);
      osc.detune.value = detune;
      osc.connect(gain);
      osc.start(t0);
      osc.stop(t1 + release);
    }
  }
  const buffer = await ctx.startRendering();
  return buffer.getChannelData(0);
}

/** Bytes as base64 (the form AudioClip takes). */
export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
