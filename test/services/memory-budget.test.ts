// Budgets before work (issue 17): a run's peak memory is estimated from its
// config alone and a config over the budget is refused before anything is
// stored, saying what needs how much and what to lower — in the CLI, in
// startRun, and in describeModel as the New-run form is typed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../core/app/lab-service.ts';
import { estimateTrainingMemory } from '../../core/ml/models/memory-estimate.ts';
import { countParameters } from '../../core/ml/models/parameter-count.ts';
import { runConfigSchema } from '../../core/ml/train/run-config.ts';
import { checkMemoryBudget, checkRunMemory, CLI_BUDGET_LABELS, datasetLength } from '../../core/services/memory-budget.ts';
import { createSyntheticDataset } from '../../core/services/task-datasets.ts';
import { History } from '../../core/storage/history.ts';
import { jsonLines, seqlab, tempHome } from '../helpers/cli.ts';

const GIB = 2 ** 30;
const config = (model: Record<string, unknown>, train: Record<string, unknown> = {}) =>
  runConfigSchema.parse({ model: { vocabSize: 10_000, ...model }, train });

describe('the estimate', () => {
  it('counts weights, gradients and Adam slots, and grows with batch × length', () => {
    const c = config({ kind: 'lstm', hiddenSize: 256 }, { batchSize: 8, seqLen: 32 });
    const e = estimateTrainingMemory(c.model, c.train);
    expect(e.parameters).toBe(countParameters(c.model) * 4 * 4);
    expect(estimateTrainingMemory(c.model, { ...c.train, optimizer: 'sgd' }).parameters).toBe(countParameters(c.model) * 4 * 2);
    const doubled = estimateTrainingMemory(c.model, { ...c.train, seqLen: 2 * 32 + 1 });
    expect(doubled.activations).toBeCloseTo(2 * e.activations, -3);
    expect(e.total).toBe(e.parameters + e.activations + e.scratch);
  });
});

describe('the budget', () => {
  it("refuses the issue's LSTM (one tensor past V8's typed-array limit), naming what to lower", () => {
    const r = checkMemoryBudget(config({ kind: 'lstm', hiddenSize: 4096 }, { batchSize: 40, seqLen: 8192 }), CLI_BUDGET_LABELS);
    expect(r.refusal).toBe(
      'lstm hidden 4096 × batch 40 × length 8192 needs one tensor of 20 GiB, more than the 4.0 GiB a JavaScript typed array may hold; lower --seq-len or --batch',
    );
    // Not overridable: past it V8 aborts the process.
    expect(
      checkMemoryBudget(config({ kind: 'lstm', hiddenSize: 4096 }, { batchSize: 40, seqLen: 8192 }), CLI_BUDGET_LABELS, 'off').refusal,
    ).toMatch(/typed array/);
  });

  it('refuses the 8.3-billion-parameter TCN: lower the width', () => {
    expect(checkMemoryBudget(config({ kind: 'tcn', hiddenSize: 4096, levels: 16, kernelSize: 16 }), CLI_BUDGET_LABELS).refusal).toMatch(
      /^tcn hidden 4096 × batch 32 × length 64 needs one tensor of \d+ GiB.*lower --hidden/,
    );
  });

  it('holds a run to a share of the machine, overridable', () => {
    const big = config({ kind: 'lstm', hiddenSize: 2048, layers: 2 }, { batchSize: 64, seqLen: 1024 });
    expect(checkMemoryBudget(big, CLI_BUDGET_LABELS, undefined, 24 * GIB).refusal).toMatch(
      /^lstm hidden 2048 × batch 64 × length 1024 needs ≈ \d+ GiB; this machine has 24 GiB, the limit is 12 GiB; lower --seq-len or --batch \(or raise the limit with --memory-limit <GiB\|off>\)$/,
    );
    expect(checkMemoryBudget(big, CLI_BUDGET_LABELS, 'off', 24 * GIB).refusal).toBeNull();
    expect(checkMemoryBudget(big, CLI_BUDGET_LABELS, 100, 24 * GIB).refusal).toBeNull();
    expect(checkMemoryBudget(config({ kind: 'lstm' }), CLI_BUDGET_LABELS, undefined, 8 * GIB).refusal).toBeNull(); // the defaults fit a small machine
  });

  it('caps an explicit wasm run at the 4 GiB it can address', () => {
    const c = config({ kind: 'lstm', hiddenSize: 1024, layers: 2 }, { batchSize: 64, seqLen: 256, backend: 'wasm' });
    expect(checkMemoryBudget(c, CLI_BUDGET_LABELS, 'off').refusal).toMatch(/more than the 4.0 GiB the wasm backend can address/);
  });
});

