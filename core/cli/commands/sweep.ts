// `seqlab sweep create | run | status | show | list` (issue 19): a search over
// run config fields whose trials are ordinary runs. create/list/show/status go
// through LabService, like the app; `run` drives the trials in this terminal
// (several training child processes at once), Ctrl-C stops them at a
// checkpoint and a rerun continues. The Slurm commands (submit, trial,
// collect) are registered by sweep-slurm.ts.
import fs from 'node:fs';
import type { Command } from 'commander';
import type { LabResult } from '../../contract/lab-contract.ts';
import { describePoint } from '../../ml/sweeps/sweep-trials.ts';
import { resolveDataset } from '../../services/datasets.ts';
import { runSweepLocally, type SweepRunEvent } from '../../app/sweep-runner.ts';
import { loadSweep } from '../../services/sweeps/sweep-store.ts';
import type { CliContext } from '../context.ts';
import { labRequest as request } from '../lab-request.ts';
import { table } from '../context.ts';
import { intOption } from '../options.ts';
import { registerSweepSlurm } from './sweep-slurm.ts';
import { liveTrialStates } from './sweep-status.ts';

type Detail = LabResult<'getSweep'>;

/** Reads and parses the sweep file; errors name the flag and the file. */
function readSpecFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`--space: cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`--space: ${file} is not JSON: ${(e as Error).message}`, { cause: e });
  }
}

const fmt = (v: number | null) => (v === null ? '-' : v.toFixed(4));

/** Trials best first (completed by metric, then the rest by index). */
function ranked(trials: Detail['trials']): Detail['trials'] {
  const rank = (t: Detail['trials'][number]) => (t.state === 'completed' && t.metric !== null ? t.metric : Infinity);
  return [...trials].sort((a, b) => rank(a) - rank(b) || a.index - b.index);
}

/** Prints the runner's events as lines (one per trial start and end, plan and pruning). */
function sweepReporter(c: CliContext, total: number): (e: SweepRunEvent) => void {
  return (e) => {
    if (c.json) {
      if (e.type !== 'trial') c.emit({ event: e.type, ...e });
      return;
    }
    if (e.type === 'plan')
      c.note(
        `${e.rung === null ? '' : `rung ${e.rung} (to step ${e.rungSteps}): `}${e.trials.length} trial(s) to train, ${e.concurrency.parallel} at a time with ${e.concurrency.threadsPerTrial} thread(s) each (limited by ${e.concurrency.reason})`,
      );
    else if (e.type === 'trial' && e.event.type === 'started')
      c.note(
        `trial ${e.index}/${total - 1}: run ${e.runId} ${e.event.resumedFrom !== null ? `resumed at step ${e.event.step}` : 'started'} on ${e.event.backend}`,
      );
    else if (e.type === 'trialEnd' && e.trial.state === 'pending')
      c.say(`trial ${e.index}: reached the rung, metric ${fmt(e.trial.metric)}  [${describePoint(e.trial.point)}]`);
    else if (e.type === 'trialEnd')
      c.say(
        `trial ${e.index}: ${e.trial.state}${e.trial.metric !== null ? `, metric ${fmt(e.trial.metric)}` : ''}${e.trial.error ? ` (${e.trial.error})` : ''}  [${describePoint(e.trial.point)}]`,
      );
    else if (e.type === 'pruned') c.say(`rung ${e.rung}: pruned trial(s) ${e.indices.join(', ')}`);
    else if (e.type === 'status' && e.state !== 'running') c.note(`sweep ${e.sweepId}: ${e.state}${e.error ? ` (${e.error})` : ''}`);
  };
}

export function registerSweep(program: Command, ctx: () => CliContext): void {
  const sweep = program.command('sweep').description('search run config fields: grid, random or successive halving; each trial is a run');

  sweep
    .command('create')
    .description('store a sweep from a sweep file (every trial is validated first); prints its id')
    .requiredOption('--dataset <name>', 'dataset name or id, or a built-in corpus')
    .requiredOption('--space <file>', 'sweep file: {"method", "metric", "trials", "steps", "seed", "base", "space"}')
    .action(async (f: { dataset: string; space: string }) => {
      const c = ctx();
      const spec = readSpecFile(f.space);
      const dataset = await resolveDataset(c.history, c.dataDir, f.dataset);
      const created = await request(c, 'createSweep', { datasetId: dataset.id, spec });
      if (c.json) c.emit({ id: created.id });
      else {
        c.say(String(created.id));
        c.note(
          `sweep ${created.id}: ${created.method}, ${created.trialCount} trial(s) on "${dataset.name}"; run it with: seqlab sweep run ${created.id}`,
        );
      }
    });

  sweep
    .command('run <sweep>')
    .description("train the sweep's trials here, several at once; Ctrl-C stops at a checkpoint and a rerun continues")
    .option('--parallel <n>', 'at most this many trials at once [cores and memory decide]', intOption('--parallel'))
    .action(async (ref: string, f: { parallel?: number }) => {
      const c = ctx();
      const found = loadSweep(c.history, ref);
      const handle = runSweepLocally(c.history, c.dataDir, found.id, {
        onEvent: sweepReporter(c, found.trials.length),
        ...(f.parallel !== undefined ? { maxParallel: f.parallel } : {}),
      });
      let interrupts = 0;
      const onSigint = () => {
        interrupts++;
        if (interrupts === 1) {
          c.note('stopping the trials after their current step (Ctrl-C again to quit now)...');
          handle.stop();
        } else process.exit(130);
      };
      process.on('SIGINT', onSigint);
      const end = await handle.done;
      process.off('SIGINT', onSigint);
      if (c.json) c.emit({ id: end.id, state: end.state, error: end.error });
      process.exitCode = end.state === 'completed' ? 0 : 1;
    });

  sweep
    .command('status <sweep>')
    .description("each trial's state (from squeue for a Slurm sweep)")
    .action(async (ref: string) => {
      const c = ctx();
      const detail = await request(c, 'getSweep', { id: loadSweep(c.history, ref).id });
      const live = await liveTrialStates(c.history, detail.id);
      const trials = detail.trials.map((t) => ({
        index: t.index,
        state: live.get(t.index)?.state ?? t.state,
        runId: t.runId,
        metric: t.metric,
        step: t.step,
        totalSteps: t.totalSteps,
        ...(live.get(t.index)?.detail ? { detail: live.get(t.index)!.detail } : {}),
      }));
      if (c.json) return c.emit({ id: detail.id, state: detail.state, method: detail.method, execution: detail.execution, trials });
      c.say(
        `sweep ${detail.id}: ${detail.state}${detail.execution ? ` (${detail.execution})` : ''}, ${detail.method} over "${detail.datasetName}"`,
      );
      c.say(
        table(
          ['trial', 'state', 'run', 'step', detail.metric],
          trials.map((t) => [t.index, t.state, t.runId ?? '-', `${t.step}/${t.totalSteps}`, fmt(t.metric)]),
        ),
      );
    });

  sweep
    .command('show <sweep>')
    .description('the trials with their config and metric, best first')
    .action(async (ref: string) => {
      const c = ctx();
      const detail = await request(c, 'getSweep', { id: loadSweep(c.history, ref).id });
      if (c.json) return c.emit(detail);
      c.say(`sweep ${detail.id}: ${detail.state}, ${detail.method}, metric ${detail.metric}, best ${fmt(detail.best)}`);
      c.say(
        table(
          ['trial', 'state', 'run', detail.metric, 'swept values'],
          ranked(detail.trials).map((t) => [t.index, t.state, t.runId ?? '-', fmt(t.metric), describePoint(t.point)]),
        ),
      );
    });

  sweep
    .command('list')
    .description('sweeps, newest first')
    .action(async () => {
      const c = ctx();
      const sweeps = await request(c, 'listSweeps', {});
      if (c.json) return c.emit(sweeps);
      if (!sweeps.length) return c.say('no sweeps yet; create one with: seqlab sweep create --dataset D --space sweep.json');
      c.say(
        table(
          ['id', 'dataset', 'method', 'state', 'trials', 'done', 'best'],
          sweeps.map((s) => [s.id, s.datasetName, s.method, s.state, s.trialCount, s.counts.completed, fmt(s.best)]),
        ),
      );
    });

  registerSweepSlurm(sweep, ctx);
}
