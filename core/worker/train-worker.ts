// Runs one training run in a child process (or, in Electron, a worker
// thread), so no training step ever blocks the event loop of the CLI, the
// server or Electron's main process, and a trainer that dies (V8 fatal error,
// out-of-memory kill) takes nothing else with it. Wires the pure Trainer to
// the history: metrics (batched), checkpoints and status are written here, on
// this worker's own database connection, under the host's pid (see
// StartTraining.ownerPid). A Slurm sweep trial records into a run bundle
// instead, through the same calls (run-record-store.ts).
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '../engine/backends.ts';
import { buildModel } from '../ml/models/build-model.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../ml/train/checkpoint.ts';
import { Trainer } from '../ml/train/trainer.ts';
import { Tokenizer } from '../ml/text/vocab.ts';
import { measureBatchContraction } from '../ml/stability/batch-contraction.ts';
import { openTaskData, trainingSamplesOf, type OpenedTask } from '../datasets/registry.ts';
import { runConfigOf } from '../storage/history.ts';
import { openRunStore } from './run-record-store.ts';
import { sampleDuringTraining } from './sample-during-training.ts';
import { audioDuringTraining } from './audio-during-training.ts';
import { connectToParent } from './parent-link.ts';
import { crashIfAskedForTest } from './test-crash.ts';
import type { FinalStatus, StartTraining, TrainingEvent } from './training-protocol.ts';

tf.env().set('PROD', true); // silences TF.js's console advice about tfjs-node
const parent = connectToParent();

let stopRequested = false;
const post = (e: TrainingEvent) => parent.post(e);
/** Lets the worker's event loop run (and a 'stop' message arrive) between steps. */
const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

parent.onMessage((msg) => {
  if (msg.type === 'stop') stopRequested = true;
  else if (msg.type === 'start') void train(msg).finally(() => parent.close());
});

async function train(msg: StartTraining): Promise<void> {
  // The history, or a sweep trial's bundle work folder: the same calls either way.
  const history = openRunStore(msg);
  let status: FinalStatus;
  let error: string | null = null;
  let trainer: Trainer | undefined;
  let task: OpenedTask | undefined;
  const { runId, ownerPid } = msg;
  try {
    // Ownership first, before anything about the run changes (the truncation
    // below deletes rows): a process that does not own the run writes nothing.
    history.claimRun(runId, ownerPid);
  } catch (e) {
    history.close();
    post({ type: 'done', runId, status: 'crashed', step: 0, validLoss: null, error: (e as Error).message });
    return;
  }
  try {
    const run = history.resolveRun(String(runId));
    const config = runConfigOf(run);
    const dataset = history.getDataset(run.datasetId);
    if (!dataset) throw new Error(`run ${runId}: its dataset ${run.datasetId} is gone`);
    if (dataset.fingerprint !== run.datasetFingerprint)
      throw new Error(`run ${runId}: dataset "${dataset.name}" changed since the run started (fingerprint mismatch)`);
    task = openTaskData(dataset);
    // `auto` times a few steps of this very workload on each backend (cached per class in the data folder); the model is built after.
    const backend = await activateBackend(config.train.backend, {
      workload: { model: config.model, train: config.train, task: task.data },
      dataDir: msg.dataDir,
    });
    const model = buildModel(config.model, config.train.seed);
    trainer = new Trainer(model, config.train, task.data, { contraction: measureBatchContraction });
    // Text samples only make sense for text; music and synthetic tasks have no tokenizer.
    const tokenizer = trainingSamplesOf(dataset) === 'text' ? new Tokenizer(dataset.vocab) : null;

    let resumedFrom: number | null = null;
    if (msg.resume) {
      const ckpt = history.loadLatestCheckpoint(runId);
      if (ckpt) {
        trainer.restore(decodeCheckpoint(ckpt.bytes));
        resumedFrom = ckpt.step;
      }
      // Metrics after the checkpoint are redone, so the curve continues without a jump.
      parent.exitIfHostGone(); // measuring `auto` may have taken seconds: the host may be gone and the run claimed again
      history.truncateMetricsAfter(runId, resumedFrom ?? 0);
      history.truncateSamplesAfter(runId, resumedFrom ?? 0);
    }
    parent.exitIfHostGone();
    history.markRunning(runId, { pid: ownerPid, backend: backend.name, device: backend.device });
    post({
      type: 'started',
      runId,
      backend: backend.name,
      device: backend.device,
      step: trainer.step,
      totalSteps: config.train.steps,
      paramCount: model.parameterCount(),
      resumedFrom,
    });

    const outcome = await trainer.run({
      onMetrics: async (row) => {
        // Stored before it is announced: whatever a client saw, getMetrics can return.
        parent.exitIfHostGone();
        history.appendMetrics(runId, [row]);
        crashIfAskedForTest(runId);
        post({ type: 'progress', runId, totalSteps: config.train.steps, metrics: row });
        const { sampleEvery, sampleLength, sampleTemperature } = config.train;
        if (tokenizer && sampleEvery > 0 && (row.step % sampleEvery === 0 || row.step === config.train.steps)) {
          const sample = await sampleDuringTraining(model, tokenizer, {
            step: row.step,
            length: sampleLength,
            temperature: sampleTemperature,
            seed: config.train.seed + row.step,
          });
          parent.exitIfHostGone();
          post({ type: 'sample', runId, sample: history.addSample(runId, sample) });
        }
        if (
          trainingSamplesOf(dataset) === 'audio' &&
          sampleEvery > 0 &&
          (row.step % sampleEvery === 0 || row.step === config.train.steps)
        ) {
          parent.exitIfHostGone();
          const sample = await audioDuringTraining(history, runId, dataset, model, {
            step: row.step,
            seconds: config.train.sampleSeconds,
            temperature: sampleTemperature,
            seed: config.train.seed + row.step,
            shouldStop: () => stopRequested,
          });
          if (sample) post({ type: 'audioSample', runId, sample });
        }
        await yieldToEventLoop();
      },
      onCheckpoint: async (snap) => {
        const bytes = encodeCheckpoint(snap);
        parent.exitIfHostGone();
        history.saveCheckpoint(runId, snap.step, bytes);
        post({ type: 'checkpoint', runId, step: snap.step });
      },
      // A rung's end (stopAtStep) stops the run exactly there; a host's stop message may land a few steps later.
      shouldStop: () => stopRequested || (msg.stopAtStep !== undefined && trainer!.step >= msg.stopAtStep),
    });
    status = outcome.status;
    if (outcome.status === 'diverged') error = outcome.error;
    model.dispose();
  } catch (e) {
    status = 'crashed';
    error = (e as Error).message;
  } finally {
    trainer?.dispose();
    task?.close();
  }
  let step = trainer?.step ?? 0;
  let validLoss: number | null = null;
  try {
    const run = history.setStatus(runId, status, error ?? undefined, ownerPid);
    step = Math.max(step, run.step);
    validLoss = run.validLoss;
  } catch (e) {
    error = `${error ? `${error}; ` : ''}could not record the final status: ${(e as Error).message}`;
  }
  history.close();
  post({ type: 'done', runId, status, step, validLoss, error });
}
