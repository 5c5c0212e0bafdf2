// The sweep's Slurm path against a REAL scheduler: a single-node Slurm from
// Debian's slurm-wlm and munge (scripts/slurm-local.sh, started by .ci/run and
// again here; idempotent). A tiny 4-trial sweep goes through `sbatch --array`,
// one task is cancelled with `scancel JOB_2` while it trains, and after the
// job `sweep collect` must hold every other trial's run with exactly its
// bundle's metrics, the cancelled one failed with its log, and a second
// collect must change nothing. Skipped only where `sinfo` does not exist.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBundle } from '../../core/services/sweep-bundles/bundle-files.ts';
import { slurmTrialStates } from '../../core/services/sweep-bundles/slurm-progress.ts';
import { trialBundleDir, trialLogPath, trialWorkDir } from '../../core/services/sweep-bundles/shared-sweep.ts';
import { loadSweep } from '../../core/services/sweeps/sweep-store.ts';
import { History } from '../../core/storage/history.ts';
import { jsonLines, ROOT, seqlab, tempHome } from '../helpers/cli.ts';

const hasSlurm = spawnSync('sinfo', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasSlurm) {
  // Loud on purpose: on CI (.ci/run installs slurm-wlm) this test must run.
  console.warn(
    '\n*** test/sweeps/slurm.test.ts SKIPPED: `sinfo` not found, so no Slurm here. Install slurm-wlm and munge (scripts/slurm-local.sh install) to run the real-scheduler tests. ***\n',
  );
}

