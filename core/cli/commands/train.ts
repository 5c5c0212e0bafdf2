// `seqlab train` and `seqlab resume`: create or pick a run and train it in a
// worker thread. Ctrl-C asks the worker to checkpoint and stop; a second
// Ctrl-C quits at once (the run then shows as crashed and can be resumed).
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { MODEL_KINDS, modelConfigSchema } from '../../ml/models/model-config.ts';
import { BACKEND_NAMES, trainConfigSchema } from '../../ml/train/train-config.ts';
import { resolveDataset } from '../../services/datasets.ts';
import { checkFitsDataset, createRun, parseRunConfig, receptiveFieldOf } from '../../services/runs.ts';
import { probeBackend } from '../../engine/backends.ts';
import { checkRunMemory, CLI_BUDGET_LABELS, DEFAULT_MEMORY_SHARE } from '../../services/memory-budget.ts';
import { describeDatasetTask } from '../../datasets/registry.ts';
import { DISK_FULL_NOTE, isDiskFull } from '../../storage/open-read-only.ts';
import { startTraining } from '../../worker/training-host.ts';
import type { CliContext } from '../context.ts';
import { choiceOption, intOption, numberOption, withFlags } from '../options.ts';
import { trainingReporter } from '../training-progress.ts';

interface TrainFlags {
  dataset: string;
  model: (typeof MODEL_KINDS)[number];
  name?: string;
  hidden?: number;
  embed?: number;
  layers?: number;
  levels?: number;
  kernel?: number;
  dropout?: number;
  steps?: number;
  batch?: number;
  seqLen?: number;
  lr?: number;
  optimizer?: string;
  schedule?: string;
  warmup?: number;
  clip?: number;
  seed?: number;
  checkpointEvery?: number;
  validEvery?: number;
  validTokens?: number;
  backend?: string;
  memoryLimit?: number | 'off';
  set: Record<string, unknown>;
}

/** `--memory-limit 20` (GiB) or `off`. */
function memoryLimitOption(value: string): number | 'off' {
  if (value === 'off') return 'off';
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n))
    throw new InvalidArgumentError(`--memory-limit must be a number of GiB above 0, or off (got "${value}")`);
  return n;
}

/**
 * `--set key=value`, repeatable: any model or training field by its config
 * name (e.g. `--set spectralBound=0.9`, `--set stacks=2`). Values are read as
 * JSON where they parse (numbers, true/false, null), else as strings.
 */
function collectSetting(value: string, previous: Record<string, unknown>): Record<string, unknown> {
  const m = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`--set must look like field=value (got "${value}")`);
  let parsed: unknown = m[2];
  try {
    parsed = JSON.parse(m[2]!);
  } catch {
    // a plain string
  }
  return { ...previous, [m[1]!]: parsed };
}

/** Field names of a model kind's config, so kind-specific flags reach only kinds that have the field. */
function modelFields(kind: string): Set<string> {
  const option = modelConfigSchema.options.find((o) => o.shape.kind.value === kind);
  return new Set(option ? Object.keys(option.shape) : []);
}

/** Splits `--set` fields between the model and the training config; an unknown field is refused by name. */
function splitSettings(kind: string, set: Record<string, unknown>): { model: Record<string, unknown>; train: Record<string, unknown> } {
  const modelKeys = modelFields(kind);
  const trainKeys = new Set(Object.keys(trainConfigSchema.shape));
  const model: Record<string, unknown> = {};
  const train: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(set)) {
    if (modelKeys.has(k) && k !== 'kind') model[k] = v;
    else if (trainKeys.has(k)) train[k] = v;
    else
      throw new Error(
        `--set: "${k}" is not a field of a ${kind} model or of training (model fields: ${[...modelKeys].filter((f) => f !== 'kind').join(', ')})`,
      );
  }
  return { model, train };
}

/** Drops undefined entries so schema defaults apply. */
function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** Trains run `runId` in a child process (see core/worker/training-host.ts) and resolves with the exit code. */
/**
 * Records the crash of a run whose worker died before recording it. On a full
 * disk that write fails too: the run stays 'running' under this process, and
 * the first open after this process ended (and space was freed) marks it crashed.
 */
function recordCrash(ctx: CliContext, runId: number, error: string): void {
  try {
    ctx.history.setStatus(runId, 'crashed', error, process.pid);
  } catch (e) {
    if (!isDiskFull(e)) throw e;
    ctx.history.becomeReadOnly(e);
    ctx.note(
      `run ${runId}: could not record its end (${(e as Error).message}): ${DISK_FULL_NOTE}; the next seqlab command after space is freed marks it crashed`,
    );
  }
}

async function trainInWorker(ctx: CliContext, runId: number, resume: boolean): Promise<number> {
  const handle = startTraining({ runId, dataDir: ctx.dataDir, resume }, trainingReporter(ctx));
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      ctx.note('stopping after this step (Ctrl-C again to quit now)...');
      handle.stop();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  const done = await handle.done;
  process.off('SIGINT', onSigint);
  let step = done.step;
  if (done.status === 'crashed') {
    // A worker that died before recording its end leaves the run 'running' in this process; record it here.
    const run = ctx.history.getRun(runId);
    if (run && run.status === 'running' && run.pid === process.pid)
      recordCrash(ctx, runId, done.error ?? 'training worker ended unexpectedly');
    // It may have stored a step it never announced: the history is where the run stands.
    step = Math.max(step, run?.step ?? 0);
  }
  if (ctx.json) ctx.emit({ id: runId, status: done.status, step, validLoss: done.validLoss, error: done.error });
  return done.status === 'completed' || done.status === 'stopped' ? 0 : 1;
}

