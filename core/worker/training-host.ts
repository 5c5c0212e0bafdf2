// Starts a training worker and relays its events. Used by the CLI, the server
// (through LabService) and experiments. The worker is a child process, so a
// trainer that dies of anything (V8 fatal error, out-of-memory kill) takes
// nothing but itself: the caller's event loop stays free and survives it.
// Electron's main process cannot fork: it injects a utility-process launcher
// (electron/utility-trainer.ts); without one it falls back to a thread (train-thread.ts).
import { launchTrainerProcess } from './train-process.ts';
import { launchTrainerThread } from './train-thread.ts';
import type { TrainerLauncher } from './trainer-link.ts';
import type { TrainingEvent } from './training-protocol.ts';

type DoneEvent = Extract<TrainingEvent, { type: 'done' }>;

export interface TrainingHandle {
  /** Asks the worker to checkpoint and stop after the current step. */
  stop(): void;
  /** Resolves with the final event once the worker has ended; one that dies without it yields status 'crashed' with the cause. */
  done: Promise<DoneEvent>;
}

/** A child process where this runtime can fork one; a worker thread inside Electron when it injected no launcher. */
export function defaultTrainerLauncher(): TrainerLauncher {
  return process.versions['electron'] ? launchTrainerThread : launchTrainerProcess;
}

export function startTraining(
  opts: { runId: number; dataDir: string; resume: boolean; bundleDir?: string; stopAtStep?: number },
  onEvent: (e: TrainingEvent) => void,
  launch: TrainerLauncher = defaultTrainerLauncher(),
): TrainingHandle {
  let final: DoneEvent | undefined;
  /** The last step the worker reported (and stored): where a crashed run stands. */
  let step = 0;
  let link: ReturnType<TrainerLauncher> | undefined;
  const done = new Promise<DoneEvent>((resolve) => {
    link = launch(
      (e) => {
        if (e.type === 'done') final = e;
        else if (e.type === 'started') step = e.step;
        else if (e.type === 'progress') step = e.metrics.step;
        onEvent(e);
      },
      (abnormal) => {
        // A worker that reported its end did its own bookkeeping, even if it exited oddly afterwards.
        resolve(
          final ?? {
            type: 'done',
            runId: opts.runId,
            status: 'crashed',
            step,
            validLoss: null,
            error: abnormal ?? 'training worker ended without reporting a result',
          },
        );
      },
    );
  });
  link!.send({ type: 'start', ...opts, ownerPid: process.pid });
  return { stop: () => link!.send({ type: 'stop' }), done };
}
