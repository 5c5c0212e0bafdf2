// `seqlab datasets import|list|synth`, through LabService (the application
// layer the app and browser mode use), so a dataset is imported, generated and
// listed by the same handlers on every front (issue 15).
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { datasetSummaryLine, refusedFiles } from '../../datasets/registry.ts';
import type { LabResult } from '../../contract/lab-contract.ts';
import { fieldProblemOf } from '../../contract/structured-error.ts';
import { BUILTIN_NAMES } from '../../services/datasets.ts';
import { table, type CliContext } from '../context.ts';
import { cliLabService, resultOf } from '../lab-request.ts';
import { choiceOption, intOption } from '../options.ts';

type DatasetSummary = LabResult<'listDatasets'>[number];

/**
 * The contract's dataset summary plus what scripts need to read the tokens
 * themselves. The contract leaves out the token file's path and the splits on
 * purpose (the renderer never reads dataset files), so the CLI, which runs
 * beside the history, reads them from the stored record.
 */
function withFiles(c: CliContext, s: DatasetSummary) {
  const d = c.history.getDataset(s.id)!;
  return { ...s, fingerprint: d.fingerprint, tokenFile: d.tokenFile, splits: d.splits };
}

/** The flag of each request argument the dataset commands set, for refusals that arrive as "field: reason" text. */
const ARGUMENT_FLAGS: Readonly<Record<string, string>> = {
  name: '--name',
  level: '--level',
  maxVocab: '--max-vocab',
  encoding: '--encoding',
  rate: '--rate',
  trimSilenceDb: '--trim-silence',
  task: '--task',
  length: '--length',
  trainSize: '--train-size',
  validSize: '--valid-size',
  testSize: '--test-size',
  seed: '--seed',
};

/**
 * One dataset request through LabService. A FieldError is thrown as it is
 * (main words it as its flag); a "field: reason; field: reason" refusal (the
 * contract's argument check, a task's parameters) gets each field's flag.
 */
async function datasetRequest<N extends 'importDataset' | 'createSyntheticDataset' | 'listDatasets'>(
  c: CliContext,
  name: N,
  args: unknown,
  onProgress?: (p: { phase: string; bytesDone: number; bytesTotal: number }) => void,
): Promise<LabResult<N>> {
  // No model is built in this thread: TF.js stays on the backend the CLI chose.
  const service = cliLabService(c, { keepBackend: true });
  const unsubscribe = service.subscribe((e) => {
    if (e.type === 'dataset.importProgress') onProgress?.(e);
  });
  try {
    return resultOf<N>(await service.handle(name, args));
  } catch (e) {
    if (fieldProblemOf(e)) throw e;
    throw new Error(
      (e as Error).message.replace(/(^|; )(\w+):/g, (m, sep: string, field: string) =>
        ARGUMENT_FLAGS[field] ? `${sep}${ARGUMENT_FLAGS[field]}:` : m,
      ),
      { cause: e },
    );
  } finally {
    unsubscribe();
    await service.close();
  }
}

const DEFAULT_TRIM_DB = -40;

/** --trim-silence takes an optional level; "40" and "-40" both mean -40 dBFS. */
function trimOption(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n === 0 || Math.abs(n) > 120)
    throw new Error(`--trim-silence: "${v}" is not a level in dB from -120 to -1 (e.g. -40)`);
  return -Math.abs(n);
}

