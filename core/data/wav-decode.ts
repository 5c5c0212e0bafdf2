// WAV decoding: our own RIFF walk checks the structure first (so every broken
// file is refused with the exact problem: a truncated data chunk, a bad size,
// a missing fmt, RIFX/RF64), then wavefile decodes the samples. wavefile skips
// the pad byte after an odd-sized chunk, which node-wav does not; the walk
// below does the same, and refuses whatever wavefile would turn into noise.
import wavefile from 'wavefile';

const { WaveFile } = wavefile;

/** What the RIFF walk found; the decoder only runs on files that pass it. */
export interface WavLayout {
  format: 'int' | 'float';
  bitsPerSample: number;
  channels: number;
  sampleRate: number;
  /** Byte offset and length of the samples (whole frames only). */
  dataOffset: number;
  dataBytes: number;
  extensible: boolean;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
const MAX_CHANNELS = 64;

const tag = (b: Uint8Array, at: number): string => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);

/** Walks the RIFF chunks of `bytes`; throws "<name>: <problem>" for anything a decoder could misread. */
export function parseWavLayout(bytes: Uint8Array, name: string): WavLayout {
  const fail = (problem: string): never => {
    throw new Error(`${name}: ${problem}`);
  };
  if (bytes.length < 12) fail(`only ${bytes.length} bytes, too short for a WAV header`);
  const riff = tag(bytes, 0);
  if (riff === 'RIFX') fail('big-endian WAV (RIFX) is not supported; convert it to little-endian RIFF');
  if (riff === 'RF64' || riff === 'BW64') fail(`${riff} (64-bit WAV) is not supported; files over 4 GiB are too big to import`);
  if (riff !== 'RIFF' || tag(bytes, 8) !== 'WAVE') fail('not a WAV file (no RIFF/WAVE header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: Omit<WavLayout, 'dataOffset' | 'dataBytes'> | null = null;
  let blockAlign = 0;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = tag(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    const left = bytes.length - body;
    if (id === 'data') {
      if (!fmt) fail('data chunk comes before the fmt chunk');
      if (size === 0xffffffff) fail('data chunk size is 0xFFFFFFFF (a streamed or RF64 placeholder), so the length is unknown');
      if (size === 0) fail('data chunk is empty: no samples');
      if (size > left) fail(`data chunk claims ${size} bytes but only ${left} follow (truncated file?)`);
      const frames = Math.floor(size / blockAlign);
      if (frames === 0) fail(`data chunk holds ${size} bytes, less than one frame of ${blockAlign} bytes`);
      return { ...fmt!, dataOffset: body, dataBytes: frames * blockAlign };
    }
    if (size > left) fail(`chunk "${id.replace(/[^\x20-\x7e]/g, '?')}" at byte ${at} claims ${size} bytes but only ${left} follow`);
    if (id === 'fmt ') {
      if (size < 16) fail(`fmt chunk is ${size} bytes, at least 16 are needed`);
      let formatTag = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      blockAlign = view.getUint16(body + 12, true);
      const bits = view.getUint16(body + 14, true);
      const extensible = formatTag === WAVE_FORMAT_EXTENSIBLE;
      if (extensible) {
        if (size < 40) fail(`WAVE_FORMAT_EXTENSIBLE fmt chunk is ${size} bytes, 40 are needed`);
        formatTag = view.getUint16(body + 24, true); // first two bytes of the subformat GUID
      }
      if (channels === 0) fail('fmt says 0 channels');
      if (channels > MAX_CHANNELS) fail(`fmt says ${channels} channels, at most ${MAX_CHANNELS} are supported`);
      if (sampleRate < 1000 || sampleRate > 768_000) fail(`sample rate ${sampleRate} Hz is outside 1000..768000`);
      if (blockAlign === 0) fail('fmt says blockAlign 0');
      let format: 'int' | 'float';
      if (formatTag === WAVE_FORMAT_PCM && [8, 16, 24, 32].includes(bits)) format = 'int';
      else if (formatTag === WAVE_FORMAT_IEEE_FLOAT && (bits === 32 || bits === 64)) format = 'float';
      else
        format = fail(
          `unsupported encoding: format tag 0x${formatTag.toString(16)}${extensible ? ' (extensible)' : ''} with ${bits} bits per sample; supported: 8/16/24/32-bit integer PCM, 32/64-bit float`,
        );
      if (blockAlign !== (channels * bits) / 8)
        fail(`fmt says blockAlign ${blockAlign}, but ${channels} channel(s) of ${bits} bits need ${(channels * bits) / 8}`);
      fmt = { format, bitsPerSample: bits, channels, sampleRate, extensible };
    }
    // Chunks are word-aligned: an odd-sized chunk (LIST, often) is followed by a pad byte its size does not count.
    at = body + size + (size & 1);
  }
  return fail(fmt ? 'no data chunk' : 'no fmt chunk');
}

const DECODE_BLOCK_FRAMES = 1 << 18;

/** Full scale of an integer PCM depth (8-bit WAV is unsigned, centred on 128). */
const INT_SCALE: Record<number, number> = { 8: 128, 16: 32768, 24: 8388608, 32: 2147483648 };

/** Decodes a WAV file's bytes to float channels in [-1, 1]. Throws "<name>: <problem>". */
export function decodeWav(bytes: Uint8Array, name: string): { channels: Float32Array[]; sampleRate: number; layout: WavLayout } {
  const layout = parseWavLayout(bytes, name);
  // wavefile gets a clean file: header and data only, with the data size cut to whole frames.
  const wav = new WaveFile();
  const fromScratchDepth = layout.format === 'float' ? (layout.bitsPerSample === 64 ? '64' : '32f') : String(layout.bitsPerSample);
  const blockAlign = (layout.channels * layout.bitsPerSample) / 8;
  const frames = layout.dataBytes / blockAlign;
  const channels = Array.from({ length: layout.channels }, () => new Float32Array(frames));
  const data = (wav as unknown as { data: { samples: Uint8Array; chunkSize: number } }).data;
  const scale = layout.format === 'float' ? 1 : INT_SCALE[layout.bitsPerSample]!;
  const offset = layout.bitsPerSample === 8 ? 128 : 0;
  try {
    wav.fromScratch(layout.channels, layout.sampleRate, fromScratchDepth, new Uint8Array(0));
  } catch (e) {
    throw new Error(`${name}: could not decode the samples (${(e as Error).message})`, { cause: e });
  }
  // Decoded a block of frames at a time: wavefile returns float64 arrays, so
  // a whole long file at once would take 8 bytes per sample on top of ours.
  for (let first = 0; first < frames; first += DECODE_BLOCK_FRAMES) {
    const count = Math.min(DECODE_BLOCK_FRAMES, frames - first);
    const start = layout.dataOffset + first * blockAlign;
    data.samples = bytes.subarray(start, start + count * blockAlign);
    data.chunkSize = count * blockAlign;
    let samples: Float64Array | Float64Array[];
    try {
      samples = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
    } catch (e) {
      throw new Error(`${name}: could not decode the samples (${(e as Error).message})`, { cause: e });
    }
    const perChannel = layout.channels === 1 ? [samples as Float64Array] : (samples as Float64Array[]);
    perChannel.forEach((c, ch) => {
      const out = channels[ch]!;
      for (let i = 0; i < count; i++) {
        const v = c[i]!;
        if (!Number.isFinite(v)) throw new Error(`${name}: sample ${first + i} is ${v}, not a number a float WAV may hold`);
        out[first + i] = (v - offset) / scale;
      }
    });
  }
  return { channels, sampleRate: layout.sampleRate, layout };
}
