// Playback of a decoded clip with plain Web Audio, as the media of a
// wavesurfer view. wavesurfer's own WebAudioPlayer plays an AudioBuffer
// through an AudioBufferSourceNode, but it loads by fetch()ing a URL, and
// our CSP (connect-src 'self') refuses fetches of blob: URLs; so we decode
// the WAV bytes ourselves and hand the player its buffer. One AudioContext
// serves every clip on the page (browsers cap how many may be open).
// The unbundled ESM files, so that wavesurfer's `instanceof WebAudioPlayer` sees this class.
import WebAudioPlayer from 'wavesurfer.js/dist/webaudio.js';

let shared: AudioContext | null = null;

/** The page's AudioContext, made on first use. */
export function audioContext(): AudioContext {
  shared ??= new AudioContext();
  return shared;
}

/** Decodes WAV bytes (any rate the browser reads) into an AudioBuffer at the context's rate. */
export function decodeWav(bytes: Uint8Array<ArrayBuffer>): Promise<AudioBuffer> {
  // decodeAudioData detaches its argument: give it a copy.
  return audioContext().decodeAudioData(bytes.slice().buffer);
}

/** wavesurfer's WebAudioPlayer fed a decoded buffer, on the shared context. */
export class BufferPlayer extends WebAudioPlayer {
  constructor() {
    super(audioContext());
  }

  /** Gives the player its audio (what the src setter would fetch and decode). */
  setBuffer(buffer: AudioBuffer): void {
    // `buffer` is private in WebAudioPlayer's typings; it is the field play() reads (wavesurfer.js 8.0).
    (this as unknown as { buffer: AudioBuffer | null }).buffer = buffer;
    this.duration = buffer.duration;
    this.emit('loadedmetadata');
    this.emit('canplay');
  }

  /** Stops and detaches, but leaves the shared AudioContext open (the base class closes it). */
  override destroy(): void {
    this.pause();
    this.getGainNode().disconnect();
    this.unAll();
  }
}
