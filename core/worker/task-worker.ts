// Runs one short task that builds a model (sampling, export, an experiment's
// analysis, audio) or draws plots (an experiment's export) in a child process
// (a worker thread inside Electron), so the app's main thread (Electron's
// main process, the server) never blocks on model work, and a task that dies
// of a V8 fatal error takes nothing else with it. Opens its own history
// connection. Its task arrives as the first message (task-host.ts).
import * as tf from '@tensorflow/tfjs';
import { activateLocalBackend } from '../engine/backends.ts';
import { exportExperiment } from '../services/experiment-export.ts';
import { writePaperReport } from '../services/paper-check/paper-check.ts';
import { analyzeExperiment } from '../services/experiments/analysis.ts';
import { generateAudio } from '../services/audio-generation.ts';
import { exportRun } from '../services/exports.ts';
import { sampleRun, type SampleRequest } from '../services/sampling.ts';
import { musicRollResult, sampleMusicRun, type MusicSampleRequest } from '../services/music-sampling.ts';
import { History } from '../storage/history.ts';
import { connectToParent } from './parent-link.ts';
import type { TaskMessage, TaskRequest } from './task-host.ts';
import { crashTaskIfAskedForTest } from './test-crash.ts';

tf.env().set('PROD', true);
const parent = connectToParent<TaskRequest, TaskMessage<unknown>>();

async function run(task: TaskRequest): Promise<unknown> {
  await activateLocalBackend();
  const history = History.open(task.dataDir, { markCrashed: false });
  try {
    crashTaskIfAskedForTest(task.kind);
    if (task.kind === 'analyze') return await analyzeExperiment(history, task.experimentId);
    if (task.kind === 'exportExperiment') return await exportExperiment(history, task.experimentId, task.outDir);
    if (task.kind === 'paperReport') return writePaperReport(history, task.outDir);
    if (task.kind === 'sample') return await sampleRun(history, task.runRef, task.args as SampleRequest);
    if (task.kind === 'sampleMusic') return musicRollResult(await sampleMusicRun(history, task.runRef, task.args as MusicSampleRequest));
    if (task.kind === 'generateAudio') {
      return await generateAudio(history, task.runRef, {
        ...task.args,
        onProgress: (done, total) => parent.post({ progress: { done, total } }),
      });
    }
    const { format, outDir } = task.args as { format: string; outDir: string };
    return await exportRun(history, task.runRef, format, outDir);
  } finally {
    history.close();
  }
}

let started = false;
parent.onMessage((task) => {
  if (started) return; // one task per worker
  started = true;
  void run(task)
    .then(
      (result) => parent.post({ ok: true, result }),
      (e: Error) => parent.post({ ok: false, error: e.message }),
    )
    .finally(() => parent.close());
});
