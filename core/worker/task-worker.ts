// Runs one short task that builds a model (sampling, export, an experiment's
// analysis) or draws plots (an experiment's export) in a worker
// thread, so the app's main thread (Electron's main process, the server)
// never blocks on model work. Opens its own history connection.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { activateLocalBackend } from '../engine/backends.ts';
import { exportExperiment } from '../services/experiment-export.ts';
import { analyzeExperiment } from '../services/experiments/analysis.ts';
import { generateAudio } from '../services/audio-generation.ts';
import { exportRun } from '../services/exports.ts';
import { sampleRun, type SampleRequest } from '../services/sampling.ts';
import { History } from '../storage/history.ts';
import type { TaskMessage, TaskRequest } from './task-host.ts';

tf.env().set('PROD', true);
const task = workerData as TaskRequest;

async function run(): Promise<unknown> {
  await activateLocalBackend();
  const history = History.open(task.dataDir, { markCrashed: false });
  try {
    if (task.kind === 'analyze') return await analyzeExperiment(history, task.experimentId);
    if (task.kind === 'exportExperiment') return await exportExperiment(history, task.experimentId, task.outDir);
    if (task.kind === 'sample') return await sampleRun(history, task.runRef, task.args as SampleRequest);
    if (task.kind === 'generateAudio') {
      const post = (m: TaskMessage<unknown>) => parentPort!.postMessage(m);
      return await generateAudio(history, task.runRef, { ...task.args, onProgress: (done, total) => post({ progress: { done, total } }) });
    }
    const { format, outDir } = task.args as { format: string; outDir: string };
    return await exportRun(history, task.runRef, format, outDir);
  } finally {
    history.close();
  }
}

run().then(
  (result) => parentPort!.postMessage({ ok: true, result }),
  (e: Error) => parentPort!.postMessage({ ok: false, error: e.message }),
);
