// Starts a training worker thread and relays its events. Used by the CLI
// (and later the server and Electron's utility process): the caller's event
// loop stays free while the worker trains.
import { Worker } from 'node:worker_threads';
import type { TrainingEvent } from './training-protocol.ts';

type DoneEvent = Extract<TrainingEvent, { type: 'done' }>;

export interface TrainingHandle {
  /** Asks the worker to checkpoint and stop after the current step. */
  stop(): void;
  /** Resolves with the final event; a worker that dies without one yields status 'crashed'. */
  done: Promise<DoneEvent>;
}

export function startTraining(opts: { runId: number; dataDir: string; resume: boolean }, onEvent: (e: TrainingEvent) => void): TrainingHandle {
  const worker = new Worker(new URL('./train-worker-boot.mjs', import.meta.url));
  let final: DoneEvent | undefined;
  const done = new Promise<DoneEvent>((resolve) => {
    worker.on('message', (e: TrainingEvent) => {
      if (e.type === 'done') final = e;
      onEvent(e);
    });
    worker.on('error', (err) => {
      final ??= { type: 'done', runId: opts.runId, status: 'crashed', step: 0, validLoss: null, error: `training worker failed: ${err.message}` };
    });
    worker.on('exit', (code) => {
      resolve(final ?? { type: 'done', runId: opts.runId, status: 'crashed', step: 0, validLoss: null, error: `training worker exited with code ${code}` });
    });
  });
  worker.postMessage({ type: 'start', ...opts });
  return { stop: () => worker.postMessage({ type: 'stop' }), done };
}
