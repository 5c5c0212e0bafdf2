// `seqlab sweep` end to end in child processes on a real history: create
// from a sweep file (a bad one refused naming the field), a 4-trial random
// sweep of tiny models whose trials are ordinary runs with metrics, status
// and show, and kill -9 in the middle of a sweep, then a rerun that keeps the
// finished trials and completes the rest without duplicating any run.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { History } from '../../core/storage/history.ts';
import { jsonLines, seqlab, spawnAndKill, tempHome } from '../helpers/cli.ts';

const home = tempHome();
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const TINY = { batchSize: 4, seqLen: 16, embedSize: 8, validTokens: 256, validEvery: 10, backend: 'cpu' };

function specFile(name: string, spec: unknown): string {
  const file = path.join(home, name);
  fs.writeFileSync(file, JSON.stringify(spec));
  return file;
}

interface Trial {
  index: number;
  state: string;
  runId: number | null;
  metric: number | null;
  step: number;
  totalSteps: number;
  point?: Record<string, unknown>;
  config?: { model: Record<string, unknown>; train: Record<string, unknown> };
}

function trials(id: number, command: 'status' | 'show'): Trial[] {
  const r = seqlab(home, ['--json', 'sweep', command, String(id)]);
  expect(r.code, r.stderr).toBe(0);
  return (jsonLines(r.stdout)[0] as { trials: Trial[] }).trials;
}

/** The run's validation loss at `step`, read from the history itself. */
function validLossAt(runId: number, step: number): number | null {
  const history = History.open(home, { markCrashed: false });
  try {
    return history.getMetrics(runId).find((m) => m.step === step)?.validLoss ?? null;
  } finally {
    history.close();
  }
}

/** The run's last recorded validation loss, read from the history itself. */
function lastValidLoss(runId: number): number | null {
  const history = History.open(home, { markCrashed: false });
  try {
    const rows = history.getMetrics(runId).filter((m) => m.validLoss !== null);
    return rows.at(-1)?.validLoss ?? null;
  } finally {
    history.close();
  }
}

