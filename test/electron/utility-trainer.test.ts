// The Electron utility-process trainer (electron/utility-trainer.ts). No
// Electron binary exists here, so a real forked Node process stands in for
// utilityProcess.fork: it gets a `process.parentPort` like a utility process
// (fixtures/utility-process-shim.mjs) and reports its end as an exit code, as
// Electron does. Through that stand-in the real training worker trains a run
// to the end, stops on request with a checkpoint, and a fatal abort in one
// ends only that process, recorded 'crashed' with the cause.
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForkOptions } from 'electron';
import { createRun, parseRunConfig } from '../../core/services/runs.ts';
import { resolveDataset } from '../../core/services/datasets.ts';
import { History } from '../../core/storage/history.ts';
import { SCREEN_TRAINER_NICE } from '../../core/worker/background-priority.ts';
import { startTraining } from '../../core/worker/training-host.ts';
import type { TrainingEvent } from '../../core/worker/training-protocol.ts';
import { threadNiceValues } from '../helpers/process-priority.ts';
import { utilityTrainerLauncher, type UtilityChild, type UtilityProcessApi } from '../../electron/utility-trainer.ts';

const SHIM = path.join(import.meta.dirname, 'fixtures', 'utility-process-shim.mjs');

/** utilityProcess.fork over a real child process; records what it was asked. */
function standIn(): UtilityProcessApi & { forks: { modulePath: string; options: ForkOptions | undefined; pid: number }[] } {
  const forks: { modulePath: string; options: ForkOptions | undefined; pid: number }[] = [];
  return {
    forks,
    fork(modulePath, _args, options) {
      const stdio = options?.stdio as string[];
      const child = fork(SHIM, [modulePath], {
        stdio: [stdio[0], stdio[1], stdio[2], 'ipc'] as ('ignore' | 'inherit' | 'pipe' | 'ipc')[],
        serialization: 'advanced',
        ...(options?.env ? { env: options.env as NodeJS.ProcessEnv } : {}),
      });
      forks.push({ modulePath, options, pid: child.pid! });
      const proc = new EventEmitter() as EventEmitter & UtilityChild;
      Object.assign(proc, { stderr: child.stderr, postMessage: (m: unknown) => child.send(m as object) });
      child.on('message', (m) => proc.emit('message', m));
      // Electron reports the waitpid status as one code: a signal as 128 + its number.
      child.on('exit', (code, signal) => proc.emit('exit', code ?? 128 + os.constants.signals[signal!]));
      return proc;
    },
  };
}

let dir: string;
let history: History;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-utility-'));
  history = History.open(dir);
});

afterAll(() => {
  delete process.env['SEQLAB_TEST_CRASH'];
  history.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function newRun(steps: number): Promise<number> {
  const dataset = await resolveDataset(history, dir, 'brackets');
  const config = parseRunConfig(
    {
      model: { kind: 'lstm', hiddenSize: 8, embedSize: 8 },
      train: { steps, batchSize: 2, seqLen: 8, backend: 'cpu', validEvery: 100_000, validTokens: 64, sampleEvery: 0, checkpointEvery: 5 },
    },
    dataset,
  );
  const run = createRun(history, dataset, config);
  history.claimRun(run.id, process.pid);
  return run.id;
}

describe('training in an Electron utility process', () => {
  it('forks the training worker and trains a run to the end over the utility link', async () => {
    const api = standIn();
    const runId = await newRun(12);
    const events: TrainingEvent['type'][] = [];
    const done = await startTraining({ runId, dataDir: dir, resume: false }, (e) => events.push(e.type), utilityTrainerLauncher(api)).done;
    expect(api.forks).toHaveLength(1);
    expect(api.forks[0]!.modulePath).toMatch(/core[/\\]worker[/\\]train-worker-boot\.mjs$/);
    expect(api.forks[0]!.options?.stdio).toEqual(['ignore', 'inherit', 'pipe']);
    expect(done).toMatchObject({ status: 'completed', step: 12, error: null });
    expect(events[0]).toBe('started');
    expect(events.filter((t) => t === 'progress')).toHaveLength(12);
    expect(history.getRun(runId)).toMatchObject({ status: 'completed', step: 12 });
  });

  it('stops on request with a checkpoint at the step it reached, having trained below the windows', async () => {
    const runId = await newRun(1_000_000);
    const api = standIn();
    let nice: number[] = [];
    const handle: ReturnType<typeof startTraining> = startTraining(
      { runId, dataDir: dir, resume: false },
      (e) => {
        if (e.type !== 'progress' || e.metrics.step !== 3) return;
        if (process.platform === 'linux') nice = threadNiceValues(api.forks[0]!.pid);
        handle.stop();
      },
      utilityTrainerLauncher(api),
    );
    const done = await handle.done;
    expect(done.status).toBe('stopped');
    expect(history.loadLatestCheckpoint(runId)?.step).toBe(done.step);
    // Every thread yields to the app's windows (background-priority.ts); the session's autogroup is the app's, left alone.
    if (process.platform === 'linux') expect(new Set(nice)).toEqual(new Set([Math.max(SCREEN_TRAINER_NICE, os.getPriority())]));
  });

  it('records a fatal abort as crashed with the cause, and the host goes on', async () => {
    const runId = await newRun(50);
    process.env['SEQLAB_TEST_CRASH'] = `${runId}:abort`;
    try {
      const done = await startTraining({ runId, dataDir: dir, resume: false }, () => {}, utilityTrainerLauncher(standIn())).done;
      expect(done).toMatchObject({
        status: 'crashed',
        error: `training process exited with code 134: FATAL ERROR: SEQLAB_TEST_CRASH deliberate abort of run ${runId}`,
      });
      // It died after storing step 1 (before announcing it); the host records the crash from here (LabService, the CLI).
      expect(history.getMetrics(runId).map((m) => m.step)).toEqual([1]);
    } finally {
      delete process.env['SEQLAB_TEST_CRASH'];
    }
    // This process (the stand-in's Electron main) is alive and can train the next run.
    const next = await newRun(3);
    const done = await startTraining({ runId: next, dataDir: dir, resume: false }, () => {}, utilityTrainerLauncher(standIn())).done;
    expect(done.status).toBe('completed');
  });
});
