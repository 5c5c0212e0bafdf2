// `seqlab train` and `seqlab resume`: turn flags into a startRun or resumeRun
// request to LabService (the application layer every front shares, which
// checks, creates, claims and trains the run in a child process and records
// its end) and show the run's events. Ctrl-C asks the worker to checkpoint and
// stop; a second Ctrl-C quits at once (the run then shows as crashed and can be resumed).
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { MODEL_KINDS, modelConfigSchema } from '../../ml/models/model-config.ts';
import { BACKEND_NAMES, trainConfigSchema } from '../../ml/train/train-config.ts';
import type { LabService } from '../../app/lab-service.ts';
import type { LabEvent, LabReply, LabResult } from '../../contract/lab-contract.ts';
import { resolveDataset } from '../../services/datasets.ts';
import { DEFAULT_MEMORY_SHARE } from '../../services/memory-budget.ts';
import { describeDatasetTask } from '../../datasets/registry.ts';
import { DISK_FULL_NOTE } from '../../storage/open-read-only.ts';
import type { CliContext } from '../context.ts';
import { CLI_RUN_WORDS } from '../flag-words.ts';
import { cliLabService, resultOf } from '../lab-request.ts';
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

/**
 * Trains a run through LabService (the same application layer as the app):
 * `request` starts or resumes it, and this resolves with the exit code once
 * the run's end is recorded. The worker's events are shown as they come.
 * Ctrl-C asks the worker to checkpoint and stop; a second one quits at once.
 */
async function trainThroughLab(
  c: CliContext,
  request: (service: LabService) => Promise<LabReply<unknown>>,
  onStarted: (run: LabResult<'startRun'>) => void = () => {},
): Promise<number> {
  const service = cliLabService(c, { onTrainingEvent: trainingReporter(c), runWords: CLI_RUN_WORDS, keepBackend: true });
  let runId: number | null = null;
  let ended: (e: Extract<LabEvent, { type: 'run.status' }>) => void = () => {};
  const end = new Promise<Extract<LabEvent, { type: 'run.status' }>>((resolve) => (ended = resolve));
  const unsubscribe = service.subscribe((e) => {
    if (e.type === 'run.status' && e.runId === runId) ended(e);
    else if (e.type === 'history.readOnly')
      // The disk filled: the worker's last write may or may not have fitted; a run left 'running' is marked crashed by the next open.
      c.note(
        `run ${runId}: the disk filled (${e.reason}): ${DISK_FULL_NOTE}; if its end could not be recorded, the next seqlab command after space is freed marks it crashed`,
      );
  });
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      c.note('stopping after this step (Ctrl-C again to quit now)...');
      if (runId !== null) void service.handle('stopRun', { id: runId });
    } else process.exit(130);
  };
  try {
    const run = resultOf<'startRun'>(await request(service));
    runId = run.id;
    onStarted(run);
    process.on('SIGINT', onSigint);
    const done = await end;
    if (c.json) c.emit({ id: done.runId, status: done.status, step: done.step, validLoss: done.validLoss, error: done.error });
    return done.status === 'completed' || done.status === 'stopped' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    unsubscribe();
    await service.close();
  }
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
      const fields = modelFields(f.model);
      const only = (field: string, v: unknown) => (fields.has(field) ? v : undefined);
      const extra = splitSettings(f.model, f.set);
      const args = {
        datasetId: dataset.id,
        ...(f.name !== undefined ? { name: f.name } : {}),
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
        ...(f.memoryLimit !== undefined ? { memoryLimitGiB: f.memoryLimit } : {}),
      };
      // The config's own checks name the config field; the terminal names the flag too ("--hidden (hiddenSize): ...").
      const start = async (service: LabService) => {
        const reply = await service.handle('startRun', args);
        return reply.ok || reply.problem ? reply : { ...reply, error: withFlags(reply.error) };
      };
      process.exitCode = await trainThroughLab(c, start, (run) => {
        const rf = run.receptiveField;
        c.note(
          `run ${run.id}: ${run.kind} on "${dataset.name}" (${describeDatasetTask(dataset)}), ${run.paramCount.toLocaleString('en')} parameters${rf !== null ? `, receptive field ${rf} steps` : ''}`,
        );
      });
    });

  program
    .command('resume <run>')
    .description('continue a stopped, crashed or diverged run from its last checkpoint')
    .action(async (ref: string) => {
      const c = ctx();
      const run = c.history.resolveRun(ref);
      // Refused (completed, or trained by another live process) before anything changes: see LabService's resumeRun.
      process.exitCode = await trainThroughLab(c, (service) => service.handle('resumeRun', { id: run.id }));
    });
}
