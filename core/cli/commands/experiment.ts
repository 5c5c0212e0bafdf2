// `seqlab experiment ...`: run one of the five experiments (its member runs
// train one after another in training processes, then the analysis runs in a
// task worker), list them, show their result tables, export CSV + PNG, and
// resume one that failed or was stopped. Every command is a LabService
// request, so the experiment is created, supervised (core/app/
// experiment-supervisor.ts), refused and recorded exactly as in the app.
// Ctrl-C stops the member training now (it checkpoints); a second Ctrl-C quits
// at once (the experiment then shows as failed on the next start and can be resumed).
import path from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import type { LabService } from '../../app/lab-service.ts';
import type { ExperimentEvent } from '../../app/experiment-supervisor.ts';
import type { LabResult } from '../../contract/lab-contract.ts';
import { EXPERIMENT_INFO, EXPERIMENT_KINDS, type ExperimentKind } from '../../ml/experiments/experiment-config.ts';
import type { ExperimentResult, ResultCell } from '../../ml/experiments/result-types.ts';
import { resolveDataset } from '../../services/datasets.ts';
import type { CliContext } from '../context.ts';
import { table } from '../context.ts';
import { cliLabService, labRequest, resultOf } from '../lab-request.ts';
import { configFromFlags, lambdaList, needsDataset, withExperimentFlags, type ExperimentFlags } from '../experiment-flags.ts';
import { EXPERIMENT_PRESETS, findPreset } from '../../ml/experiments/presets.ts';
import { formatEta } from '../../services/experiments/eta.ts';
import { intOption, numberOption } from '../options.ts';
import { colourStatus, trainingReporter } from '../training-progress.ts';
import { registerPaperCheck } from './paper-check.ts';

/** "1,2,4" -> [1, 2, 4], naming the flag when an entry is not a whole number. */
function intList(flag: string) {
  return (value: string): number[] =>
    value.split(',').map((v) => {
      if (!/^\s*\d+\s*$/.test(v)) throw new Error(`${flag} must be a comma-separated list of whole numbers (got "${value}")`);
      return Number(v);
    });
}

function cellText(v: ResultCell): string {
  if (v === null) return '-';
  if (typeof v === 'string') return v;
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}

/** Notes, tables and the plots' names of a result, as text. */
function printResult(c: CliContext, result: ExperimentResult): void {
  for (const n of result.notes) c.say(`${pc.dim('•')} ${n}`);
  for (const t of result.tables) {
    c.say(`\n${pc.bold(t.title)}  ${pc.dim(`(${t.name}.csv)`)}`);
    c.say(
      table(
        t.columns,
        t.rows.map((r) => r.map(cellText)),
      ),
    );
  }
  if (result.plots.length) c.say(`\n${pc.dim(`plots (seqlab experiment export): ${result.plots.map((p) => `${p.name}.png`).join(', ')}`)}`);
}

type ExperimentSummary = LabResult<'getExperiment'> extends infer D ? Omit<D, 'config' | 'result'> : never;

function header(c: CliContext, e: ExperimentSummary): void {
  c.say(
    `${pc.bold(`experiment ${e.id}`)}${e.name ? ` "${e.name}"` : ''}: ${e.title}, ${colourStatus(e.status)}${e.error ? ` (${e.error})` : ''}`,
  );
}

/** Sends the commands' experiment requests that need no events; TF.js stays on the CLI's backend (nothing is built in this thread). */
const request = <N extends 'listExperiments' | 'getExperiment' | 'exportExperiment' | 'deleteExperiment'>(
  c: CliContext,
  name: N,
  args: unknown,
) => labRequest(c, name, args, { keepBackend: true });

/**
 * Starts or resumes an experiment through LabService (`begin` sends the
 * request), shows its progress on stderr (or JSON lines) as the supervisor
 * reports it, and resolves with the exit code once its end is recorded.
 */
