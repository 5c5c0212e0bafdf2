// How long describeModel takes on a large imported text (issue 15): the
// New-run form asks it at every debounced keystroke, so it must answer from
// the dataset's record alone. Imports a generated corpus (default 20 MB) into
// a temporary data folder, then times describeModel through LabService (the
// request the app sends) and, for comparison, opening the task from the
// dataset's files (what the check did before, to learn two widths).
//   npx tsx bench/describe-model.ts [--mb 20] [--calls 200]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { LabService } from '../core/app/lab-service.ts';
import { openTaskData } from '../core/datasets/registry.ts';
import { importDataset } from '../core/services/datasets.ts';
import { History } from '../core/storage/history.ts';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const megabytes = arg('mb', 20);
const calls = arg('calls', 200);

/** Median, 99th percentile and the slowest of `n` timed calls, in ms. */
async function time(n: number, f: () => unknown): Promise<{ medianMs: number; p99Ms: number; maxMs: number }> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => Number(ms[Math.min(n - 1, Math.floor(n * q))]!.toFixed(3));
  return { medianMs: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
}

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-describe-'));
try {
  // Generated prose: words from a fixed list, so the vocabulary stays that of a real corpus.
  const words =
    'the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her she there one all we'.split(
      ' ',
    );
  const corpus = path.join(home, 'large.txt');
  const fd = fs.openSync(corpus, 'w');
  let seed = 1;
  for (let written = 0; written < megabytes * 1e6;) {
    const line: string[] = [];
    for (let i = 0; i < 12; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      line.push(words[seed % words.length]!);
    }
    const text = `${line.join(' ')}.\n`;
    fs.writeSync(fd, text);
    written += text.length;
  }
  fs.closeSync(fd);
  const history = History.open(home);
  const t0 = performance.now();
  const dataset = await importDataset(history, home, { paths: [corpus] });
  const importMs = performance.now() - t0;
  const service = new LabService({ dataDir: home, history, mode: 'browser' });
  const args = { datasetId: dataset.id, model: { kind: 'lstm', hiddenSize: 128 }, train: { steps: 1000, batchSize: 32, seqLen: 64 } };
  const describe = async () => {
    const r = await service.handle('describeModel', args);
    if (!r.ok) throw new Error(r.error);
  };
  await time(10, describe); // warm-up: module loading, statement cache
  const describeModel = await time(calls, describe);
  const openTaskFromFiles = await time(5, () => openTaskData(dataset).close());
  await service.close();
  history.close();
  console.log(
    JSON.stringify(
      { corpusMB: megabytes, tokens: dataset.stats.tokens, importMs: Math.round(importMs), calls, describeModel, openTaskFromFiles },
      null,
      2,
    ),
  );
} finally {
  fs.rmSync(home, { recursive: true, force: true });
}
