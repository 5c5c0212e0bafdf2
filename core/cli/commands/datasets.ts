// `seqlab datasets import|list`.
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { ZodError } from 'zod';
import { describeIssues } from '../../ml/zod-issues.ts';
import { datasetSummaryLine, refusedFiles } from '../../datasets/registry.ts';
import type { DatasetRecord } from '../../storage/history.ts';
import { datasetSummary } from '../../app/record-summaries.ts';
import { BUILTIN_NAMES, importDataset } from '../../services/datasets.ts';
import { createSyntheticDataset } from '../../services/task-datasets.ts';
import { table, type CliContext } from '../context.ts';
import { choiceOption, intOption } from '../options.ts';
import { fieldProblemOf } from '../../contract/structured-error.ts';

/** The app's dataset summary plus what scripts need to read the tokens themselves. */
function summary(d: DatasetRecord) {
  return { ...datasetSummary(d), fingerprint: d.fingerprint, tokenFile: d.tokenFile, splits: d.splits };
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
        const d = await importDataset(c.history, c.dataDir, {
          paths,
          level: f.level,
          ...(f.name ? { name: f.name } : {}),
          ...(f.maxVocab ? { maxVocab: f.maxVocab } : {}),
          ...(f.encoding ? { encoding: f.encoding } : {}),
          ...(f.rate !== undefined ? { rate: f.rate } : {}),
          ...(f.trimSilence !== undefined ? { trimSilenceDb: f.trimSilence === true ? DEFAULT_TRIM_DB : f.trimSilence } : {}),
          onProgress: (p) => {
            if (!bar) return;
            if (p.phase !== phase) {
              if (phase) bar.stop();
              phase = p.phase;
              bar.start(Math.max(1, p.bytesTotal), 0, { phase });
            }
            bar.update(p.bytesDone, { phase });
          },
        });
        bar?.stop();
        const refused = refusedFiles(d);
        if (c.json) return c.emit({ ...summary(d), refused }); // the files a folder import left out, with why
        c.say(`imported dataset ${d.id} "${d.name}": ${datasetSummaryLine(d)}`);
        for (const r of refused) c.note(`refused ${r.file}: ${r.reason}`);
      },
    );

  datasets
    .command('list')
    .description('list imported datasets and the built-in corpora')
    .action(() => {
      const c = ctx();
      const list = c.history.listDatasets();
      if (c.json) return c.emit(list.map(summary));
      c.say(
        table(
          ['id', 'name', 'kind', 'tokens/steps', 'vocab', 'entropy bits', 'source'],
          list.map((d) => [
            d.id,
            d.name,
            d.level ? `${d.kind} (${d.level})` : d.kind,
            d.stats.tokens,
            d.stats.vocabSize,
            d.stats.unigramEntropyBits.toFixed(3),
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
      (f: {
        task: 'adding' | 'copy';
        length?: number;
        trainSize?: number;
        validSize?: number;
        testSize?: number;
        seed?: number;
        name?: string;
      }) => {
        const c = ctx();
        const defined = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as typeof f;
        let d: DatasetRecord;
        try {
          d = createSyntheticDataset(c.history, defined);
        } catch (e) {
          if (fieldProblemOf(e)) throw e; // a refused input: main words it as its flag
          // zod names the field; say it as the flag the user typed
          const message = e instanceof ZodError ? describeIssues(e) : (e as Error).message;
          throw new Error(
            message.replace(
              /\b(length|trainSize|validSize|testSize|seed)\b/g,
              (m) => `--${m.replace(/[A-Z]/g, (x) => `-${x.toLowerCase()}`)}`,
            ),
            { cause: e },
          );
        }
        if (c.json) return c.emit(summary(d));
        c.say(`created dataset ${d.id} "${d.name}": ${datasetSummaryLine(d)}`);
      },
    );
}