describe.sequential('seqlab sweep', () => {
  it('refuses a bad sweep file naming the field, and stores nothing', () => {
    const bad = specFile('bad.json', { method: 'random', trials: 4, steps: 20, base: TINY, space: { lr: { 'log-uniform': [0, 1e-2] } } });
    const r = seqlab(home, ['sweep', 'create', '--dataset', 'brackets', '--space', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/space\.lr: log-uniform needs two positive numbers a < b/);
    const big = specFile('big.json', { method: 'grid', steps: 20, base: TINY, space: { hiddenSize: [8, 9000] } });
    expect(seqlab(home, ['sweep', 'create', '--dataset', 'brackets', '--space', big]).stderr).toMatch(
      /space\.hiddenSize: must be a whole number from 1 to 4096 \(trial 1: hiddenSize=9000\)/,
    );
    const listed = seqlab(home, ['--json', 'sweep', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(jsonLines(listed.stdout)[0]).toEqual([]);
  }, 600_000);

  it('runs a 4-trial sweep whose trials are runs in the history with their metrics', () => {
    const file = specFile('tiny.json', {
      method: 'random',
      metric: 'validLoss',
      trials: 4,
      steps: 20,
      seed: 1,
      base: TINY,
      space: { lr: { 'log-uniform': [1e-3, 1e-2] }, hiddenSize: [8, 16], kind: ['lstm', 'tcn'] },
    });
    const created = seqlab(home, ['--json', 'sweep', 'create', '--dataset', 'brackets', '--space', file]);
    expect(created.code, created.stderr).toBe(0);
    expect(jsonLines(created.stdout)).toEqual([{ id: 1 }]);
    expect(trials(1, 'status').map((t) => t.state)).toEqual(['pending', 'pending', 'pending', 'pending']);

    const ran = seqlab(home, ['sweep', 'run', '1']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toMatch(/4 trial\(s\) to train, \d+ at a time with \d+ thread\(s\) each/);

    const shown = trials(1, 'show');
    expect(shown.map((t) => [t.state, t.step, t.totalSteps])).toEqual(Array(4).fill(['completed', 20, 20]));
    const runIds = shown.map((t) => t.runId!);
    expect(new Set(runIds).size).toBe(4);
    const runs = jsonLines(seqlab(home, ['--json', 'runs']).stdout).flat() as { id: number; status: string }[];
    for (const [i, t] of shown.entries()) {
      expect(
        runs.find((r) => r.id === t.runId),
        `trial ${i}'s run`,
      ).toMatchObject({ status: 'completed' });
      expect(t.metric).toBe(lastValidLoss(t.runId!));
      expect(t.config!.model['kind']).toBe(t.point!['kind']);
      expect(t.config!.model['hiddenSize']).toBe(t.point!['hiddenSize']);
      expect(t.config!.train['lr']).toBe(t.point!['lr']);
      expect(t.config!.train).toMatchObject({ steps: 20, batchSize: 4, seqLen: 16 });
    }
    // A completed sweep is not run again.
    expect(seqlab(home, ['sweep', 'run', '1']).stderr).toMatch(/sweep 1 already completed/);
  }, 600_000);

  it('keeps finished trials after a kill -9 mid-sweep and completes the rest on a rerun', async () => {
    const file = specFile('kill.json', {
      method: 'grid',
      steps: 30,
      base: { ...TINY, hiddenSize: 8 },
      space: { lr: [0.001, 0.002, 0.004, 0.008] },
    });
    const created = seqlab(home, ['--json', 'sweep', 'create', '--dataset', 'brackets', '--space', file]);
    const id = (jsonLines(created.stdout)[0] as { id: number }).id;
    const before = await spawnAndKill(home, ['sweep', 'run', String(id), '--parallel', '2'], (line) => /^trial \d+: completed/.test(line));
    const firstDone = Number(/^trial (\d+): completed/.exec(before.find((l) => /^trial \d+: completed/.test(l))!)![1]);

    const killed = trials(id, 'show');
    const kept = killed.filter((t) => t.state === 'completed');
    expect(kept.map((t) => t.index)).toContain(firstDone);
    expect(killed.some((t) => t.state !== 'completed')).toBe(true);

    const rerun = seqlab(home, ['sweep', 'run', String(id)]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const after = trials(id, 'show');
    expect(after.map((t) => t.state)).toEqual(['completed', 'completed', 'completed', 'completed']);
    for (const k of kept) expect(after[k.index]).toMatchObject({ runId: k.runId, metric: k.metric });
    // No trial trained twice into a second run: one run per trial, named for it.
    const runs = jsonLines(seqlab(home, ['--json', 'runs']).stdout).flat() as { id: number; name: string | null }[];
    const named = runs.filter((r) => r.name?.startsWith(`sweep ${id} trial `));
    expect(named.map((r) => r.id).sort()).toEqual(after.map((t) => t.runId!).sort());
    // A trial interrupted mid-run continued from its checkpoint or restarted; either way it reached its steps.
    expect(after.every((t) => t.step === 30)).toBe(true);
  }, 600_000);

  it('prunes the worse half at each halving rung and trains the survivor to the full steps', () => {
    const file = specFile('halving.json', {
      method: 'halving',
      trials: 4,
      steps: 20,
      seed: 2,
      base: { ...TINY, hiddenSize: 8, validEvery: undefined },
      space: { lr: { 'log-uniform': [1e-4, 3e-2] } },
    });
    const id = (
      jsonLines(seqlab(home, ['--json', 'sweep', 'create', '--dataset', 'brackets', '--space', file]).stdout)[0] as { id: number }
    ).id;
    const ran = seqlab(home, ['sweep', 'run', String(id)]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toMatch(/rung 0 \(to step 5\): 4 trial/);
    expect(ran.stderr).toMatch(/rung 1 \(to step 10\): 2 trial/);
    expect(ran.stderr).toMatch(/rung 2 \(to step 20\): 1 trial/);
    const shown = trials(id, 'show');
    expect(shown.map((t) => t.state).sort()).toEqual(['completed', 'pruned', 'pruned', 'pruned']);
    const winner = shown.find((t) => t.state === 'completed')!;
    expect(winner.step).toBe(20);
    expect(winner.config!.train['validEvery']).toBe(5); // validation on every rung boundary
    // Pruned trials stopped early: two after rung 0, one after rung 1, each ranked by its metric there.
    const pruned = shown.filter((t) => t.state === 'pruned').sort((a, b) => a.step - b.step);
    // Each stopped exactly at its rung's end (the worker stops itself there; a stop message used to land steps late under load).
    expect(pruned.map((t) => t.step)).toEqual([5, 5, 10]);
    const rung0 = shown.map((t) => ({ index: t.index, metric: validLossAt(t.runId!, 5) }));
    const kept = [...rung0]
      .sort((a, b) => a.metric! - b.metric!)
      .slice(0, 2)
      .map((r) => r.index);
    for (const t of shown) expect(t.state === 'pruned' && t.step < 10, `trial ${t.index}`).toBe(!kept.includes(t.index));
  }, 600_000);
});
