// Text datasets: a corpus tokenised (chars or words) into a uint16 token
// file, trained as TBPTT streams; its baseline is a Kneser-Ney n-gram model
// fitted at import.
import path from 'node:path';
import { DATASET_FILE_EXTENSIONS } from '../contract/kinds.ts';
import { importTextCorpus, type ImportedCorpus } from '../data/text-import.ts';
import { openTokenFile } from '../data/token-file.ts';
import { CapacityError } from '../ml/baselines/int-key-map.ts';
import { NgramModel } from '../ml/baselines/ngram.ts';
import { createTextTask } from '../ml/tasks/text-task.ts';
import { Tokenizer } from '../ml/text/vocab.ts';
import { textTaskSchema, type Baseline, type NewDatasetOf } from '../storage/dataset-tasks.ts';
import type { DatasetKindModule } from './dataset-kind.ts';

// Caps keep the baseline to well under a second: it runs inside the import request.
const NGRAM_TRAIN_TOKENS = 1_000_000;
const NGRAM_VALID_TOKENS = 200_000;

/**
 * The valid loss of an interpolated Kneser-Ney n-gram model trained on the
 * train split: the trivial baseline text curves are read against. Trained on
 * at most NGRAM_TRAIN_TOKENS so a huge corpus costs under a second; a
 * corpus whose n-grams overflow the table simply gets no baseline.
 */
function ngramBaseline(c: ImportedCorpus): Baseline | null {
  const order = c.vocab.level === 'word' ? 3 : 5;
  const source = openTokenFile(c.tokenFile);
  try {
    const train = { start: c.splits.train.start, end: Math.min(c.splits.train.end, c.splits.train.start + NGRAM_TRAIN_TOKENS) };
    const valid = { start: c.splits.valid.start, end: Math.min(c.splits.valid.end, c.splits.valid.start + NGRAM_VALID_TOKENS) };
    if (valid.end - valid.start < 1 || train.end - train.start < order) return null;
    const model = NgramModel.train(source, { order, vocabSize: c.vocab.symbols.length }, train);
    return { label: `${order}-gram, Kneser-Ney`, loss: model.evaluate(source, valid).loss };
  } catch (e) {
    if (e instanceof CapacityError) return null;
    throw e;
  } finally {
    source.close();
  }
}

/** The record of an imported corpus (files or a built-in string), with its n-gram baseline. */
export function textDatasetFrom(c: ImportedCorpus, name: string, source: string): NewDatasetOf<'text'> {
  return {
    name,
    kind: 'text',
    level: c.vocab.level,
    source,
    fingerprint: c.fingerprint,
    encoding: c.encoding,
    vocab: c.vocab,
    stats: c.stats,
    splits: c.splits,
    tokenFile: c.tokenFile,
    task: { baseline: ngramBaseline(c) },
  };
}

export const textKind: DatasetKindModule<'text'> = {
  kind: 'text',
  taskSchema: textTaskSchema,
  extensions: DATASET_FILE_EXTENSIONS.text,
  importFiles: async (paths, outDir, opts) => {
    const corpus = await importTextCorpus({
      paths,
      outDir,
      level: opts.level,
      ...(opts.maxVocab !== undefined ? { maxVocab: opts.maxVocab } : {}),
      ...(opts.encoding !== undefined ? { encoding: opts.encoding } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    return textDatasetFrom(corpus, opts.name, paths.map((p) => path.resolve(p)).join(', '));
  },
  streamsTokens: true,
  trainingSamples: 'text',
  widths: (d) => ({ vocabSize: d.vocab.symbols.length, inputFeatures: 0 }),
  outputKind: () => 'categorical',
  openTask(d) {
    const source = openTokenFile(d.tokenFile);
    return { data: createTextTask(source, d.splits, d.vocab.symbols.length), close: () => source.close() };
  },
  describe: (d) =>
    `next ${d.level === 'word' ? 'word' : 'character'} prediction: cross-entropy over ${d.stats.vocabSize} symbols (bits per symbol)`,
  baseline: (d) => d.task.baseline,
  preview(d, chars) {
    const file = openTokenFile(d.tokenFile);
    try {
      const ids = file.read(0, Math.min(file.length, chars));
      return new Tokenizer(d.vocab).decode(ids).slice(0, chars);
    } finally {
      file.close();
    }
  },
  summaryLine: (d) =>
    `${d.stats.tokens.toLocaleString('en')} ${d.level === 'char' ? 'characters' : 'words'}, vocabulary ${d.stats.vocabSize}, unigram entropy ${d.stats.unigramEntropyBits.toFixed(3)} bits/symbol, ${d.stats.files} file(s), ${d.encoding}`,
  summaryDetails: () => ({}),
  refused: () => [],
};
