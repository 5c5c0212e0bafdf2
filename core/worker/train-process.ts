// Starts a training worker as a child process: a V8 fatal error or an
// out-of-memory kill there ends that process alone, and the host sees how it
// ended. Same messages as the worker thread, over IPC with structured clone.
import { forkWorker } from './fork-worker.ts';
import type { TrainerLauncher } from './trainer-link.ts';
import type { TrainingEvent } from './training-protocol.ts';

export const launchTrainerProcess: TrainerLauncher = (onEvent, onEnd) => {
  const child = forkWorker(
    new URL('./train-worker-boot.mjs', import.meta.url),
    // Its own process group (detached) keeps a terminal's Ctrl-C away from it:
    // the host asks it to stop over IPC, so it checkpoints first.
    { what: 'training process', detached: true },
    (e) => onEvent(e as TrainingEvent),
    onEnd,
  );
  return { send: (msg) => child.send(msg) };
};
