// A tiny history written before `seqlab serve` opens it: runs whose metric
// rows are made up (no training), so a screen test knows exactly what each
// run recorded. Real datasets (the built-in `brackets` corpus, a copy-memory
// and an adding task), real configs through parseRunConfig, real rows through
// History.appendMetrics; only the numbers are chosen.
import { ensureBuiltinDataset } from '../../../core/services/datasets.ts';
import { createRun, parseRunConfig } from '../../../core/services/runs.ts';
import { createSyntheticDataset } from '../../../core/services/task-datasets.ts';
import { History, type DatasetRecord, type MetricRow } from '../../../core/storage/history.ts';

/** What one fixture run records on top of train loss, throughput and gradient norm. */
interface FixtureRunSpec {
  name: string;
  dataset: DatasetRecord;
  model: Record<string, unknown>;
  train?: Record<string, unknown>;
  steps: number;
  /** Train loss at step s (1-based). */
  loss: (s: number) => number;
  /** Validation every this many steps (valid loss = train loss + 0.05). */
  validEvery: number;
  /** Bits per symbol recorded (categorical tasks). */
  bits?: boolean;
  accuracy?: (s: number) => number;
  bound?: (s: number) => number;
  /** Throughput factor and gradient-norm factor, so the runs' curves do not coincide. */
  speed: number;
}

/** The fixture's runs by their role, with ids as stored. */
export interface FixtureRuns {
  /** LSTM on brackets: loss, bits, bound (last one Infinity), throughput, gradient norm. */
  lstm: number;
  /** TCN on brackets: loss, bits, throughput, gradient norm; no stability bound. */
  tcn: number;
  /** GRU on copy memory: loss, bits, recall accuracy, bound. */
  copy: number;
  /** GRU on the adding problem: MSE loss (no bits), bound. */
  adding: number;
  /** LSTM on brackets, lr 10 without clipping: train loss 3.9 → 85, "completed". */
  hot: number;
}

function rowsOf(spec: FixtureRunSpec): MetricRow[] {
  return Array.from({ length: spec.steps }, (_, i) => {
    const s = i + 1;
    const valid = s % spec.validEvery === 0;
    const trainLoss = spec.loss(s);
    return {
      step: s,
      wallMs: s * 40,
      trainLoss,
      validLoss: valid ? trainLoss + 0.05 : null,
      bitsPerSymbol: spec.bits ? trainLoss / Math.LN2 : null,
      validAccuracy: valid && spec.accuracy ? spec.accuracy(s) : null,
      stabilityBound: valid && spec.bound ? spec.bound(s) : null,
      contraction: null,
      tokensPerSec: spec.speed * (1000 + 10 * s),
      gradNorm: 2 / (spec.speed * s),
      lr: 0.01,
    };
  });
}

function storeRun(history: History, spec: FixtureRunSpec): number {
  const config = parseRunConfig({ model: spec.model, train: { steps: spec.steps, batchSize: 2, seqLen: 8, ...spec.train } }, spec.dataset);
  const run = createRun(history, spec.dataset, config, spec.name);
  history.appendMetrics(run.id, rowsOf(spec));
  history.setStatus(run.id, 'completed');
  return run.id;
}

/** Writes the fixture history into `dataDir` (a fresh folder) and closes it again. */
export async function writeFixtureHistory(dataDir: string): Promise<FixtureRuns> {
  const history = History.open(dataDir);
  try {
    const brackets = await ensureBuiltinDataset(history, dataDir, 'brackets');
    const copy = createSyntheticDataset(history, { task: 'copy', length: 5, trainSize: 16, validSize: 8, testSize: 8, name: 'copy-tiny' });
    const adding = createSyntheticDataset(history, {
      task: 'adding',
      length: 6,
      trainSize: 16,
      validSize: 8,
      testSize: 8,
      name: 'adding-tiny',
    });
    const falling = (s: number) => 1.6 - s / 50;
    const lstm = storeRun(history, {
      name: 'lstm text',
      speed: 1,
      dataset: brackets,
      model: { kind: 'lstm', hiddenSize: 8, embedSize: 8, layers: 1 },
      steps: 40,
      validEvery: 4,
      loss: falling,
      bits: true,
      // The last validation's bound is infinite: a marker, not a dropped point.
      bound: (s) => (s === 40 ? Infinity : 1 + s / 10),
    });
    const tcn = storeRun(history, {
      name: 'tcn text',
      speed: 3,
      dataset: brackets,
      model: { kind: 'tcn', hiddenSize: 8, levels: 2, kernelSize: 2 },
      steps: 20,
      validEvery: 5,
      loss: falling,
      bits: true,
    });
    const copyRun = storeRun(history, {
      name: 'gru copy',
      speed: 1.5,
      dataset: copy,
      model: { kind: 'gru', hiddenSize: 8, embedSize: 4, layers: 1 },
      steps: 30,
      validEvery: 3,
      loss: (s) => 2.3 - s / 20,
      bits: true,
      accuracy: (s) => s / 30,
      bound: (s) => 2 + s / 10,
    });
    const addingRun = storeRun(history, {
      name: 'gru adding',
      speed: 2,
      dataset: adding,
      model: { kind: 'gru', hiddenSize: 8, embedSize: 4, layers: 1 },
      steps: 12,
      validEvery: 2,
      loss: (s) => 0.2 - s / 100,
      bound: (s) => 1.5 + s / 100,
    });
    const hot = storeRun(history, {
      name: 'lstm hot',
      speed: 0.8,
      dataset: brackets,
      model: { kind: 'lstm', hiddenSize: 8, embedSize: 8, layers: 1 },
      train: { lr: 10, clip: 0 },
      steps: 20,
      validEvery: 5,
      // 3.9 at the first step, 85 at the end: finite, so the run "completed".
      loss: (s) => 3.9 + ((85 - 3.9) * (s - 1)) / 19,
      bits: true,
    });
    return { lstm, tcn, copy: copyRun, adding: addingRun, hot };
  } finally {
    history.close();
  }
}
