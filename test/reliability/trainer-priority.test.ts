// A trainer started from a screen yields the CPU to it. Real child processes
// train a tiny run through the launchers the fronts use: browser mode's
// (trainerProcessLauncher with SCREEN_TRAINER_NICE) puts every thread of the
// trainer, V8's helpers included, at nice 10, and its own autogroup too (it is
// forked detached, so it leads a session, and autogroup scheduling would
// otherwise give it an equal share against the whole screen); the CLI's
// trainer keeps the host's priority. Linux only (/proc).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun, parseRunConfig } from '../../core/services/runs.ts';
import { resolveDataset } from '../../core/services/datasets.ts';
import { History } from '../../core/storage/history.ts';
import { SCREEN_TRAINER_NICE } from '../../core/worker/background-priority.ts';
import { launchTrainerProcess, trainerProcessLauncher } from '../../core/worker/train-process.ts';
import type { TrainerLauncher } from '../../core/worker/trainer-link.ts';
import { startTraining } from '../../core/worker/training-host.ts';
import { autogroupNice, findProcesses, threadNiceValues } from '../helpers/process-priority.ts';

let dir: string;
let history: History;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-priority-'));
  history = History.open(dir);
});

afterAll(() => {
  history.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Seen {
  threads: number[];
  autogroup: number | null;
}

/** Trains a run through `launch` and reads its trainer's scheduling at step 3, then stops it. */
async function priorityOfTrainer(launch: TrainerLauncher): Promise<Seen> {
  const dataset = await resolveDataset(history, dir, 'brackets');
  const config = parseRunConfig(
    {
      model: { kind: 'lstm', hiddenSize: 8, embedSize: 8 },
      train: {
        steps: 1_000_000,
        batchSize: 2,
        seqLen: 8,
        backend: 'cpu',
        validEvery: 100_000,
        validTokens: 64,
        sampleEvery: 0,
        checkpointEvery: 1_000_000,
      },
    },
    dataset,
  );
  const run = createRun(history, dataset, config);
  history.claimRun(run.id, process.pid);
  let seen: Seen | undefined;
  const handle: ReturnType<typeof startTraining> = startTraining(
    { runId: run.id, dataDir: dir, resume: false },
    (e) => {
      if (e.type !== 'progress' || e.metrics.step !== 3) return;
      // The one trainer this test process forked (its parent is us).
      const [pid] = findProcesses('train-worker-boot.mjs').filter(
        (p) => fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(process.pid),
      );
      seen = { threads: threadNiceValues(pid!), autogroup: autogroupNice(pid!) };
      handle.stop();
    },
    launch,
  );
  expect((await handle.done).status).toBe('stopped');
  return seen!;
}

describe.skipIf(process.platform !== 'linux')('trainer priority', () => {
  it("puts every thread of a screen's trainer, and its autogroup, at nice 10", async () => {
    const host = os.getPriority();
    const seen = await priorityOfTrainer(trainerProcessLauncher({ nice: SCREEN_TRAINER_NICE }));
    // More than the main thread: V8's helpers, started before any of our code ran, are lowered too.
    expect(seen.threads.length).toBeGreaterThan(3);
    expect(new Set(seen.threads)).toEqual(new Set([Math.max(SCREEN_TRAINER_NICE, host)]));
    if (seen.autogroup !== null) expect(seen.autogroup).toBe(SCREEN_TRAINER_NICE);
  });

  it("leaves the CLI's trainer at the host's priority", async () => {
    const host = os.getPriority();
    const seen = await priorityOfTrainer(launchTrainerProcess);
    expect(new Set(seen.threads)).toEqual(new Set([host]));
    if (seen.autogroup !== null) expect(seen.autogroup).toBe(0);
  });
});
