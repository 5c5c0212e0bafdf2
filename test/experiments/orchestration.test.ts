// Driving experiments with the workers replaced by scripted fakes: members
// train in order, a crash or a stop ends the experiment failed or stopped,
// and resuming skips the members that completed (and continues the
// interrupted one from its checkpoint). Plus the contract's experiment
// requests through LabService: kinds with defaults, errors naming the field.
import { fieldProblemOf } from '../../core/contract/structured-error.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../core/app/lab-service.ts';
import type { ExperimentResult } from '../../core/ml/experiments/result-types.ts';
import { ensureBuiltinDataset } from '../../core/services/datasets.ts';
import { driveExperiment, type ExperimentEvent, type ExperimentHooks } from '../../core/app/experiment-supervisor.ts';
import { createExperiment } from '../../core/services/experiments.ts';
import { History } from '../../core/storage/history.ts';
import type { TrainingEvent } from '../../core/worker/training-protocol.ts';
import { cleanupTempDirs, tempDir } from '../storage/helpers.ts';

const dir = tempDir();
let history: History;
let datasetId: number;
beforeAll(async () => {
  history = History.open(dir);
  datasetId = (await ensureBuiltinDataset(history, dir, 'brackets')).id;
});
afterAll(() => {
  history.close();
  cleanupTempDirs();
});

const RESULT: ExperimentResult = {
  notes: ['fake analysis'],
  tables: [{ name: 'runs', title: 'Runs', columns: ['a'], rows: [[1]] }],
  plots: [],
};
const config = () => ({ datasetId, model: { kind: 'rnn', hiddenSize: 8 }, train: { steps: 5, batchSize: 2, seqLen: 8 } });

type Outcome = 'completed' | 'crashed' | 'stopped' | 'hang';

/** Workers replaced: each member "trains" by writing its status as the real worker would; `script` says how each one ends. */
function fakeHooks(script: Outcome[], analyze: () => Promise<ExperimentResult> = async () => RESULT) {
  const calls: { runId: number; resume: boolean }[] = [];
  const events: ExperimentEvent[] = [];
  const hooks: ExperimentHooks = {
    onEvent: (e) => events.push(e),
    analyze: () => analyze(),
    startTraining(opts, onEvent: (e: TrainingEvent) => void) {
      calls.push({ runId: opts.runId, resume: opts.resume });
      const outcome = script.shift() ?? 'completed';
      history.markRunning(opts.runId, { pid: process.pid, backend: 'cpu', device: 'fake' });
      onEvent({
        type: 'started',
        runId: opts.runId,
        backend: 'cpu',
        device: 'fake',
        step: 0,
        totalSteps: 5,
        paramCount: 1,
        resumedFrom: null,
      });
      let stop = () => {};
      const done = new Promise<Extract<TrainingEvent, { type: 'done' }>>((resolve) => {
        const end = (status: 'completed' | 'stopped' | 'crashed', error: string | null) => {
          if (status !== 'crashed') history.setStatus(opts.runId, status); // a crashed worker records nothing
          const e = { type: 'done' as const, runId: opts.runId, status, step: 5, validLoss: null, error };
          onEvent(e);
          resolve(e);
        };
        stop = () => end('stopped', null);
        if (outcome === 'completed') setImmediate(() => end('completed', null));
        if (outcome === 'crashed') setImmediate(() => end('crashed', 'boom'));
        if (outcome === 'stopped') setImmediate(() => end('stopped', null));
      });
      return { stop: () => stop(), done };
    },
  };
  return { hooks, calls, events };
}

