// The one rule of a run's end (core/app/run-end.ts), on a real history: a
// worker that died leaves its run 'running' under this process, and the host
// records it crashed with the cause, at the step the history reached; a run
// another live process owns, or one the worker already ended, is left alone.
import { afterAll, describe, expect, it } from 'vitest';
import { recordRunEnd, withRecordedEnd } from '../../core/app/run-end.ts';
import { History, type MetricRow } from '../../core/storage/history.ts';
import type { TrainingHandle } from '../../core/worker/training-host.ts';
import { cleanupTempDirs, seedRun, tempDir } from '../storage/helpers.ts';

afterAll(cleanupTempDirs);

const metric = (step: number): MetricRow => ({
  step,
  wallMs: step * 10,
  trainLoss: 3,
  validLoss: null,
  bitsPerSymbol: 4.2,
  validAccuracy: null,
  stabilityBound: null,
  contraction: null,
  tokensPerSec: 1000,
  gradNorm: 0.5,
  lr: 1e-3,
});

type Done = Awaited<TrainingHandle['done']>;
const crashed = (runId: number, error: string | null, step = 0): Done => ({
  type: 'done',
  runId,
  status: 'crashed',
  step,
  validLoss: null,
  error,
});
const noDiskFull = (e: unknown) => {
  throw e;
};

describe('recordRunEnd', () => {
  it('marks a run its dead worker left running here crashed, with the cause, at the step the history reached', () => {
    const h = History.open(tempDir());
    const id = seedRun(h);
    h.claimRun(id, process.pid);
    h.appendMetrics(id, [metric(1), metric(2), metric(3)]);
    // The worker announced step 1 only; it stored three before it died.
    const end = recordRunEnd(h, crashed(id, 'killed by SIGKILL', 1), noDiskFull);
    expect(end).toMatchObject({ status: 'crashed', step: 3, error: 'killed by SIGKILL' });
    expect(h.getRun(id)).toMatchObject({ status: 'crashed', error: 'killed by SIGKILL' });
    // Without a cause it still says what happened.
    const other = seedRun(h);
    h.claimRun(other, process.pid);
    recordRunEnd(h, crashed(other, null), noDiskFull);
    expect(h.getRun(other)).toMatchObject({ status: 'crashed', error: 'training worker ended unexpectedly' });
    h.close();
  });

  it('leaves a run alone that another live process owns, or that its worker already ended', () => {
    const h = History.open(tempDir(), { markCrashed: false });
    const theirs = seedRun(h);
    h.claimRun(theirs, process.ppid); // a live process other than this one
    recordRunEnd(h, crashed(theirs, 'lost the claim'), noDiskFull);
    expect(h.getRun(theirs)).toMatchObject({ status: 'running', pid: process.ppid, error: null });
    const ended = seedRun(h);
    h.claimRun(ended, process.pid);
    h.setStatus(ended, 'stopped', undefined, process.pid);
    recordRunEnd(h, { type: 'done', runId: ended, status: 'stopped', step: 0, validLoss: null, error: null }, noDiskFull);
    expect(h.getRun(ended)).toMatchObject({ status: 'stopped', error: null });
    h.close();
  });

  it('a worker killed by a full disk gets no write: the history turns read-only with that cause, the run stays running here', () => {
    const h = History.open(tempDir());
    const id = seedRun(h);
    h.claimRun(id, process.pid);
    h.appendMetrics(id, [metric(1), metric(2)]);
    const causes: unknown[] = [];
    // The write would succeed here (the disk is not full): what is checked is that none is tried.
    const end = recordRunEnd(h, crashed(id, 'SqliteError: database or disk is full', 1), (e) => causes.push(e));
    expect(causes).toEqual(['SqliteError: database or disk is full']);
    expect(end).toMatchObject({ status: 'crashed', step: 2 });
    expect(h.getRun(id)).toMatchObject({ status: 'running', pid: process.pid, error: null });
    // The worker's own last write fitted (it recorded the crash itself): the disk is still full, so read-only all the same.
    const recorded = seedRun(h);
    h.claimRun(recorded, process.pid);
    h.setStatus(recorded, 'crashed', 'ENOSPC: no space left on device, write', process.pid);
    recordRunEnd(h, crashed(recorded, 'ENOSPC: no space left on device, write'), (e) => causes.push(e));
    expect(causes.at(-1)).toBe('ENOSPC: no space left on device, write');
    h.close();
  });

  it('withRecordedEnd resolves only once the end is recorded, and records once when wrapped twice', async () => {
    const h = History.open(tempDir());
    const id = seedRun(h);
    h.claimRun(id, process.pid);
    let stops = 0;
    const worker: TrainingHandle = { stop: () => stops++, done: Promise.resolve(crashed(id, 'boom')) };
    const handle = withRecordedEnd(h, withRecordedEnd(h, worker));
    handle.stop();
    expect(stops).toBe(1);
    expect(await handle.done).toMatchObject({ status: 'crashed', error: 'boom' });
    expect(h.getRun(id)).toMatchObject({ status: 'crashed', error: 'boom' });
    h.close();
  });
});
