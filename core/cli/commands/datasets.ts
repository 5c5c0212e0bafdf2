// `seqlab datasets import|list`.
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { DatasetRecord } from '../../storage/history.ts';
import { datasetSummary } from '../../app/lab-handlers.ts';
import { BUILTIN_NAMES, importDataset } from '../../services/datasets.ts';
import { table, type CliContext } from '../context.ts';
import { choiceOption, intOption } from '../options.ts';

/** The app's dataset summary plus what scripts need to read the tokens themselves. */
function summary(d: DatasetRecord) {
  return { ...datasetSummary(d), fingerprint: d.fingerprint, tokenFile: d.tokenFile, splits: d.splits };
}

export function registerDatasets(program: Command, ctx: () => CliContext): void {
  const datasets = program.command('datasets').description('import and list corpora');

  datasets
    .command('import <paths...>')
    .description('import a .txt file or a folder of them')
    .option('--name <name>', 'dataset name (default: the file or folder name)')
    .option('--level <level>', 'char or word', choiceOption('--level', ['char', 'word'] as const), 'char')
    .option('--max-vocab <n>', 'vocabulary cap incl. <unk> (word default 10000)', intOption('--max-vocab'))
    .option('--encoding <name>', 'source encoding when not UTF-8/UTF-16 (e.g. windows-1252)')
    .action(async (paths: string[], f: { name?: string; level: 'char' | 'word'; maxVocab?: number; encoding?: string }) => {
      const c = ctx();
      const bar = process.stderr.isTTY && !c.json ? new cliProgress.SingleBar({ format: 'import {phase} {bar} {percentage}% | ETA {eta_formatted}' }, cliProgress.Presets.shades_classic) : undefined;
      let phase = '';
      const d = await importDataset(c.history, c.dataDir, {
        paths,
        level: f.level,
        ...(f.name ? { name: f.name } : {}),
        ...(f.maxVocab ? { maxVocab: f.maxVocab } : {}),
        ...(f.encoding ? { encoding: f.encoding } : {}),
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
      if (c.json) return c.emit(summary(d));
      c.say(`imported dataset ${d.id} "${d.name}": ${d.stats.tokens.toLocaleString('en')} ${d.level === 'char' ? 'characters' : 'words'}, vocabulary ${d.stats.vocabSize}, unigram entropy ${d.stats.unigramEntropyBits.toFixed(3)} bits/symbol, ${d.stats.files} file(s), ${d.encoding}`);
    });

  datasets
    .command('list')
    .description('list imported datasets and the built-in corpora')
    .action(() => {
      const c = ctx();
      const list = c.history.listDatasets();
      if (c.json) return c.emit(list.map(summary));
      c.say(table(['id', 'name', 'level', 'tokens', 'vocab', 'entropy bits', 'source'], list.map((d) => [d.id, d.name, d.level, d.stats.tokens, d.stats.vocabSize, d.stats.unigramEntropyBits.toFixed(3), d.source.slice(0, 60)])));
      const missing = BUILTIN_NAMES.filter((n) => !list.some((d) => d.name === n));
      if (missing.length) c.say(`\nbuilt-in corpora, generated on first use: ${missing.join(', ')}`);
    });
}
