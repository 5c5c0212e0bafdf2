// Wires the event stream to the stores once at start-up, and catches up
// after the stream reconnects (events sent while it was down are lost).
import { lab } from '../lab-client.ts';
import type { Sample } from '../types.ts';
import { audioProgress } from './audio.svelte.ts';
import { datasets } from './datasets.svelte.ts';
import { experiments } from './experiments.svelte.ts';
import { sweeps } from './sweeps.svelte.ts';
import { metrics } from './metrics.svelte.ts';
import { runs } from './runs.svelte.ts';
import { system } from './system.svelte.ts';

const sampleListeners = new Set<(e: { runId: number; sample: Sample }) => void>();

const reconnectListeners = new Set<() => void>();

/** Called after the event stream came back (events in between were lost). */
export function onReconnect(listener: () => void): () => void {
  reconnectListeners.add(listener);
  return () => reconnectListeners.delete(listener);
}

/** Listeners for run.sample (the Run screen of that run). */
export function onSample(listener: (e: { runId: number; sample: Sample }) => void): () => void {
  sampleListeners.add(listener);
  return () => sampleListeners.delete(listener);
}

export function connectEvents(): () => void {
  const offConnection = lab.onConnection((state, reconnected) => {
    system.connection = state;
    if (reconnected) {
      void runs.refresh();
      void datasets.refresh();
      void experiments.refresh();
      void sweeps.refresh();
      void metrics.catchUp();
      for (const l of reconnectListeners) l();
    }
  });
  const offEvents = lab.subscribe((e) => {
    runs.apply(e);
    metrics.apply(e);
    datasets.apply(e);
    experiments.apply(e);
    sweeps.apply(e);
    audioProgress.apply(e);
    system.apply(e);
    if (e.type === 'run.sample') for (const l of sampleListeners) l(e);
  });
  return () => {
    offConnection();
    offEvents();
  };
}