describe('driving an experiment', () => {
  it('refuses a bad config naming the field, and writes nothing', () => {
    const runs = history.listRuns().length;
    expect(() => createExperiment(history, 'stability', { ...config(), train: { steps: 0 } })).toThrow(
      /^train\.steps: must be a whole number/,
    );
    expect(() => createExperiment(history, 'stability', { ...config(), model: { kind: 'rnn', hiddenSize: -1 } })).toThrow(
      /^model\.hiddenSize: must be a whole number/,
    );
    expect(() => createExperiment(history, 'stability', { ...config(), datasetId: 999 })).toThrow(/^datasetId: no dataset 999/);
    expect(() => createExperiment(history, 'truncation', { runId: 999 })).toThrow(/^runId: no run 999/);
    expect(history.listExperiments()).toEqual([]);
    expect(history.listRuns().length).toBe(runs);
  });

  it('trains the members in order with the same seed, then analyses and stores the result', async () => {
    const e = createExperiment(history, 'stability', config(), 'pair');
    const runs = e.members.map((m) => history.getRun(m.runId)!);
    expect(e.members.map((m) => m.role)).toEqual(['unconstrained', 'stable']);
    expect(runs.map((r) => r.name)).toEqual([`experiment ${e.id}: unconstrained`, `experiment ${e.id}: stable`]);
    expect(runs.map((r) => (r.config as { model: { spectralBound: unknown } }).model.spectralBound)).toEqual([null, 0.9]);
    expect(new Set(runs.map((r) => r.seed)).size).toBe(1);
    const { hooks, calls, events } = fakeHooks(['completed', 'completed']);
    const final = await driveExperiment(history, dir, e.id, hooks).done;
    expect(final).toMatchObject({ status: 'completed', result: RESULT, error: null });
    expect(calls).toEqual(runs.map((r) => ({ runId: r.id, resume: false })));
    const statuses = events.filter((x) => x.type === 'status').map((x) => (x.type === 'status' ? `${x.status}/${x.phase}` : ''));
    expect(statuses).toEqual(['running/training', 'running/analyzing', 'completed/null']);
    expect(
      events
        .filter((x) => x.type === 'member' && x.event.type === 'started')
        .map((x) => (x.type === 'member' ? [x.role, x.index, x.of] : [])),
    ).toEqual([
      ['unconstrained', 0, 2],
      ['stable', 1, 2],
    ]);
    expect(() => driveExperiment(history, dir, e.id, hooks)).toThrow(/already completed/);
    // One refusal for every front: a structured error on the id, which the app words as a field and the CLI as its positional argument.
    let refusal: unknown;
    try {
      driveExperiment(history, dir, e.id, hooks);
    } catch (err) {
      refusal = err;
    }
    expect(fieldProblemOf(refusal)).toEqual({ field: 'id', reason: `experiment ${e.id} already completed` });
  });

  it('a crashed member fails the experiment; resuming keeps the completed member and continues the crashed one', async () => {
    const e = createExperiment(history, 'stability', config());
    const [first, second] = e.members.map((m) => m.runId) as [number, number];
    const a = fakeHooks(['completed', 'crashed']);
    const failed = await driveExperiment(history, dir, e.id, a.hooks).done;
    expect(failed).toMatchObject({ status: 'failed', error: `member stable (run ${second}) crashed: boom`, result: null });
    expect(history.getRun(second)!.status).toBe('crashed'); // recorded for the dead worker
    const b = fakeHooks(['completed']);
    const resumed = await driveExperiment(history, dir, e.id, b.hooks).done;
    expect(resumed.status).toBe('completed');
    expect(b.calls).toEqual([{ runId: second, resume: true }]);
    expect(history.getRun(first)!.status).toBe('completed');
  });

  it('stop ends the member and the experiment stopped; resume continues from there', async () => {
    const e = createExperiment(history, 'stability', config());
    const [first, second] = e.members.map((m) => m.runId) as [number, number];
    const a = fakeHooks(['hang']);
    const handle = driveExperiment(history, dir, e.id, a.hooks);
    await new Promise((r) => setImmediate(r));
    handle.stop();
    const stopped = await handle.done;
    expect(stopped).toMatchObject({ status: 'stopped', error: null });
    expect(history.getRun(first)!.status).toBe('stopped');
    expect(history.getRun(second)!.status).toBe('queued');
    const b = fakeHooks(['completed', 'completed']);
    expect((await driveExperiment(history, dir, e.id, b.hooks).done).status).toBe('completed');
    expect(b.calls).toEqual([
      { runId: first, resume: true },
      { runId: second, resume: false },
    ]);
  });

  it('a failing analysis fails the experiment with its message; a rerun repeats only the analysis', async () => {
    const e = createExperiment(history, 'stability', config());
    const a = fakeHooks([], async () => {
      throw new Error('out of memory');
    });
    expect(await driveExperiment(history, dir, e.id, a.hooks).done).toMatchObject({ status: 'failed', error: 'analysis: out of memory' });
    const b = fakeHooks([]);
    expect((await driveExperiment(history, dir, e.id, b.hooks).done).status).toBe('completed');
    expect(b.calls).toEqual([]);
  });
});

