// The distributed path of a sweep (issue 19): `sweep submit S --slurm` writes
// and submits an sbatch array job, `sweep trial S --index I` is what each array
// task (or Kubernetes Indexed-Job pod) runs: one trial headless into a run
// bundle in the shared folder, never the history; `sweep collect S` merges
// the bundles into the history. `sweep prepare S` writes the shared folder
// alone, for schedulers other than Slurm.
import path from 'node:path';
import type { Command } from 'commander';
import { collectSweep } from '../../services/sweep-bundles/collect-bundles.ts';
import { runTrialToBundle } from '../../worker/bundle-trial.ts';
import { sweepFolderIn, writeSharedSweep } from '../../services/sweep-bundles/shared-sweep.ts';
import { submitSweepToSlurm } from '../../services/sweep-bundles/slurm-submit.ts';
import { loadSweep } from '../../services/sweeps/sweep-store.ts';
import type { TrainingHandle } from '../../worker/training-host.ts';
import type { TrainingEvent } from '../../worker/training-protocol.ts';
import type { CliContext } from '../context.ts';
import { intOption } from '../options.ts';

/** Default shared directory: beside the history (on a cluster the home folder is usually shared with the nodes). */
const defaultSharedDir = (c: CliContext) => path.join(c.dataDir, 'slurm');

interface SubmitFlags {
  slurm?: boolean;
  partition?: string;
  time?: string;
  gpusPerTask?: number;
  cpusPerTask: number;
  sharedDir?: string;
  seqlabCommand?: string;
}

/** One line per trial event worth a log line (a task's output is its log). */
function trialLogLine(e: TrainingEvent): string | null {
  if (e.type === 'started')
    return `started on ${e.backend} (${e.device}), ${e.paramCount.toLocaleString('en')} parameters, ${e.resumedFrom === null ? 'from step 0' : `resumed at step ${e.resumedFrom}`} of ${e.totalSteps}`;
  if (e.type === 'progress' && e.metrics.validLoss !== null)
    return `step ${e.metrics.step}/${e.totalSteps}: train loss ${e.metrics.trainLoss.toFixed(4)}, valid loss ${e.metrics.validLoss.toFixed(4)}`;
  if (e.type === 'checkpoint') return `checkpoint at step ${e.step}`;
  if (e.type === 'done') return `${e.status} at step ${e.step}${e.error ? `: ${e.error}` : ''}`;
  return null;
}

