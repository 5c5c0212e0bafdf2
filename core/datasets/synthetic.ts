// Synthetic tasks of Bai et al. 2018 (adding problem, copy memory): no files,
// the record stores the generator's parameters and the data is regenerated
// from them whenever the task is opened.
import { createHash } from 'node:crypto';
import { DATASET_FILE_EXTENSIONS } from '../contract/kinds.ts';
import { COPY_CLASSES, createSyntheticTask, syntheticTaskSchema, type SyntheticTaskInput } from '../ml/tasks/synthetic.ts';
import type { Batch } from '../ml/tasks/task-types.ts';
import { syntheticStoredTaskSchema, type NewDatasetOf, type SyntheticDataset } from '../storage/dataset-tasks.ts';
import type { DatasetKindModule, OpenedTask } from './dataset-kind.ts';

/** The record of a synthetic task (`name` already checked); throws a ZodError naming a bad parameter. */
export function syntheticDatasetFrom(input: SyntheticTaskInput, name: string): NewDatasetOf<'synthetic'> {
  const params = syntheticTaskSchema.parse(input);
  const task = createSyntheticTask(params);
  const steps = params.task === 'copy' ? params.length + 20 : params.length;
  const total = params.trainSize + params.validSize + params.testSize;
  const label = params.task === 'adding' ? 'always predict 1.0' : 'blanks, then a uniform guess';
  const symbols = params.task === 'copy' ? ['_', ...Array.from({ length: COPY_CLASSES - 2 }, (_, i) => String(i + 1)), ':'] : ['sum'];
  return {
    name,
    kind: 'synthetic',
    level: null,
    source: `generated: ${params.task === 'adding' ? 'adding problem' : 'copy memory'} (Bai et al. 2018), T = ${params.length}, seed ${params.seed}`,
    fingerprint: createHash('sha256').update(JSON.stringify(params)).digest('hex'),
    encoding: 'generated',
    vocab: { level: 'char', symbols, unknownId: -1 },
    stats: { sourceBytes: 0, files: 0, tokens: total * steps, vocabSize: task.outputSize, unknownTokens: 0, unigramEntropyBits: 0 },
    splits: {
      train: { start: 0, end: params.trainSize },
      valid: { start: params.trainSize, end: params.trainSize + params.validSize },
      test: { start: params.trainSize + params.validSize, end: total },
    },
    tokenFile: '',
    task: { ...params, baseline: { label, loss: task.baselineLoss! } },
  };
}

/** The generator's parameters, without the stored baseline. */
function paramsOf(d: SyntheticDataset): SyntheticTaskInput {
  const { baseline: _baseline, ...params } = d.task;
  return params;
}

function openTask(d: SyntheticDataset): OpenedTask {
  return { data: createSyntheticTask(paramsOf(d)), close: () => {} };
}

/** Three validation examples written out: copy memory as symbol rows, the adding problem as its marked values. */
function preview(d: SyntheticDataset): string {
  const first = openTask(d).data.evalBatches('valid', { batchSize: 3, seqLen: 1, maxScored: 1, context: 0 })[Symbol.iterator]().next();
  if (first.done) return '';
  const b: Batch = first.value;
  const [rows, steps] = b.inputShape as [number, number];
  const lines: string[] = [];
  if (d.task.task === 'copy') {
    for (let r = 0; r < rows; r++) {
      const row = Array.from(b.inputs.subarray(r * steps, (r + 1) * steps), (v) => d.vocab.symbols[v] ?? '?').join('');
      const target = Array.from((b.targets as Int32Array).subarray(r * steps, (r + 1) * steps), (v) => d.vocab.symbols[v] ?? '?').join('');
      lines.push(`input  ${row}`, `target ${target}`, '');
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const marked: string[] = [];
      for (let t = 0; t < steps; t++)
        if (b.inputs[(r * steps + t) * 2 + 1]! > 0) marked.push(`t=${t}: ${b.inputs[(r * steps + t) * 2]!.toFixed(3)}`);
      lines.push(
        `example ${r + 1}: ${steps} steps; marked ${marked.join(', ')}; target sum ${(b.targets[r * steps + steps - 1] ?? 0).toFixed(3)}`,
      );
    }
  }
  return lines.join('\n');
}

const describe = (d: SyntheticDataset): string =>
  d.task.task === 'adding'
    ? `adding problem, T = ${d.task.length}: mean squared error of the sum at the last step`
    : `copy memory, T = ${d.task.length}: cross-entropy over 10 symbols, and recall accuracy`;

export const syntheticKind: DatasetKindModule<'synthetic'> = {
  kind: 'synthetic',
  taskSchema: syntheticStoredTaskSchema,
  extensions: DATASET_FILE_EXTENSIONS.synthetic,
  importFiles: null,
  streamsTokens: false,
  trainingSamples: 'none',
  // Copy memory: token ids in, COPY_CLASSES out; adding: (value, marker) in, the sum out.
  widths: (d) => (d.task.task === 'copy' ? { vocabSize: COPY_CLASSES, inputFeatures: 0 } : { vocabSize: 1, inputFeatures: 2 }),
  outputKind: (d) => (d.task.task === 'adding' ? 'regression' : 'categorical'),
  openTask,
  describe,
  baseline: (d) => d.task.baseline,
  preview: (d, chars) => preview(d).slice(0, chars),
  summaryLine: (d) => `${describe(d)}; trivial baseline ${d.task.baseline.loss.toPrecision(4)}`,
  summaryDetails: () => ({}),
  refused: () => [],
};