async function drive(
  c: CliContext,
  begin: (service: LabService) => Promise<ExperimentSummary>,
  onStarted: (e: ExperimentSummary) => void = () => {},
): Promise<number> {
  const runReporter = trainingReporter(c);
  const onEvent = (e: ExperimentEvent) => {
    if (e.type === 'status') {
      if (c.json) c.emit({ type: 'experiment', id: e.experimentId, status: e.status, phase: e.phase, error: e.error });
      else if (e.phase === 'analyzing') c.note(`experiment ${e.experimentId}: analysing (in a task worker)...`);
      return;
    }
    if (e.event.type === 'started') {
      if (c.json) c.emit({ type: 'member', id: e.experimentId, runId: e.runId, role: e.role, index: e.index, of: e.of });
      else c.note(`experiment ${e.experimentId}, member ${e.index + 1}/${e.of}: ${e.role} (run ${e.runId})`);
    }
    runReporter(e.event);
    // At every validation: where the experiment stands and the time it has left (an estimate).
    if (e.event.type === 'progress' && e.event.metrics.validLoss !== null) {
      if (c.json)
        c.emit({
          type: 'experiment-progress',
          id: e.experimentId,
          role: e.role,
          index: e.index,
          of: e.of,
          step: e.event.metrics.step,
          totalSteps: e.event.totalSteps,
          etaSeconds: e.etaSeconds,
        });
      else
        c.note(
          `experiment ${e.experimentId}: member ${e.index + 1}/${e.of} ${e.role} at step ${e.event.metrics.step}/${e.event.totalSteps}${e.etaSeconds !== null ? `, ${formatEta(e.etaSeconds)}` : ''}`,
        );
    }
  };
  const service = cliLabService(c, { keepBackend: true, onExperimentEvent: onEvent });
  let id: number | null = null;
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      c.note('stopping the experiment after this step (Ctrl-C again to quit now)...');
      if (id !== null) void service.handle('stopExperiment', { id });
    } else process.exit(130);
  };
  try {
    const started = await begin(service);
    id = started.id;
    onStarted(started);
    process.on('SIGINT', onSigint);
    await service.experimentEnd(id);
    const { config: _config, ...final } = resultOf<'getExperiment'>(await service.handle('getExperiment', { id }));
    if (c.json) c.emit(final);
    else {
      header(c, final);
      if (final.result) printResult(c, final.result);
      if (final.status === 'failed' || final.status === 'stopped') c.say(`resume with: seqlab experiment resume ${final.id}`);
    }
    return final.status === 'completed' || final.status === 'stopped' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    await service.close();
  }
}

