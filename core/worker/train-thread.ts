// Starts a training worker as a worker thread. The fallback where a child
// process cannot be forked and no launcher was injected: Electron's main
// process (process.execPath is the Electron binary, RunAsNode forbidden)
// without its utility-process launcher (electron/utility-trainer.ts). A fatal
// error here still takes the whole process down (see ARCHITECTURE.md,
// "training never runs on an event loop that serves a user").
import { Worker } from 'node:worker_threads';
import type { TrainerLauncher } from './trainer-link.ts';
import type { TrainingEvent } from './training-protocol.ts';

export const launchTrainerThread: TrainerLauncher = (onEvent, onEnd) => {
  const worker = new Worker(new URL('./train-worker-boot.mjs', import.meta.url));
  let failure: string | null = null;
  worker.on('message', (e: TrainingEvent) => onEvent(e));
  worker.on('error', (err) => (failure ??= `training worker failed: ${err.message}`));
  worker.on('exit', (code) => onEnd(failure ?? (code === 0 ? null : `training worker exited with code ${code}`)));
  return { send: (msg) => worker.postMessage(msg) };
};
