// The host's side of the link to a training worker, whatever runs it (a child
// process, a worker thread, or a launcher a front injects).
import type { ToWorker, TrainingEvent } from './training-protocol.ts';

export interface TrainerLink {
  /** Sends a message; one sent after the worker ended is dropped. */
  send(msg: ToWorker): void;
}

/**
 * Starts a worker. `onEvent` receives every event it posts, in order; `onEnd`
 * is called once, after the last event, with why the worker ended abnormally
 * (exit code or signal and the cause it printed), or null for a clean end.
 */
export type TrainerLauncher = (onEvent: (e: TrainingEvent) => void, onEnd: (abnormal: string | null) => void) => TrainerLink;

/** The training worker's entry file, for a launcher that starts its own kind of process (Electron's utilityProcess). */
export const TRAIN_WORKER_BOOT = new URL('./train-worker-boot.mjs', import.meta.url);