describe('experiment requests through LabService', () => {
  it('lists the kinds with their defaults, and names the bad field of a start request', async () => {
    const service = new LabService({ dataDir: dir, history, mode: 'browser' });
    const kinds = await service.handle('listExperimentKinds', {});
    expect(kinds.ok).toBe(true);
    const list = (kinds as { result: { kind: string; defaults: Record<string, unknown> }[] }).result;
    expect(list.map((k) => k.kind)).toEqual(['truncation', 'stability', 'recurrent-vs-conv', 'memory', 'truncated-vs-recurrent']);
    expect(list.find((k) => k.kind === 'memory')!.defaults).toMatchObject({
      kind: 'tcn',
      contexts: [2, 4, 8, 16, 32, 64],
      train: { steps: 1000 },
    });
    expect(list.find((k) => k.kind === 'stability')!.defaults).not.toHaveProperty('datasetId');
    const bad = await service.handle('startExperiment', { kind: 'stability', config: { ...config(), train: { steps: -5 } } });
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/^config\.train\.steps: must be a whole number/) });
    expect(await service.handle('getExperiment', { id: 999 })).toMatchObject({ ok: false, error: 'id: no experiment 999' });
    const shown = await service.handle('getExperiment', { id: 1 });
    expect(shown).toMatchObject({
      ok: true,
      result: {
        id: 1,
        kind: 'stability',
        title: 'Stable vs unstable',
        status: 'completed',
        members: [{ role: 'unconstrained', status: 'completed' }, { role: 'stable' }],
        result: RESULT,
      },
    });
    expect(await service.handle('stopExperiment', { id: 1 })).toMatchObject({
      ok: false,
      error: 'id: experiment 1 is not running here (status completed)',
    });
    await service.close();
  });

  it('starts an experiment whose members train in real worker threads, publishing experiment and run events', async () => {
    const service = new LabService({ dataDir: dir, history, mode: 'browser' });
    const events: { type: string; [k: string]: unknown }[] = [];
    service.subscribe((e) => events.push(e));
    const train = { steps: 6, batchSize: 2, seqLen: 8, validEvery: 3, validTokens: 64, backend: 'cpu' };
    const started = await service.handle('startExperiment', {
      kind: 'truncated-vs-recurrent',
      config: { datasetId, base: { kind: 'rnn', hiddenSize: 6 }, k: 3, train },
    });
    expect(started).toMatchObject({
      ok: true,
      result: { kind: 'truncated-vs-recurrent', status: 'running', members: [{ role: 'recurrent' }, { role: 'truncated' }] },
    });
    const id = (started as { result: { id: number } }).result.id;
    // Generous: three worker threads each load TF.js on a 2-core CI machine shared with another test file.
    const deadline = Date.now() + 150_000;
    while (!events.some((e) => e.type === 'experiment.status' && e['status'] !== 'running') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const statuses = events.filter((e) => e.type === 'experiment.status').map((e) => `${String(e['status'])}/${String(e['phase'])}`);
    expect(statuses).toEqual(['running/training', 'running/analyzing', 'completed/null']);
    // Progress is paced (core/app/progress-throttle.ts keeps an experiment's newest state), so not every step has its
    // own event; what a client must see: members in order, steps rising within each, and each member's last step.
    const progress = events.filter((e) => e.type === 'experiment.progress');
    const order = progress.map((e) => [e['member'] as number, e['step'] as number]);
    expect(order).toEqual([...order].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
    for (const [member, role] of [
      [0, 'recurrent'],
      [1, 'truncated'],
    ] as const)
      expect(progress.filter((e) => e['member'] === member).at(-1)).toMatchObject({
        experimentId: id,
        role,
        member,
        members: 2,
        step: 6,
        totalSteps: 6,
      });
    expect(events.filter((e) => e.type === 'run.status').map((e) => e['status'])).toEqual(['completed', 'completed']);
    const detail = await service.handle('getExperiment', { id });
    const result = (detail as { result: { status: string; result: { tables: { name: string; rows: unknown[][] }[] } } }).result;
    expect(result.status).toBe('completed');
    const closeness = result.result.tables.find((t) => t.name === 'closeness')!;
    expect(closeness.rows.every((row) => typeof row[1] === 'number' && Number.isFinite(row[1]))).toBe(true);
    await service.close();
  }, 180_000);
});
