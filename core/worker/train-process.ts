// Starts a training worker as a child process: a V8 fatal error or an
// out-of-memory kill there ends that process alone, and the host sees how it
// ended. Same messages as the worker thread, over IPC with structured clone.
import { TRAINER_NICE_ENV } from './background-priority.ts';
import { forkWorker } from './fork-worker.ts';
import type { TrainerLauncher } from './trainer-link.ts';
import type { TrainingEvent } from './training-protocol.ts';

/**
 * `nice`: the trainer's priority (1-19, lower priority as it grows), for a
 * host that serves a screen on the same cores (browser mode): the trainer
 * then yields to the page and the server whenever they need a core.
 */
export function trainerProcessLauncher(opts: { nice?: number } = {}): TrainerLauncher {
  return (onEvent, onEnd) => {
    const child = forkWorker(
      new URL('./train-worker-boot.mjs', import.meta.url),
      // Its own process group (detached) keeps a terminal's Ctrl-C away from it:
      // the host asks it to stop over IPC, so it checkpoints first.
      { what: 'training process', detached: true, ...(opts.nice ? { env: { [TRAINER_NICE_ENV]: String(opts.nice) } } : {}) },
      (e) => onEvent(e as TrainingEvent),
      onEnd,
    );
    return { send: (msg) => child.send(msg) };
  };
}

/** A trainer at the host's own priority (the CLI: the run is the job the user is waiting for). */
export const launchTrainerProcess: TrainerLauncher = trainerProcessLauncher();
