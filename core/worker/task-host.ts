// Runs a sampling, export or experiment task in a fresh worker thread and
// resolves with its result (or rejects with its error message).
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
  | { kind: 'exportExperiment'; dataDir: string; experimentId: number; outDir: string };

/**
 * @param signal aborting it terminates the worker; the promise rejects with "stopped"
 */
export function runTask<T>(task: TaskRequest, signal?: AbortSignal): Promise<T> {
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
    worker.once('message', (m: { ok: true; result: T } | { ok: false; error: string }) => {
      if (settled) return;
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
