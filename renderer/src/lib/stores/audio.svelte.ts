// Audio generation in progress, per run (audio.progress events), and the
// listeners for audio samples made during training (run.audioSample).
import type { LabEvent } from '../../../../core/contract/lab-contract.ts';
import type { AudioSample } from '../types.ts';

export interface GenerationProgress {
  fraction: number;
}

// eslint-disable-next-line svelte/prefer-svelte-reactivity -- listeners, not state: nothing renders from this set
const sampleListeners = new Set<(e: { runId: number; sample: AudioSample }) => void>();

/** Listeners for run.audioSample (the Run screen of that run). */
export function onAudioSample(listener: (e: { runId: number; sample: AudioSample }) => void): () => void {
  sampleListeners.add(listener);
  return () => sampleListeners.delete(listener);
}

class AudioProgressStore {
  private byRun = $state<Record<number, GenerationProgress>>({});

  of(runId: number): GenerationProgress | null {
    return this.byRun[runId] ?? null;
  }

  /** A generation asked for here started: show 0 % until the core reports. */
  begin(runId: number): void {
    this.byRun[runId] = { fraction: 0 };
  }

  end(runId: number): void {
    delete this.byRun[runId];
  }

  apply(e: LabEvent): void {
    if (e.type === 'run.audioSample') {
      for (const l of sampleListeners) l(e);
    } else if (e.type === 'audio.progress') {
      if (e.done >= e.total) this.end(e.runId);
      else this.byRun[e.runId] = { fraction: e.total > 0 ? e.done / e.total : 0 };
    }
  }
}

export const audioProgress = new AudioProgressStore();
