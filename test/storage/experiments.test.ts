// Experiment rows: round trip with members and a validated result, the
// restart behaviour (an experiment whose process died is marked failed on
// the next open, never one of a live process), and the guards around deletes.
import { afterEach, describe, expect, it } from 'vitest';
import { History } from '../../core/storage/history.ts';
import type { ExperimentResult } from '../../core/ml/experiments/result-types.ts';
import { cleanupTempDirs, deadPid, seedRun, tempDir } from './helpers.ts';

afterEach(cleanupTempDirs);

const result: ExperimentResult = {
  notes: ['a note'],
  tables: [
    {
      name: 'runs',
      title: 'Runs',
      columns: ['role', 'loss'],
      rows: [
        ['stable', 1.5],
        ['unconstrained', null],
      ],
    },
  ],
  plots: [
    {
      name: 'valid-loss',
      title: 'Valid loss',
      x: { label: 'step', log: false },
      y: { label: 'loss', log: true },
      series: [
        {
          name: 'stable',
          points: [
            [1, 2],
            [2, 1.5],
          ],
        },
      ],
    },
  ],
};

function seedExperiment(h: History): { id: number; runs: number[] } {
  const runs = [seedRun(h), seedRun(h)];
  const id = h.transaction(() => {
    const e = h.insertExperiment({ kind: 'stability', name: 'pair', config: { datasetId: 1, lambda: 0.9 } });
    h.addExperimentMember(e.id, { runId: runs[0]!, role: 'unconstrained', owned: true });
    h.addExperimentMember(e.id, { runId: runs[1]!, role: 'stable', owned: true });
    return e.id;
  });
  return { id, runs };
}

describe('experiments in the history', () => {
  it('round-trip with their members, status changes and result, and survive a reopen', () => {
    const dir = tempDir();
    let h = History.open(dir);
    const { id, runs } = seedExperiment(h);
    expect(h.getExperiment(id)).toMatchObject({
      kind: 'stability',
      name: 'pair',
      status: 'queued',
      config: { datasetId: 1, lambda: 0.9 },
      result: null,
      members: [
        { runId: runs[0], role: 'unconstrained', position: 0, owned: true },
        { runId: runs[1], role: 'stable', position: 1, owned: true },
      ],
    });
    h.markExperimentRunning(id, process.pid);
    expect(h.getExperiment(id)).toMatchObject({ status: 'running', pid: process.pid, finishedAt: null });
    h.completeExperiment(id, result);
    h.close();
    h = History.open(dir);
    const e = h.getExperiment(id)!;
    expect(e.status).toBe('completed');
    expect(e.result).toEqual(result);
    expect(e.finishedAt).not.toBeNull();
    expect(h.listExperiments().map((x) => x.id)).toEqual([id]);
    expect(h.experimentsOfRun(runs[1]!)).toEqual([id]);
    expect(() => h.resolveExperiment('9')).toThrow(/no experiment "9"; list them with: seqlab experiment list/);
    h.close();
  });

  it('refuses a bad member, a duplicate role and a malformed result, naming the problem', () => {
    const h = History.open(tempDir());
    const { id, runs } = seedExperiment(h);
    expect(() => h.addExperimentMember(id, { runId: 99, role: 'x', owned: true })).toThrow(/no run with id 99/);
    expect(() => h.addExperimentMember(id, { runId: runs[0]!, role: 'stable', owned: false })).toThrow(/already has a member "stable"/);
    expect(() =>
      h.completeExperiment(id, { notes: [], tables: [{ name: 'Bad Name', title: '', columns: [], rows: [] }], plots: [] }),
    ).toThrow(/invalid experiment result: result\.tables\.0\.name: 1-64 lowercase/);
    expect(h.getExperiment(id)!.status).toBe('queued');
    h.close();
  });

  it('an experiment whose process died is marked failed on the next open; a live one is left alone', async () => {
    const dir = tempDir();
    const h = History.open(dir);
    const { id: dead } = seedExperiment(h);
    const { id: live } = seedExperiment(h);
    h.markExperimentRunning(dead, await deadPid());
    h.markExperimentRunning(live, process.pid);
    h.close();
    const again = History.open(dir);
    expect(again.getExperiment(dead)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^process ended without finishing \(pid \d+\); resume it to continue$/),
    });
    expect(again.getExperiment(dead)!.finishedAt).not.toBeNull();
    expect(again.getExperiment(live)!.status).toBe('running'); // this process: it may be live here
    // A failed experiment can be claimed again (resume); a running one in another live process cannot.
    expect(again.markExperimentRunning(dead, process.pid).status).toBe('running');
    again.close();
  });

  it('another live process cannot take over a running experiment, and a completed one is not rerun', () => {
    const h = History.open(tempDir());
    const { id } = seedExperiment(h);
    h.markExperimentRunning(id, process.ppid); // the test runner's parent: alive
    expect(() => h.markExperimentRunning(id, process.pid)).toThrow(
      new RegExp(`experiment ${id} is already running in process ${process.ppid}`),
    );
    expect(() => h.deleteExperiment(id)).toThrow(/is running in process \d+; stop it before deleting/);
    h.setExperimentStatus(id, 'stopped');
    h.markExperimentRunning(id, process.pid);
    h.completeExperiment(id, result);
    expect(() => h.markExperimentRunning(id, process.pid)).toThrow(/already completed/);
    h.close();
  });

  it('deleting a member run is refused while its experiment exists; deleting the experiment keeps the runs', () => {
    const h = History.open(tempDir());
    const { id, runs } = seedExperiment(h);
    expect(() => h.deleteRun(runs[0]!)).toThrow(new RegExp(`run ${runs[0]} belongs to experiment ${id}; delete the experiment first`));
    expect(h.deleteExperiment(id)).toBe(true);
    expect(h.getExperiment(id)).toBeUndefined();
    expect(h.getRun(runs[0]!)).toBeDefined();
    expect(h.deleteRun(runs[0]!)).toBe(true);
    expect(h.integrityCheck()).toEqual(['ok']);
    h.close();
  });

  it('a transaction that fails leaves neither the experiment nor its runs', () => {
    const h = History.open(tempDir());
    seedRun(h);
    const before = h.listRuns().length;
    expect(() =>
      h.transaction(() => {
        const e = h.insertExperiment({ kind: 'memory', config: {} });
        const run = seedRun(h);
        h.addExperimentMember(e.id, { runId: run, role: 'context-2', owned: true });
        h.addExperimentMember(e.id, { runId: run, role: 'context-2', owned: true });
      }),
    ).toThrow(/already has a member/);
    expect(h.listExperiments()).toEqual([]);
    expect(h.listRuns().length).toBe(before);
    h.close();
  });
});