export function registerExperiment(program: Command, ctx: () => CliContext): void {
  const group = program.command('experiment').description(`the five experiments: ${EXPERIMENT_KINDS.join(', ')}`);
  registerPaperCheck(group, ctx);

  group
    .command('kinds')
    .description('the experiment kinds, what they show, and their defaults')
    .action(() => {
      const c = ctx();
      const kinds = EXPERIMENT_KINDS.map((kind) => ({ kind, ...EXPERIMENT_INFO[kind] }));
      if (c.json) return c.emit(kinds);
      for (const k of kinds) c.say(`${pc.bold(k.kind)}: ${k.title}\n  ${k.description}`);
    });

  group
    .command('presets')
    .description("the built-in presets: the papers' settings, what counts as solved, and where the lab departs from the paper")
    .action(() => {
      const c = ctx();
      if (c.json) return c.emit(EXPERIMENT_PRESETS);
      for (const p of EXPERIMENT_PRESETS) {
        c.say(
          `${pc.bold(p.name)} (${p.kind}): ${p.title}\n  run:     seqlab experiment run ${p.kind} --preset ${p.name}${p.dataset === null ? ' --dataset <name>' : ''}\n  dataset: ${p.datasetHint}\n  target:  ${p.target}`,
        );
        for (const f of p.paper) c.say(`  paper:   ${f.text} (${f.source})`);
        for (const d of p.departures) c.say(`  departs: ${d}`);
      }
    });

  group
    .command('run <kind>')
    .description('create an experiment and run it: train its member runs one after another, then analyse')
    .option('--name <name>', 'a name for the experiment')
    .option('--config <json>', 'config fields as a JSON object (flags override); see seqlab experiment kinds')
    .option('--dataset <name>', 'dataset name or id, or a built-in corpus [brackets]')
    .option('--run <id>', 'truncation: the trained recurrent run', intOption('--run'))
    .option('--ks <list>', 'truncation: context lengths k, e.g. 1,2,4,8 [powers of two up to the window]', intList('--ks'))
    .option('--model <kind>', 'stability: rnn|lstm; memory: truncated|tcn|gcnn|wavenet; truncated-vs-recurrent: rnn|lstm|gru')
    .option('--base <kind>', 'memory with --model truncated: the recurrent base, rnn|lstm|gru [lstm]')
    .option('--hidden <n>', 'hidden size / channels', intOption('--hidden'))
    .option('--embed <n>', 'input projection size', intOption('--embed'))
    .option('--layers <n>', 'recurrent layers', intOption('--layers'))
    .option('--levels <n>', 'memory: convolution blocks (overridden by the context search)', intOption('--levels'))
    .option('--kernel <n>', 'memory: convolution kernel size', intOption('--kernel'))
    .option('--dropout <p>', 'dropout rate', numberOption('--dropout'))
    .option(
      '--preset <name>',
      `memory or stability: a built-in preset from the papers' settings (${EXPERIMENT_PRESETS.map((p) => `${p.kind} ${p.name}`).join(', ')}); flags override its fields`,
    )
    .option('--lambda <x>', 'stability: spectral bound of the stable RNN [0.9]', numberOption('--lambda'))
    .option('--lambdas <list>', 'stability: sweep λ, e.g. 0.8,0.9,0.95,0.99,none (the unconstrained member is always trained)', lambdaList)
    .option(
      '--matched <kinds>',
      "memory: recurrent kinds trained at the feed-forward model's parameter count, e.g. lstm,gru",
      (v: string) => v.split(',').map((s) => s.trim()),
    )
    .option('--fit <rule>', 'memory: at-most (largest receptive field within each context) or at-least (smallest that covers it) [at-most]')
    .option('--patience <n>', 'early stopping: validations without a new best before a member stops (0 = off) [0]', intOption('--patience'))
    .option('--time-limit <s>', 'training seconds per member (equal wall-clock; 0 = off) [0]', numberOption('--time-limit'))
    .option('--k <n>', 'truncated-vs-recurrent: context of the truncated twin [8]', intOption('--k'))
    .option('--contexts <list>', 'memory: context lengths [2,4,8,16,32,64]', intList('--contexts'))
    .option('--kinds <list>', 'recurrent-vs-conv: model kinds [lstm,gru,tcn,gcnn,wavenet]; stability: rnn,lstm', (v: string) =>
      v.split(',').map((s) => s.trim()),
    )
    .option('--target-params <n>', 'recurrent-vs-conv: parameter budget [100000]', intOption('--target-params'))
    .option(
      '--recurrent-run <id>',
      'memory: a trained recurrent run whose gradient-lag profile is measured too',
      intOption('--recurrent-run'),
    )
    .option('--max-lag <n>', 'memory: largest lag of the gradient profile [largest context]', intOption('--max-lag'))
    .option('--steps <n>', 'optimiser steps per member [1000]', intOption('--steps'))
    .option('--batch <n>', 'sequences per step [32]', intOption('--batch'))
    .option('--seq-len <n>', 'window length [64]', intOption('--seq-len'))
    .option('--lr <x>', 'learning rate [0.002]', numberOption('--lr'))
    .option('--optimizer <name>', 'adam or sgd [adam]')
    .option('--clip <x>', 'global gradient-norm bound, 0 = off [1]', numberOption('--clip'))
    .option('--seed <n>', 'random seed shared by the members [1]', intOption('--seed'))
    .option('--valid-every <n>', 'validate every N steps [100]', intOption('--valid-every'))
    .option('--valid-tokens <n>', 'positions per validation (truncation: per k) ', intOption('--valid-tokens'))
    .option('--checkpoint-every <n>', 'checkpoint every N steps [200]', intOption('--checkpoint-every'))
    .option('--backend <name>', 'auto, webgpu, tensorflow, wasm or cpu [auto]')
    .action(async (kindArg: string, f: ExperimentFlags & { name?: string }) => {
      // A plain Error, not commander's InvalidArgumentError: main() prints only plain errors from actions.
      if (!(EXPERIMENT_KINDS as readonly string[]).includes(kindArg))
        throw new Error(`<kind> must be one of ${EXPERIMENT_KINDS.join(', ')} (got "${kindArg}")`);
      const kind = kindArg as ExperimentKind;
      const c = ctx();
      const config = configFromFlags(kind, f);
      // A preset brings its built-in dataset (copy-100, adding-200); one without (stability-ptb) needs --dataset.
      const preset = f.preset !== undefined ? findPreset(kind, f.preset) : undefined;
      if (preset && preset.dataset === null && f.dataset === undefined && config['datasetId'] === undefined)
        throw new Error(`--dataset: the ${preset.name} preset needs ${preset.datasetHint}`);
      if (needsDataset(kind)) {
        // --dataset, or the CLI's default corpus; a preset's own built-in dataset is generated by startExperiment, as in the app.
        if (f.dataset !== undefined || (config['datasetId'] === undefined && !preset?.dataset))
          config['datasetId'] = (await resolveDataset(c.history, c.dataDir, f.dataset ?? 'brackets')).id;
      } else if (f.dataset !== undefined) throw new Error(`--dataset: does not apply to a ${kind} experiment (it reads the run's dataset)`);
      const start = async (service: LabService) => {
        try {
          return resultOf<'startExperiment'>(
            await service.handle('startExperiment', { kind, config, ...(f.name ? { name: f.name } : {}) }),
          );
        } catch (err) {
          throw new Error(withExperimentFlags(kind, (err as Error).message), { cause: err });
        }
      };
      process.exitCode = await drive(c, start, (e) =>
        c.note(`experiment ${e.id}: ${e.title}, members ${e.members.map((m) => `${m.role} (run ${m.runId})`).join(', ')}`),
      );
    });

  group
    .command('resume <id>')
    .description('continue a failed or stopped experiment: completed members are kept, interrupted ones continue from their checkpoint')
    .action(async (ref: string) => {
      const c = ctx();
      const { id } = c.history.resolveExperiment(ref);
      // Refused there when it is running or already completed.
      process.exitCode = await drive(c, async (service) => resultOf<'resumeExperiment'>(await service.handle('resumeExperiment', { id })));
    });

  group
    .command('list')
    .description('experiments, newest first')
    .action(async () => {
      const c = ctx();
      const list = await request(c, 'listExperiments', {});
      if (c.json) return c.emit(list);
      if (list.length === 0) return c.say('no experiments yet: try  seqlab experiment run stability --steps 200');
      c.say(
        table(
          ['id', 'kind', 'name', 'status', 'members done', 'created'],
          list.map((e) => [
            e.id,
            e.kind,
            e.name ?? '-',
            colourStatus(e.status),
            `${e.members.filter((m) => !m.owned || m.status === 'completed' || m.status === 'diverged').length}/${e.members.length}`,
            e.createdAt.slice(0, 19),
          ]),
        ),
      );
    });

  group
    .command('show <id>')
    .description('an experiment in full: config, members and result tables')
    .action(async (ref: string) => {
      const c = ctx();
      const e = await request(c, 'getExperiment', { id: c.history.resolveExperiment(ref).id });
      if (c.json) return c.emit(e);
      header(c, e);
      c.say(`config ${JSON.stringify(e.config)}`);
      c.say(
        table(
          ['role', 'run', 'status', 'step', 'valid loss'],
          e.members.map((m) => [
            m.role + (m.owned ? '' : ' (read)'),
            m.runId,
            colourStatus(m.status),
            `${m.step}/${m.totalSteps}`,
            m.validLoss === null ? '-' : m.validLoss.toFixed(4),
          ]),
        ),
      );
      if (e.result) printResult(c, e.result);
      else
        c.say(
          pc.dim(
            `\nno results yet${e.status === 'failed' || e.status === 'stopped' ? `: resume with  seqlab experiment resume ${e.id}` : ''}`,
          ),
        );
    });

  group
    .command('export <id>')
    .description('write experiment.json, a CSV per table and a PNG (+ points CSV) per plot into a new folder')
    .option('--out <dir>', 'target folder (must not exist or be empty) [<data-dir>/exports/experiment-<id>-<time>]')
    .action(async (ref: string, f: { out?: string }) => {
      const c = ctx();
      const { id } = c.history.resolveExperiment(ref);
      // Without --out the handler picks <data-dir>/exports/experiment-<id>-<time>, as for the app.
      const r = await request(c, 'exportExperiment', { id, ...(f.out !== undefined ? { outDir: path.resolve(f.out) } : {}) });
      if (c.json) return c.emit(r);
      c.say(`experiment ${id} exported to ${r.outDir}`);
      for (const file of r.files) c.say(`  ${file}`);
    });

  group
    .command('delete <id>')
    .description('delete an experiment record (its runs stay)')
    .action(async (ref: string) => {
      const c = ctx();
      const { id } = c.history.resolveExperiment(ref);
      const { deleted } = await request(c, 'deleteExperiment', { id });
      if (c.json) return c.emit({ id, deleted });
      c.say(`experiment ${id} deleted; its runs stay (seqlab runs)`);
    });
}
