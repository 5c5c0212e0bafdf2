// WAV bytes as the contract carries them (base64) → bytes, a waveform's
// peaks, and a download through a Blob URL. No audio decoding here: the
// browser's AudioContext.decodeAudioData reads the WAV (buffer-player.ts).

/** Base64 (the contract's wavBase64) → bytes. */
export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Min/max pairs of `samples` in `buckets` equal slices, interleaved
 * [max0, min0, max1, min1, ...]: what wavesurfer needs to draw the envelope
 * without being handed every sample of a long clip.
 */
export function peaksOf(samples: Float32Array, buckets = 2000): Float32Array {
  const n = Math.min(buckets, samples.length);
  const out = new Float32Array(2 * n);
  for (let b = 0; b < n; b++) {
    const start = Math.floor((b * samples.length) / n);
    const end = Math.max(start + 1, Math.floor(((b + 1) * samples.length) / n));
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = start; i < end; i++) {
      const v = samples[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out[2 * b] = hi;
    out[2 * b + 1] = lo;
  }
  return out;
}

/** Saves bytes as a .wav file through a temporary Blob URL and an <a download>. */
export function downloadWav(bytes: Uint8Array<ArrayBuffer>, fileName: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'audio/wav' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName.endsWith('.wav') ? fileName : `${fileName}.wav`;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has read the URL once click() returns in Chromium; revoke a little later for slower shells.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** "0.42 s" / "1:03.2" for a clip's clock. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '–';
  if (s < 60) return `${s.toFixed(2)} s`;
  const m = Math.floor(s / 60);
  return `${m}:${(s - 60 * m).toFixed(1).padStart(4, '0')}`;
}
