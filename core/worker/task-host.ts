// Runs a sampling, export, audio-generation or experiment task in a fresh
// child process (a worker thread inside Electron) and resolves with its result
// (or rejects with its error message, or with how its process died); progress
// messages it posts before that go to `onProgress`.
import { Worker } from 'node:worker_threads';
import { forkWorker } from './fork-worker.ts';

export type TaskRequest =
  | {
      /** sampleMusic: core/services/music-sampling.ts; resolves with the contract's music roll. */
      kind: 'sample' | 'export' | 'sampleMusic';
      dataDir: string;
      runRef: string;
      args: unknown;
    }
  /** An experiment's analysis (core/services/experiments/analysis.ts); resolves with its ExperimentResult. */
  | { kind: 'analyze'; dataDir: string; experimentId: number }
  /** An experiment's CSV + PNG export (core/services/experiment-export.ts); resolves with an ExportResult. */
  | { kind: 'exportExperiment'; dataDir: string; experimentId: number; outDir: string }
  /** The paper-check report (core/services/paper-check/paper-check.ts); resolves with an ExportResult. */
  | { kind: 'paperReport'; dataDir: string; outDir: string }
  /** Audio from a run (core/services/audio-generation.ts); resolves with an AudioGenerationSummary, posts progress. */
  | { kind: 'generateAudio'; dataDir: string; runRef: string; args: TaskAudioArgs };

/** generateAudio's request without its callback (it crosses the thread boundary). */
export interface TaskAudioArgs {
  seconds: number;
  temperature: number;
  seed: number;
  primeClip?: string;
  method?: 'cached' | 'naive';
}

/** A task's progress report: `done` of `total` units (samples, for audio). */
export interface TaskProgress {
  done: number;
  total: number;
}

/** What a task worker posts: any number of progress reports, then one result. */
export type TaskMessage<T> = { progress: TaskProgress } | { ok: true; result: T } | { ok: false; error: string };

/** A task's worker, whatever runs it. */
interface TaskWorker {
  send(task: TaskRequest): void;
  kill(): void;
}

/** Starts a task worker; `onEnd` is called once, after its last message, with why it ended abnormally or null. */
type TaskLauncher = (what: string, onMessage: (m: unknown) => void, onEnd: (abnormal: string | null) => void) => TaskWorker;

const BOOT = new URL('./task-worker-boot.mjs', import.meta.url);

/** A child process: a V8 fatal error in the task ends it alone, and its cause is reported. */
const launchTaskProcess: TaskLauncher = (what, onMessage, onEnd) => forkWorker(BOOT, { what }, onMessage, onEnd);

/** A worker thread: inside Electron, whose main process cannot fork (see train-thread.ts). */
const launchTaskThread: TaskLauncher = (_what, onMessage, onEnd) => {
  const worker = new Worker(BOOT);
  let failure: string | null = null;
  worker.on('message', onMessage);
  worker.on('error', (err) => (failure ??= err.message));
  worker.on('exit', (code) => onEnd(failure ?? (code === 0 ? null : `exited with code ${code}`)));
  return { send: (task) => worker.postMessage(task), kill: () => void worker.terminate() };
};

/**
 * Runs `task` in a fresh worker (a child process; a thread inside Electron).
 * @param signal aborting it ends the worker; the promise rejects with "stopped"
 * @param onProgress receives the task's progress reports (audio generation sends them)
 * @returns its result; rejects with its error, or with how its process died
 *   ("sample process killed by SIGABRT: FATAL ERROR: ...")
 */
export function runTask<T>(task: TaskRequest, signal?: AbortSignal, onProgress?: (p: TaskProgress) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error(`${task.kind}: stopped`));
    const launch = process.versions['electron'] ? launchTaskThread : launchTaskProcess;
    let settled = false;
    const onAbort = () => {
      if (settled) return;
      settled = true;
      worker.kill();
      reject(new Error(`${task.kind}: stopped`));
    };
    const worker = launch(
      `${task.kind} process`,
      (message) => {
        const m = message as TaskMessage<T>;
        if (settled) return;
        if ('progress' in m) {
          onProgress?.(m.progress);
          return;
        }
        settled = true;
        if (m.ok) resolve(m.result);
        else reject(new Error(m.error));
      },
      (abnormal) => {
        signal?.removeEventListener('abort', onAbort);
        if (settled) return;
        settled = true;
        reject(new Error(abnormal ?? `${task.kind} worker ended without a result`));
      },
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.send(task);
  });
}
