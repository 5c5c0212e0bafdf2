// Runs a sampling or export task in a fresh worker thread and resolves with
// its result (or rejects with its error message).
import { Worker } from 'node:worker_threads';

export interface TaskRequest {
  kind: 'sample' | 'export';
  dataDir: string;
  runRef: string;
  args: unknown;
}

export function runTask<T>(task: TaskRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./task-worker-boot.mjs', import.meta.url), { workerData: task });
    let settled = false;
    worker.once('message', (m: { ok: true; result: T } | { ok: false; error: string }) => {
      settled = true;
      if (m.ok) resolve(m.result);
      else reject(new Error(m.error));
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`${task.kind} worker exited with code ${code}`));
    });
  });
}