describe('the length a dataset fixes', () => {
  it('is the longest piece for music, T for adding and T + 20 for copy, from the record alone; text and audio use seqLen', () => {
    expect(datasetLength({ kind: 'music', task: { longestSteps: 640, steps: 9_000 } })).toEqual({
      steps: 640,
      what: 'the longest piece of the dataset',
    });
    // A record from before the longest piece was kept: all its frames bound it, on the safe side.
    expect(datasetLength({ kind: 'music', task: { steps: 9_000 } })?.steps).toBe(9_000);
    expect(datasetLength({ kind: 'synthetic', task: { task: 'adding', length: 600 } })?.steps).toBe(600);
    expect(datasetLength({ kind: 'synthetic', task: { task: 'copy', length: 1_000 } })?.steps).toBe(1_020);
    expect(datasetLength({ kind: 'text', task: null })).toBeNull();
    expect(datasetLength({ kind: 'audio', task: { sampleRate: 8000 } })).toBeNull();
  });

  it("sizes the estimate, not the run's seqLen, and the refusal says to lower the batch", () => {
    const c = config({ kind: 'lstm', hiddenSize: 256 }, { batchSize: 16, seqLen: 64 });
    const music = checkRunMemory(c, { kind: 'music', task: { longestSteps: 4_001 } }, CLI_BUDGET_LABELS, 'off');
    expect(music.estimate).toEqual(estimateTrainingMemory(c.model, { ...c.train, seqLen: 4_000 }));
    const long = checkRunMemory(
      config({ kind: 'lstm', hiddenSize: 1024 }, { batchSize: 64 }),
      { kind: 'synthetic', task: { task: 'copy', length: 100_000 } },
      CLI_BUDGET_LABELS,
    );
    expect(long.refusal).toBe(
      'lstm hidden 1024 × batch 64 × length 100020 needs one tensor of 238 GiB, more than the 4.0 GiB a JavaScript typed array may hold; lower --batch (the length, 100020 steps, is the copy task, T + 20)',
    );
  });
});

describe('through the fronts', () => {
  let home: string;
  let history: History;
  let service: LabService;
  let datasetId: number;
  beforeAll(async () => {
    home = tempHome();
    history = History.open(home);
    service = new LabService({ dataDir: home, history, mode: 'browser' });
    const d = await service.handle('ensureBuiltin', { name: 'brackets' });
    if (!d.ok) throw new Error(d.error);
    datasetId = (d.result as { id: number }).id;
  });
  afterAll(async () => {
    await service.close();
    history.close();
  });

  const huge = { kind: 'tcn', hiddenSize: 4096, levels: 16, kernelSize: 16 };

  it('startRun refuses before storing anything; describeModel gives the same refusal as the form is typed', async () => {
    const started = await service.handle('startRun', { datasetId, model: huge, train: { steps: 2 } });
    expect(started).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^train: tcn hidden 4096 .* needs one tensor of \d+ GiB.*lower hidden size/),
    });
    expect(history.listRuns()).toEqual([]);
    const described = await service.handle('describeModel', { datasetId, model: huge, train: { steps: 2 } });
    expect(described).toMatchObject({ ok: true, result: { memory: { refusal: expect.stringMatching(/needs one tensor/) } } });
    const small = await service.handle('describeModel', { datasetId, model: { kind: 'lstm', hiddenSize: 16 }, train: { batchSize: 4 } });
    expect(small).toMatchObject({ ok: true, result: { memory: { refusal: null, bytes: expect.any(Number) } } });
    const typing = await service.handle('describeModel', { datasetId, model: { kind: 'lstm' }, train: { batchSize: -1 } });
    expect(typing).toMatchObject({ ok: true, result: { memory: null } });
  });

  it("startRun sizes a synthetic run by its task's length, not by seqLen", async () => {
    const copy = createSyntheticDataset(history, { task: 'copy', length: 100_000, name: 'copy-long' });
    const started = await service.handle('startRun', {
      datasetId: copy.id,
      model: { kind: 'lstm', hiddenSize: 1024 },
      train: { batchSize: 64, seqLen: 64, steps: 2 },
    });
    expect(started).toMatchObject({
      ok: false,
      error: expect.stringMatching(
        /^train: lstm hidden 1024 × batch 64 × length 100020 needs one tensor .* lower batch size \(the length, 100020 steps, is the copy task, T \+ 20\)$/,
      ),
    });
    expect(history.listRuns()).toEqual([]);
  });

  it('startExperiment refuses a member over the budget before storing anything', async () => {
    const r = await service.handle('startExperiment', {
      kind: 'truncated-vs-recurrent',
      config: { datasetId, base: { kind: 'lstm', hiddenSize: 4096 }, k: 4096, train: { steps: 2 } },
    });
    expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/member .*needs one tensor/) });
    expect(history.listExperiments()).toEqual([]);
    expect(history.listRuns()).toEqual([]);
  });

  it('seqlab train refuses with one line and exit 1, and stores no run', () => {
    const r = seqlab(home, [
      'train',
      '--model',
      'tcn',
      '--hidden',
      '4096',
      '--levels',
      '16',
      '--kernel',
      '16',
      '--steps',
      '2',
      '--backend',
      'wasm',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /tcn hidden 4096 × batch 32 × length 64 needs one tensor of \d+ GiB, more than the 4.0 GiB a JavaScript typed array may hold; lower --hidden/,
    );
    expect(jsonLines(seqlab(home, ['--json', 'runs']).stdout)[0]).toEqual([]);
  });
});
