// Runs a sampling, export, audio-generation or experiment task in a fresh
// worker thread and resolves with its result (or rejects with its error
// message); progress messages it posts before that go to `onProgress`.
import { Worker } from 'node:worker_threads';

export type TaskRequest =
  | {
      kind: 'sample' | 'export';
      dataDir: string;
      runRef: string;
      args: unknown;
    }
  /** An experiment's analysis (core/services/experiments/analysis.ts); resolves with its ExperimentResult. */
  | { kind: 'analyze'; dataDir: string; experimentId: number }
  /** An experiment's CSV + PNG export (core/services/experiment-export.ts); resolves with an ExportResult. */
  | { kind: 'exportExperiment'; dataDir: string; experimentId: number; outDir: string }
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

/**
 * @param signal aborting it terminates the worker; the promise rejects with "stopped"
 * @param onProgress receives the task's progress reports (audio generation sends them)
 */
export function runTask<T>(task: TaskRequest, signal?: AbortSignal, onProgress?: (p: TaskProgress) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error(`${task.kind}: stopped`));
    const worker = new Worker(new URL('./task-worker-boot.mjs', import.meta.url), { workerData: task });
    let settled = false;
    const onAbort = () => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      reject(new Error(`${task.kind}: stopped`));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: TaskMessage<T>) => {
      if (settled) return;
      if ('progress' in m) {
        onProgress?.(m.progress);
        return;
      }
      settled = true;
      if (m.ok) resolve(m.result);
      else reject(new Error(m.error));
    });
    worker.once('error', (e) => {
      if (settled) return;
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (!settled) reject(new Error(`${task.kind} worker exited with code ${code}`));
    });
  });
}
