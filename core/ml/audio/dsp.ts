// Small pure signal helpers for audio import: mix-down, silence trimming,
// level in dBFS. No IO; the Node side (core/data/audio-decode.ts) decodes
// files and resamples, then calls these.

/** Average of the channels (equal weights, so a mono file passes unchanged). */
export function mixToMono(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 0) return new Float32Array(0);
  if (channels.length === 1) return channels[0]!;
  const n = Math.min(...channels.map((c) => c.length));
  const out = new Float32Array(n);
  for (const c of channels) for (let i = 0; i < n; i++) out[i]! += c[i]!;
  const k = 1 / channels.length;
  for (let i = 0; i < n; i++) out[i]! *= k;
  return out;
}

/** Root-mean-square level of x[start, end) in dBFS (full-scale sine is about -3 dB); -Infinity for silence. */
function rmsDb(x: Float32Array, start = 0, end = x.length): number {
  let s = 0;
  for (let i = start; i < end; i++) s += x[i]! * x[i]!;
  const n = Math.max(1, end - start);
  return 10 * Math.log10(s / n);
}

/**
 * Cuts leading and trailing silence: frames of 10 ms whose RMS level is below
 * `thresholdDb` (dBFS, e.g. -40) are dropped from both ends. Silence inside a
 * clip stays: it is part of the rhythm a model should learn. Returns the kept
 * range as well, so callers can report how much was cut.
 */
export function trimSilence(
  x: Float32Array,
  sampleRate: number,
  thresholdDb: number,
): { samples: Float32Array; start: number; end: number } {
  const frame = Math.max(1, Math.round(sampleRate / 100));
  const frames = Math.ceil(x.length / frame);
  const loud = (f: number) => rmsDb(x, f * frame, Math.min(x.length, (f + 1) * frame)) >= thresholdDb;
  let first = 0;
  while (first < frames && !loud(first)) first++;
  if (first === frames) return { samples: new Float32Array(0), start: 0, end: 0 };
  let last = frames - 1;
  while (last > first && !loud(last)) last--;
  const start = first * frame;
  const end = Math.min(x.length, (last + 1) * frame);
  return { samples: x.subarray(start, end), start, end };
}

/** Replaces NaN/±Infinity by 0 and clips to [-1, 1]; returns how many samples were non-finite. */
export function sanitize(x: Float32Array): number {
  let bad = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) {
      x[i] = 0;
      bad++;
    } else if (v > 1) x[i] = 1;
    else if (v < -1) x[i] = -1;
  }
  return bad;
}
