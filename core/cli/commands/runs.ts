// `seqlab runs` and `seqlab show <run>`: read through LabService (listRuns,
// getRun, getMetrics, listDatasets), the requests the app's History and run
// page read, so a run looks the same on every front.
import type { Command } from 'commander';
import pc from 'picocolors';
import { fromContractRow } from '../../app/metric-rows.ts';
import type { LabResult } from '../../contract/lab-contract.ts';
import { RUN_STATUSES, type RunStatus } from '../../contract/kinds.ts';
import { formatLoss, table, type CliContext } from '../context.ts';
import { withLabService } from '../lab-request.ts';
import { choiceOption } from '../options.ts';
import { colourStatus } from '../training-progress.ts';

type DatasetSummary = LabResult<'listDatasets'>[number];

const unitOf = (d: DatasetSummary | undefined) => d?.lossUnit ?? 'nats';

export function registerRuns(program: Command, ctx: () => CliContext): void {
  program
    .command('runs')
    .description('list training runs, newest first')
    .option('--status <status>', RUN_STATUSES.join(', '), choiceOption('--status', RUN_STATUSES))
    .action(async (f: { status?: RunStatus }) => {
      const c = ctx();
      await withLabService(c, async (ask) => {
        const runs = await ask('listRuns', f.status ? { status: f.status } : {});
        if (c.json) return c.emit(runs);
        if (runs.length === 0) return c.say('no runs yet: try  seqlab train');
        const datasets = new Map((await ask('listDatasets', {})).map((d) => [d.id, d]));
        c.say(
          table(
            ['id', 'kind', 'status', 'step', 'valid loss', 'params', 'dataset', 'backend', 'created'],
            runs.map((r) => [
              r.id,
              r.kind,
              colourStatus(r.status),
              `${r.step}/${r.totalSteps}`,
              formatLoss(r.validLoss, unitOf(datasets.get(r.datasetId))),
              r.paramCount.toLocaleString('en'),
              datasets.get(r.datasetId)?.name ?? r.datasetId,
              r.backend ?? '-',
              r.createdAt.slice(0, 19),
            ]),
          ),
        );
      });
    });

  program
    .command('show <run>')
    .description('a run in full: config, metrics, checkpoints, samples, exports')
    .action(async (ref: string) => {
      const c = ctx();
      const id = c.history.resolveRun(ref).id;
      await withLabService(c, async (ask) => {
        const run = await ask('getRun', { id });
        // Restored to numbers: a diverged loss prints as NaN, as stored, not as a missing value.
        const metrics = (await ask('getMetrics', { id })).map(fromContractRow);
        const dataset = (await ask('listDatasets', {})).find((d) => d.id === run.datasetId);
        const { config, datasetFingerprint, checkpoints, samples, exports, ...summary } = run;
        if (c.json)
          return c.emit({ ...summary, config, dataset: dataset?.name, datasetFingerprint, metrics, checkpoints, samples, exports });
        c.say(
          `${pc.bold(`run ${run.id}`)}${run.name ? ` "${run.name}"` : ''}: ${run.kind}, ${colourStatus(run.status)}, step ${run.step}/${run.totalSteps}${run.error ? ` (${run.error})` : ''}`,
        );
        c.say(
          `dataset ${dataset?.name ?? run.datasetId} (fingerprint ${datasetFingerprint.slice(0, 12)}), ${run.paramCount.toLocaleString('en')} parameters, backend ${run.backend ?? '-'} (${run.device ?? '-'})`,
        );
        c.say(`config ${JSON.stringify(config)}`);
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
    });
}