export function registerSweepSlurm(sweep: Command, ctx: () => CliContext): void {
  sweep
    .command('submit <sweep>')
    .description('submit the sweep to Slurm as an sbatch array job (one task per trial, each writing a run bundle)')
    .option('--slurm', 'submit through sbatch (the only scheduler submitted to; see README for Kubernetes)')
    .option('--partition <name>', 'Slurm partition')
    .option('--time <limit>', 'Slurm time limit per task, e.g. 01:00:00')
    .option('--gpus-per-task <n>', 'GPUs per task', intOption('--gpus-per-task'))
    .option('--cpus-per-task <n>', 'CPUs per task; the kernels use as many threads', intOption('--cpus-per-task'), 1)
    .option('--shared-dir <dir>', 'a folder every node sees; the sweep gets sweep-<id> inside it [<data dir>/slurm]')
    .option('--seqlab-command <cmd>', 'how a node starts seqlab [this node binary and this checkout]')
    .action(async (ref: string, f: SubmitFlags) => {
      const c = ctx();
      if (!f.slurm) throw new Error(`sweep submit: say which scheduler: --slurm (run it here with: seqlab sweep run ${ref})`);
      const { sweep: s, execution } = await submitSweepToSlurm(c.history, ref, {
        sharedDir: f.sharedDir ?? defaultSharedDir(c),
        cpusPerTask: f.cpusPerTask,
        ...(f.partition ? { partition: f.partition } : {}),
        ...(f.time ? { time: f.time } : {}),
        ...(f.gpusPerTask ? { gpusPerTask: f.gpusPerTask } : {}),
        ...(f.seqlabCommand ? { seqlabCommand: f.seqlabCommand } : {}),
      });
      if (c.json)
        c.emit({ id: s.id, jobId: execution.jobId, sharedDir: execution.sharedDir, script: execution.script, trials: s.trials.length });
      else {
        c.say(`sweep ${s.id}: submitted Slurm job ${execution.jobId} (${s.trials.length} array tasks), bundles in ${execution.sharedDir}`);
        c.note(`follow it with: seqlab sweep status ${s.id}; merge the results with: seqlab sweep collect ${s.id}`);
      }
    });

  sweep
    .command('prepare <sweep>')
    .description('write the sweep folder tasks read (sweep.json, the dataset) without submitting: for Kubernetes and other schedulers')
    .requiredOption('--shared-dir <dir>', 'the folder the tasks mount')
    .action((ref: string, f: { sharedDir: string }) => {
      const c = ctx();
      const s = loadSweep(c.history, ref);
      const dataset = c.history.getDataset(s.datasetId);
      if (!dataset) throw new Error(`sweep ${s.id}: its dataset ${s.datasetId} is gone`);
      const folder = writeSharedSweep(
        f.sharedDir,
        s.id,
        dataset,
        s.trials.map((t) => t.config),
      );
      if (c.json) c.emit({ id: s.id, folder, trials: s.trials.length });
      else
        c.say(
          `sweep ${s.id}: ${s.trials.length} trials ready in ${folder}; each task runs: seqlab sweep trial ${s.id} --index I --shared-dir ${f.sharedDir}`,
        );
    });

  sweep
    .command('trial <sweep>')
    .description('run one trial headless into its run bundle in the shared folder (what each array task runs; never opens the history)')
    .requiredOption('--index <i>', 'trial index (in Slurm: $SLURM_ARRAY_TASK_ID)', intOption('--index'))
    .option('--shared-dir <dir>', 'the folder holding sweep-<id> [<data dir>/slurm]')
    .action(async (ref: string, f: { index: number; sharedDir?: string }) => {
      const c = ctx();
      const id = Number(String(ref).replace(/^#/, ''));
      if (!Number.isInteger(id) || id <= 0) throw new Error(`sweep trial: the sweep must be given by its id (got "${ref}")`);
      const folder = sweepFolderIn(f.sharedDir ?? defaultSharedDir(c), id);
      const log = (line: string) => process.stdout.write(`${new Date().toISOString()} trial ${f.index}: ${line}\n`);
      let handle: TrainingHandle | undefined;
      let signals = 0;
      // SIGTERM is how Slurm cancels a task (scancel, the time limit): checkpoint, stop and seal what there is.
      const onSignal = (sig: NodeJS.Signals) => {
        signals++;
        log(`${sig}: ${signals === 1 ? 'stopping after this step and sealing the bundle' : 'quitting now'}`);
        if (signals === 1) handle?.stop();
        else process.exit(130);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      try {
        const out = await runTrialToBundle(folder, f.index, {
          onStarted: (h) => {
            handle = h;
            if (signals > 0) h.stop();
          },
          onEvent: (e) => {
            const line = trialLogLine(e);
            if (line) log(line);
          },
        });
        const s = out.manifest.state;
        if (out.alreadyDone) log(`already complete in ${out.bundleDir}; nothing to do`);
        else log(`bundle sealed in ${out.bundleDir}: ${s.status} at step ${s.step}`);
        if (c.json)
          c.emit({ id, index: f.index, bundle: out.bundleDir, status: s.status, step: s.step, validLoss: s.validLoss, error: s.error });
        process.exitCode = s.status === 'completed' ? 0 : 1;
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    });

  sweep
    .command('collect <sweep>')
    .description(
      "merge the sweep's finished run bundles into the history (idempotent); trials whose task died are marked failed with their log",
    )
    .option('--shared-dir <dir>', 'the folder holding sweep-<id> [the one given at submit]')
    .option('--all-ended', 'the tasks ran outside Slurm and have all ended: a trial without a bundle failed')
    .action(async (ref: string, f: { sharedDir?: string; allEnded?: boolean }) => {
      const c = ctx();
      const r = await collectSweep(c.history, ref, {
        ...(f.sharedDir ? { sharedDir: f.sharedDir } : {}),
        ...(f.allEnded ? { allEnded: true } : {}),
      });
      if (c.json) c.emit(r);
      else {
        for (const m of r.merged) c.say(`trial ${m.index}: merged as run ${m.runId} (${m.status})`);
        for (const d of r.died)
          c.say(
            `trial ${d.index}: failed, its task ended without a bundle${d.runId !== null ? ` (what it trained is run ${d.runId})` : ''}; log: ${d.log}`,
          );
        for (const x of r.refused) c.say(`trial ${x.index}: not merged: ${x.error}`);
        c.note(
          `sweep ${r.sweepId}: ${r.merged.length} merged now, ${r.already.length} merged before, ${r.waiting.length} still queued or running, ${r.died.length} died, ${r.refused.length} refused`,
        );
      }
      if (r.refused.length > 0) process.exitCode = 1;
    });
}