export function registerTrain(program: Command, ctx: () => CliContext): void {
  program
    .command('train')
    .description('train a model on a dataset (default: the built-in "brackets" corpus)')
    .option('--dataset <name>', 'dataset name or id, or a built-in corpus (brackets, agreement)', 'brackets')
    .option('--model <kind>', `model kind: ${MODEL_KINDS.join(', ')}`, choiceOption('--model', MODEL_KINDS), 'lstm')
    .option('--name <name>', 'a name for the run')
    .option('--hidden <n>', 'hidden size (RNN, GRU, LSTM) or channels (TCN, GCNN) [128]', intOption('--hidden'))
    .option('--embed <n>', 'input projection size [32]', intOption('--embed'))
    .option('--layers <n>', 'recurrent layers (RNN, GRU, LSTM) [1]', intOption('--layers'))
    .option('--levels <n>', 'TCN residual blocks; dilation 2^i at level i [4]', intOption('--levels'))
    .option('--kernel <n>', 'TCN kernel size [3]', intOption('--kernel'))
    .option('--dropout <p>', 'dropout rate [TCN and GCNN 0.05, other kinds 0]', numberOption('--dropout'))
    .option('--steps <n>', 'optimiser steps [1000]', intOption('--steps'))
    .option('--batch <n>', 'sequences per step [32]', intOption('--batch'))
    .option('--seq-len <n>', 'window length, and the TBPTT horizon [64]', intOption('--seq-len'))
    .option('--lr <x>', 'learning rate [0.002]', numberOption('--lr'))
    .option('--optimizer <name>', 'adam or sgd [adam]')
    .option('--schedule <name>', 'constant, cosine or linear [constant]')
    .option('--warmup <n>', 'linear warm-up steps [0]', intOption('--warmup'))
    .option('--clip <x>', 'global gradient-norm bound, 0 = off [1]', numberOption('--clip'))
    .option('--seed <n>', 'random seed [1]', intOption('--seed'))
    .option('--checkpoint-every <n>', 'checkpoint every N steps [200]', intOption('--checkpoint-every'))
    .option('--valid-every <n>', 'validate every N steps [100]', intOption('--valid-every'))
    .option('--valid-tokens <n>', 'tokens per validation [16384]', intOption('--valid-tokens'))
    .option('--backend <name>', `${BACKEND_NAMES.join(', ')} [auto]`)
    .option(
      '--memory-limit <GiB|off>',
      `memory a run may plan to use [${DEFAULT_MEMORY_SHARE * 100}% of this machine's]; off: only V8's hard limits`,
      memoryLimitOption,
    )
    .option('--set <field=value>', 'any model or training field by name, repeatable (e.g. --set spectralBound=0.9)', collectSetting, {})
    .action(async (f: TrainFlags) => {
      const c = ctx();
      const dataset = await resolveDataset(c.history, c.dataDir, f.dataset);
      let config;
      try {
        const fields = modelFields(f.model);
        const only = (field: string, v: unknown) => (fields.has(field) ? v : undefined);
        const extra = splitSettings(f.model, f.set);
        config = parseRunConfig(
          {
            model: defined({
              kind: f.model,
              hiddenSize: only('hiddenSize', f.hidden),
              embedSize: only('embedSize', f.embed),
              layers: only('layers', f.layers),
              levels: only('levels', f.levels),
              kernelSize: only('kernelSize', f.kernel),
              dropout: only('dropout', f.dropout),
              ...extra.model,
            }),
            train: defined({
              steps: f.steps,
              batchSize: f.batch,
              seqLen: f.seqLen,
              lr: f.lr,
              optimizer: f.optimizer,
              schedule: f.schedule,
              warmupSteps: f.warmup,
              clip: f.clip,
              seed: f.seed,
              checkpointEvery: f.checkpointEvery,
              validEvery: f.validEvery,
              validTokens: f.validTokens,
              backend: f.backend,
              ...extra.train,
            }),
          },
          dataset,
        );
      } catch (e) {
        throw new Error(withFlags((e as Error).message), { cause: e });
      }
      checkFitsDataset(config, dataset, { field: '--batch/--seq-len', formula: 'batch × (seq-len + 1)' });
      // Before anything is written or allocated: a config that cannot fit is refused with what to lower.
      const budget = checkRunMemory(config, dataset, CLI_BUDGET_LABELS, f.memoryLimit);
      if (budget.refusal) throw new Error(budget.refusal);
      if (config.train.backend !== 'auto') {
        // Refuse before anything is written: a run that cannot start should not appear in the history.
        const probe = await probeBackend(config.train.backend);
        if (!probe.available) throw new Error(`--backend: ${config.train.backend} is not available: ${probe.reason}`);
      }
      const run = createRun(c.history, dataset, config, f.name);
      c.history.claimRun(run.id, process.pid);
      const rf = receptiveFieldOf(config.model);
      c.note(
        `run ${run.id}: ${config.model.kind} on "${dataset.name}" (${describeDatasetTask(dataset)}), ${run.paramCount.toLocaleString('en')} parameters${Number.isFinite(rf) ? `, receptive field ${rf} steps` : ''}`,
      );
      process.exitCode = await trainInWorker(c, run.id, false);
    });

  program
    .command('resume <run>')
    .description('continue a stopped, crashed or diverged run from its last checkpoint')
    .action(async (ref: string) => {
      const c = ctx();
      const run = c.history.resolveRun(ref);
      // Taken atomically before the worker starts: of two resumes, the loser stops here having changed nothing.
      c.history.claimRun(run.id, process.pid);
      process.exitCode = await trainInWorker(c, run.id, true);
    });
}