export function registerDatasets(program: Command, ctx: () => CliContext): void {
  const datasets = program.command('datasets').description('import and list corpora');

  datasets
    .command('import <paths...>')
    .description(
      'import a .txt file or a folder of them; MIDI / piano-roll JSON make a music dataset, .wav/.flac/.mp3/.ogg an audio dataset',
    )
    .option('--name <name>', 'dataset name (default: the file or folder name)')
    .option('--level <level>', 'char or word', choiceOption('--level', ['char', 'word'] as const), 'char')
    .option('--max-vocab <n>', 'vocabulary cap incl. <unk> (word default 10000)', intOption('--max-vocab'))
    .option('--encoding <name>', 'source encoding when not UTF-8/UTF-16 (e.g. windows-1252)')
    .option('--rate <hz>', 'audio: dataset sample rate, 8000, 16000 or 22050 [16000]', intOption('--rate'))
    .option('--trim-silence [dB]', 'audio: trim leading/trailing audio quieter than this many dBFS [-40]', trimOption)
    .action(
      async (
        paths: string[],
        f: { name?: string; level: 'char' | 'word'; maxVocab?: number; encoding?: string; rate?: number; trimSilence?: number | true },
      ) => {
        const c = ctx();
        const bar =
          process.stderr.isTTY && !c.json
            ? new cliProgress.SingleBar(
                { format: 'import {phase} {bar} {percentage}% | ETA {eta_formatted}' },
                cliProgress.Presets.shades_classic,
              )
            : undefined;
        let phase = '';
        const s = await datasetRequest(
          c,
          'importDataset',
          {
            paths,
            level: f.level,
            ...(f.name ? { name: f.name } : {}),
            ...(f.maxVocab ? { maxVocab: f.maxVocab } : {}),
            ...(f.encoding ? { encoding: f.encoding } : {}),
            ...(f.rate !== undefined ? { rate: f.rate } : {}),
            ...(f.trimSilence !== undefined ? { trimSilenceDb: f.trimSilence === true ? DEFAULT_TRIM_DB : f.trimSilence } : {}),
          },
          (p) => {
            if (!bar) return;
            if (p.phase !== phase) {
              if (phase) bar.stop();
              phase = p.phase;
              bar.start(Math.max(1, p.bytesTotal), 0, { phase });
            }
            bar.update(p.bytesDone, { phase });
          },
        ).finally(() => bar?.stop());
        const d = c.history.getDataset(s.id)!;
        const refused = refusedFiles(d);
        if (c.json) return c.emit({ ...withFiles(c, s), refused }); // the files a folder import left out, with why
        c.say(`imported dataset ${d.id} "${d.name}": ${datasetSummaryLine(d)}`);
        for (const r of refused) c.note(`refused ${r.file}: ${r.reason}`);
      },
    );

  datasets
    .command('list')
    .description('list imported datasets and the built-in corpora')
    .action(async () => {
      const c = ctx();
      const list = await datasetRequest(c, 'listDatasets', {});
      if (c.json) return c.emit(list.map((s) => withFiles(c, s)));
      c.say(
        table(
          ['id', 'name', 'kind', 'tokens/steps', 'vocab', 'entropy bits', 'source'],
          list.map((d) => [
            d.id,
            d.name,
            d.level ? `${d.kind} (${d.level})` : d.kind,
            d.tokens,
            d.vocabSize,
            d.unigramEntropyBits.toFixed(3),
            d.source.slice(0, 60),
          ]),
        ),
      );
      const missing = BUILTIN_NAMES.filter((n) => !list.some((d) => d.name === n));
      if (missing.length) c.say(`\nbuilt-in datasets, generated on first use: ${missing.join(', ')}`);
    });

  datasets
    .command('synth')
    .description('store a synthetic task of Bai et al. 2018 as a dataset: the adding problem or copy memory')
    .requiredOption('--task <task>', 'adding or copy', choiceOption('--task', ['adding', 'copy'] as const))
    .option('--length <n>', 'sequence length T (adding, default 200) or blank span T (copy, default 100)', intOption('--length'))
    .option('--train-size <n>', 'training sequences (adding 50000, copy 10000)', intOption('--train-size'))
    .option('--valid-size <n>', 'validation sequences [1000]', intOption('--valid-size'))
    .option('--test-size <n>', 'test sequences [1000]', intOption('--test-size'))
    .option('--seed <n>', 'data seed [0]', intOption('--seed'))
    .option('--name <name>', 'dataset name [<task>-T<length>]')
    .action(
      async (f: {
        task: 'adding' | 'copy';
        length?: number;
        trainSize?: number;
        validSize?: number;
        testSize?: number;
        seed?: number;
        name?: string;
      }) => {
        const c = ctx();
        const defined = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined));
        const s = await datasetRequest(c, 'createSyntheticDataset', defined);
        if (c.json) return c.emit(withFiles(c, s));
        c.say(`created dataset ${s.id} "${s.name}": ${datasetSummaryLine(c.history.getDataset(s.id)!)}`);
      },
    );
}
