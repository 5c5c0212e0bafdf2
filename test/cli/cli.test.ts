// The command line end to end, in child processes, on a real SQLite history:
// import, train LSTM and TCN, list, sample, export, kill -9 and resume.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { History } from '../../core/storage/history.ts';
import { jsonLines, seqlab, spawnAndKill, tempHome } from '../helpers/cli.ts';

const home = tempHome();
const corpusFile = path.join(home, 'tiny.txt');
// A small corpus with structure: repeated sentences with varying numbers.
fs.writeFileSync(corpusFile, Array.from({ length: 400 }, (_, i) => `the ${['cat', 'dog', 'bird'][i % 3]} saw ${i % 7} stars.\n`).join(''));

const SMALL = ['--hidden', '16', '--batch', '4', '--seq-len', '16', '--valid-every', '10', '--valid-tokens', '256'];

describe.sequential('seqlab CLI', () => {
  it('imports a corpus and lists it', () => {
    const r = seqlab(home, ['--json', 'datasets', 'import', corpusFile, '--name', 'tiny']);
    expect(r.code, r.stderr).toBe(0);
    const [d] = jsonLines(r.stdout);
    expect(d).toMatchObject({ name: 'tiny', level: 'char', files: 1 });
    const list = jsonLines(seqlab(home, ['--json', 'datasets', 'list']).stdout)[0] as unknown as { name: string }[];
    expect(list.map((x) => x.name)).toContain('tiny');
  });

  it('trains an LSTM and a TCN, both found in the history', () => {
    for (const [model, backend] of [
      ['lstm', 'wasm'],
      ['tcn', 'cpu'],
    ]) {
      const r = seqlab(home, [
        '--json',
        'train',
        '--dataset',
        'tiny',
        '--model',
        model!,
        '--backend',
        backend!,
        '--steps',
        '20',
        '--checkpoint-every',
        '10',
        ...SMALL,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const lines = jsonLines(r.stdout);
      expect(lines.filter((l) => l['type'] === 'progress')).toHaveLength(20);
      expect(lines.at(-1)).toMatchObject({ status: 'completed', step: 20 });
      expect(typeof lines.at(-1)!['validLoss']).toBe('number');
    }
    const runs = jsonLines(seqlab(home, ['--json', 'runs']).stdout)[0] as unknown as {
      id: number;
      kind: string;
      status: string;
      step: number;
      validLoss: number;
      backend: string;
    }[];
    expect(runs.map((r) => [r.kind, r.status, r.step, r.backend])).toEqual([
      ['tcn', 'completed', 20, 'cpu'],
      ['lstm', 'completed', 20, 'wasm'],
    ]);
    expect(runs.every((r) => r.validLoss > 0 && r.validLoss < 5)).toBe(true);
  });

  it('samples text from each run and stores the sample', () => {
    for (const id of ['1', '2']) {
      const r = seqlab(home, ['sample', id, '--length', '40', '--prime', 'the ', '--temperature', '0.5']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.startsWith('the ')).toBe(true);
      expect([...r.stdout.trimEnd()].length).toBeGreaterThanOrEqual(20);
    }
    const shown = jsonLines(seqlab(home, ['--json', 'show', '1']).stdout)[0] as { samples: unknown[]; checkpoints: unknown[] };
    expect(shown.samples).toHaveLength(1);
    expect(shown.checkpoints).toHaveLength(2);
  });

  it('exports a model that stock tf.loadLayersModel loads', async () => {
    const out = path.join(home, 'export-tcn');
    const r = seqlab(home, ['export', '2', '--format', 'tfjs', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
    const bin = fs.readFileSync(path.join(out, 'weights.bin'));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      }),
    );
    const probs = model.predict(tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32')) as tf.Tensor;
    const sums = await tf.sum(probs, -1).data();
    expect(Array.from(sums).every((s) => Math.abs(s - 1) < 1e-4)).toBe(true);
    const shown = jsonLines(seqlab(home, ['--json', 'show', '2']).stdout)[0] as { exports: { format: string; path: string }[] };
    expect(shown.exports).toMatchObject([{ format: 'tfjs', path: out }]);
  });

  it('exports onnx and safetensors with the run record, each recorded in the history', () => {
    for (const format of ['onnx', 'safetensors']) {
      const out = path.join(home, `export-lstm-${format}`);
      const r = seqlab(home, ['export', '1', '--format', format, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      const files = format === 'onnx' ? ['model.onnx', 'model-streaming.onnx'] : ['model.safetensors', 'load_torch.py'];
      expect(fs.readdirSync(out).sort()).toEqual([...files, 'SHA256SUMS', 'metrics.csv', 'run.json', 'samples.json', 'seqlab.json'].sort());
      expect(fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8')).toMatch(/^step,wallMs,trainLoss,validLoss,/);
      const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
      expect(run).toMatchObject({ id: 1, seed: expect.any(Number), datasetFingerprint: expect.any(String) });
    }
    const shown = jsonLines(seqlab(home, ['--json', 'show', '1']).stdout)[0] as { exports: { format: string; sha256: string }[] };
    expect(shown.exports.map((e) => e.format).sort()).toEqual(['onnx', 'safetensors']);
    expect(shown.exports.every((e) => /^[0-9a-f]{64}$/.test(e.sha256))).toBe(true);
  });

  it('marks a killed run crashed, keeps its metrics, and resumes without a gap', async () => {
    // Kill -9 right after the step-20 checkpoint event is printed. Many more steps than that: on a
    // loaded machine the CLI relays events late, and 60 tiny steps once ended before the kill landed.
    const lines = await spawnAndKill(
      home,
      ['--json', 'train', '--dataset', 'tiny', '--model', 'lstm', '--steps', '200', '--checkpoint-every', '20', ...SMALL],
      (l) => l.includes('"type":"checkpoint"') && l.includes('"step":20'),
    );
    expect(lines.some((l) => l.includes('"step":20'))).toBe(true);
    const runs = jsonLines(seqlab(home, ['--json', 'runs']).stdout)[0] as unknown as { id: number; status: string; step: number }[];
    const run = runs.find((r) => r.id === 3)!;
    expect(run.status).toBe('crashed');
    expect(run.step).toBeGreaterThanOrEqual(20);

    const r = seqlab(home, ['--json', 'resume', '3']);
    expect(r.code, r.stderr).toBe(0);
    const events = jsonLines(r.stdout);
    // The newest checkpoint before the kill: the CLI may relay events late, so the trainer can be past step 20.
    const resumedFrom = events[0]!['resumedFrom'] as number;
    expect(events[0]).toMatchObject({ type: 'started' });
    expect(resumedFrom).toBeGreaterThanOrEqual(20);
    expect(resumedFrom % 20).toBe(0);
    expect(resumedFrom).toBeLessThanOrEqual(run.step);
    expect(events.find((e) => e['type'] === 'progress')).toMatchObject({ step: resumedFrom + 1 });
    expect(events.at(-1)).toMatchObject({ id: 3, status: 'completed', step: 200 });

    const h = History.open(home);
    const steps = h.getMetrics(3).map((m) => m.step);
    expect(steps).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(h.integrityCheck()).toEqual(['ok']);
    h.close();
  });

  it('benches a truncated GRU on the adding problem and says which step ran', () => {
    const r = seqlab(home, [
      '--json',
      'bench',
      '--model',
      'gru',
      '--truncate',
      '4',
      '--task',
      'adding',
      '--steps',
      '2',
      '--hidden',
      '8',
      '--batch',
      '4',
      '--seq-len',
      '12',
      '--backend',
      'cpu',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [line] = jsonLines(r.stdout);
    expect(line).toMatchObject({ model: 'gru', truncate: 4, task: 'adding', seqLen: 12, backend: 'cpu' });
    // The truncated model's whole native step where the addon is built, else the TF.js step.
    expect(['native-truncated', 'tfjs']).toContain(line!['trainStep']);
    expect(line!['kernelPath'] === 'fused-native').toBe(line!['trainStep'] === 'native-truncated');
  }, 60_000);

  it('refuses bad input with one line naming the problem and a non-zero exit', () => {
    const cases: [string[], RegExp][] = [
      [['train', '--dataset', 'tiny', '--hidden', '0'], /--hidden \(hiddenSize\): must be a whole number from 1 to 4096/],
      [['train', '--dataset', 'nope'], /--dataset: no dataset "nope"/],
      [['train', '--model', 'transformer'], /--model must be one of lstm, tcn/],
      [['train', '--dataset', 'tiny', '--batch', '4096', '--seq-len', '512'], /--batch\/--seq-len: dataset "tiny" has \d+ training tokens/],
      [
        ['train', '--dataset', 'tiny', '--backend', 'tensorflow'],
        /--backend: tensorflow is not available: neither @tensorflow\/tfjs-node-gpu nor @tensorflow\/tfjs-node is installed/,
      ],
      [['bench', '--model', 'transformer'], /--model must be one of lstm, gru, rnn, tcn/],
      [['bench', '--model', 'tcn', '--truncate', '4'], /--truncate: only rnn, lstm and gru have a truncated version \(got tcn\)/],
      [['show', '99'], /no run "99"/],
      [['resume', '1'], /already completed/],
      [['datasets', 'import', path.join(home, 'missing.txt')], /does not exist/],
      [['export', '1', '--format', 'pickle', '--out', path.join(home, 'x')], /--format must be one of tfjs, onnx, safetensors/],
    ];
    for (const [args, message] of cases) {
      const r = seqlab(home, args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    // nothing half-written: still three runs
    expect((jsonLines(seqlab(home, ['--json', 'runs']).stdout)[0] as unknown as unknown[]).length).toBe(3);
    // Eleven CLI starts in a row: 163 s once on CI's 2 loaded cores (the soak test ran beside it).
  }, 400_000);
});