const homes: string[] = [];
afterAll(() => {
  for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value (not undefined), failing with `what` after `ms`. */
async function waitFor<T>(what: string, ms: number, check: () => T | undefined): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** The last metric step in a trial's work folder, or -1. */
function workStep(folder: string, i: number): number {
  const file = path.join(trialWorkDir(folder, i), 'metrics.jsonl');
  if (!fs.existsSync(file)) return -1;
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.endsWith('}'));
  return lines.length ? (JSON.parse(lines.at(-1)!) as { step: number }).step : -1;
}

const squeue = (jobId: string) => execFileSync('squeue', ['-h', '-r', '-j', jobId, '-o', '%K|%T'], { encoding: 'utf8' }).trim();

describe.skipIf(!hasSlurm)('sweeps on a real Slurm', () => {
  it('submits an array job, survives a cancelled task, and collects every other trial exactly, twice the same', async () => {
    execFileSync(path.join(ROOT, 'scripts/slurm-local.sh'), ['start'], { stdio: 'inherit' });
    const home = tempHome();
    homes.push(home);
    const spec = path.join(home, 'sweep.json');
    // Trial 2 is the wide one: many times slower per step, so it is surely mid-run when it is cancelled.
    fs.writeFileSync(
      spec,
      JSON.stringify({
        method: 'grid',
        metric: 'validLoss',
        steps: 120,
        seed: 1,
        base: { batchSize: 8, seqLen: 32, validEvery: 40, checkpointEvery: 10, backend: 'cpu' },
        space: { hiddenSize: [8, 12, 640, 16] },
      }),
    );
    const created = seqlab(home, ['--json', 'sweep', 'create', '--dataset', 'brackets', '--space', spec]);
    expect(created.code, created.stderr).toBe(0);
    const id = (jsonLines(created.stdout)[0] as { id: number }).id;

    const submitted = seqlab(home, ['--json', 'sweep', 'submit', String(id), '--slurm', '--time', '00:20:00']);
    expect(submitted.code, submitted.stderr).toBe(0);
    const { jobId, sharedDir: folder, script } = jsonLines(submitted.stdout)[0] as { jobId: string; sharedDir: string; script: string };
    expect(jobId).toMatch(/^\d+$/);
    const sbatch = fs.readFileSync(script, 'utf8');
    expect(sbatch).toContain('#SBATCH --array=0-3');
    expect(sbatch).toContain('#SBATCH --cpus-per-task=1');
    expect(sbatch).toContain('export SEQLAB_THREADS="${SLURM_CPUS_PER_TASK:-1}"');
    expect(sbatch).toMatch(new RegExp(`sweep trial ${id} --index "\\$SLURM_ARRAY_TASK_ID" --shared-dir `));

    // Trial 2 running and past its first steps: its progress comes from squeue, then it is cancelled.
    await waitFor('trial 2 to train', 240_000, () => (squeue(jobId).includes('2|RUNNING') && workStep(folder, 2) >= 3 ? true : undefined));
    {
      const history = History.open(home);
      const live = await slurmTrialStates(history, loadSweep(history, id));
      history.close();
      expect(live.get(2)).toMatchObject({
        state: 'running',
        detail: expect.stringMatching(new RegExp(`^Slurm task ${jobId}_2 running, step \\d+$`)),
      });
    }
    execFileSync('scancel', [`${jobId}_2`]);
    await waitFor('the job to leave the queue', 300_000, () => (squeue(jobId) === '' ? true : undefined));
    expect(workStep(folder, 2)).toBeLessThan(120);

    // Before collecting, `sweep status` reads the queue and the bundles: trial 2 sealed what it had, as a failure.
    const status = seqlab(home, ['--json', 'sweep', 'status', String(id)]);
    expect(status.code, status.stderr).toBe(0);
    const live = jsonLines(status.stdout)[0] as { trials: { index: number; state: string }[] };
    expect(live.trials.map((t) => t.state)).toEqual(['completed', 'completed', 'failed', 'completed']);

    const collected = seqlab(home, ['--json', 'sweep', 'collect', String(id)]);
    expect(collected.code, collected.stderr).toBe(0);
    const report = jsonLines(collected.stdout)[0] as {
      merged: { index: number; state: string }[];
      died: { index: number }[];
      refused: unknown[];
      waiting: number[];
    };
    expect(report.refused).toEqual([]);
    expect(report.waiting).toEqual([]);

    const history = History.open(home);
    try {
      const sweep = loadSweep(history, id);
      for (const i of [0, 1, 3]) {
        const t = sweep.trials[i]!;
        const bundle = readBundle(trialBundleDir(folder, i));
        expect(t.state, `trial ${i}: ${t.error}`).toBe('completed');
        expect(bundle.manifest.state).toMatchObject({ status: 'completed', step: 120 });
        expect(history.getRun(t.runId!)).toMatchObject({ status: 'completed', step: 120, config: t.config });
        expect(history.getMetrics(t.runId!)).toEqual(bundle.metrics);
        expect(bundle.metrics).toHaveLength(120);
        expect(t.metric).toBe(bundle.manifest.state.validLoss);
      }
      const cancelled = sweep.trials[2]!;
      expect(cancelled.state).toBe('failed');
      expect(cancelled.error).toContain(trialLogPath(folder, 2));
      expect(fs.readFileSync(trialLogPath(folder, 2), 'utf8')).toMatch(/trial 2: started on cpu/);
      // What it trained before the cancel is kept as a run that did not complete.
      if (cancelled.runId !== null) {
        const run = history.getRun(cancelled.runId)!;
        expect(['stopped', 'crashed']).toContain(run.status);
        expect(run.step).toBeLessThan(120);
      }
      expect(sweep).toMatchObject({ state: 'completed', error: '1 of 4 trials failed' });

      const before = JSON.stringify({
        trials: sweep.trials.map(({ updatedAt: _u, ...t }) => t),
        runs: history.listRuns().map((r) => [r.id, r.status, r.step, history.getMetrics(r.id).length]),
      });
      const again = seqlab(home, ['--json', 'sweep', 'collect', String(id)]);
      expect(again.code, again.stderr).toBe(0);
      expect((jsonLines(again.stdout)[0] as { already: number[] }).already).toEqual([0, 1, 2, 3]);
      const after = loadSweep(history, id);
      expect(
        JSON.stringify({
          trials: after.trials.map(({ updatedAt: _u, ...t }) => t),
          runs: history.listRuns().map((r) => [r.id, r.status, r.step, history.getMetrics(r.id).length]),
        }),
      ).toBe(before);
    } finally {
      history.close();
    }
  }, 600_000);
});
