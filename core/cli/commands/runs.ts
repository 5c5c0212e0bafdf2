// `seqlab runs` and `seqlab show <run>`.
import type { Command } from 'commander';
import pc from 'picocolors';
import { runSummary } from '../../app/record-summaries.ts';
import { RUN_STATUSES, type RunStatus } from '../../storage/history.ts';
import { lossUnitOf } from '../../datasets/registry.ts';
import type { DatasetRecord } from '../../storage/history.ts';
import { formatLoss, table, type CliContext } from '../context.ts';

const unitOf = (d: DatasetRecord | undefined) => (d ? lossUnitOf(d) : 'nats');
import { choiceOption } from '../options.ts';
import { colourStatus } from '../training-progress.ts';

export function registerRuns(program: Command, ctx: () => CliContext): void {
  program
    .command('runs')
    .description('list training runs, newest first')
    .option('--status <status>', RUN_STATUSES.join(', '), choiceOption('--status', RUN_STATUSES))
    .action((f: { status?: RunStatus }) => {
      const c = ctx();
      const runs = c.history.listRuns(f.status ? { status: f.status } : {});
      if (c.json) return c.emit(runs.map((r) => runSummary(c.history, r)));
      if (runs.length === 0) return c.say('no runs yet: try  seqlab train');
      const datasets = new Map(c.history.listDatasets().map((d) => [d.id, d]));
      c.say(
        table(
          ['id', 'kind', 'status', 'step', 'valid loss', 'params', 'dataset', 'backend', 'created'],
          runs.map((r) => [
            r.id,
            r.modelKind,
            colourStatus(r.status),
            `${Math.max(0, r.step)}/${r.totalSteps}`,
            formatLoss(r.validLoss, unitOf(datasets.get(r.datasetId))),
            r.paramCount.toLocaleString('en'),
            datasets.get(r.datasetId)?.name ?? r.datasetId,
            r.backend ?? '-',
            r.createdAt.slice(0, 19),
          ]),
        ),
      );
    });

  program
    .command('show <run>')
    .description('a run in full: config, metrics, checkpoints, samples, exports')
    .action((ref: string) => {
      const c = ctx();
      const h = c.history;
      const run = h.resolveRun(ref);
      const metrics = h.getMetrics(run.id);
      const checkpoints = h.listCheckpoints(run.id);
      const samples = h.listSamples(run.id);
      const exports = h.listExports(run.id);
      const dataset = h.getDataset(run.datasetId);
      if (c.json)
        return c.emit({
          ...runSummary(h, run),
          config: run.config,
          dataset: dataset?.name,
          datasetFingerprint: run.datasetFingerprint,
          metrics,
          checkpoints,
          samples,
          exports,
        });
      c.say(
        `${pc.bold(`run ${run.id}`)}${run.name ? ` "${run.name}"` : ''}: ${run.modelKind}, ${colourStatus(run.status)}, step ${Math.max(0, run.step)}/${run.totalSteps}${run.error ? ` (${run.error})` : ''}`,
      );
      c.say(
        `dataset ${dataset?.name ?? run.datasetId} (fingerprint ${run.datasetFingerprint.slice(0, 12)}), ${run.paramCount.toLocaleString('en')} parameters, backend ${run.backend ?? '-'} (${run.device ?? '-'})`,
      );
      c.say(`config ${JSON.stringify(run.config)}`);
      const valid = metrics.filter((m) => m.validLoss !== null);
      c.say(`\n${pc.bold('validation')}`);
      const extra = (m: (typeof valid)[number]) => [
        m.validAccuracy === null ? '-' : m.validAccuracy.toFixed(4),
        m.stabilityBound === null ? '-' : m.stabilityBound.toFixed(4),
        m.contraction === null ? '-' : m.contraction.toFixed(4),
      ];
      c.say(
        valid.length
          ? table(
              ['step', 'valid loss', 'train loss', 'accuracy', 'stability bound', 'contraction', 'grad norm', 'tok/s', 'wall s'],
              valid.map((m) => [
                m.step,
                formatLoss(m.validLoss, unitOf(dataset)),
                m.trainLoss.toFixed(4),
                ...extra(m),
                m.gradNorm.toFixed(3),
                Math.round(m.tokensPerSec),
                (m.wallMs / 1000).toFixed(1),
              ]),
            )
          : 'none yet',
      );
      c.say(
        `\n${pc.bold('checkpoints')}  ${checkpoints.map((k) => `step ${k.step} (${(k.size / 1024).toFixed(0)} KiB)`).join(', ') || 'none'}`,
      );
      for (const s of samples.slice(-3))
        c.say(`\n${pc.bold(`sample at step ${s.step}, temperature ${s.temperature}`)}\n${s.prime}${s.text}`);
      for (const e of exports) c.say(`\nexport ${e.format} -> ${e.path} (sha256 ${e.sha256.slice(0, 12)}, ${e.createdAt})`);
    });
}
