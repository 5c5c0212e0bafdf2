// Export refusals name the model kind and the formats that do work for it,
// and nothing is written; safetensors works for every kind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { exportOnnx } from '../../core/export/onnx-export.ts';
import { exportSafetensors } from '../../core/export/safetensors-export.ts';
import { exportTfjs } from '../../core/export/tfjs-export.ts';
import { EXPORT_FORMATS_BY_KIND } from '../../core/ml/export/export-support.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import { MODEL_KINDS, type ModelConfig } from '../../core/ml/models/model-config.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(useCpuBackend);

const tmp = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-refuse-')), 'out');

it('refuses tfjs for a gru (no reset_after in tfjs-layers) and onnx for a truncated model, in one line naming what works', async () => {
  const gru = buildModel({ kind: 'gru', vocabSize: 5, inputFeatures: 0, embedSize: 3, hiddenSize: 4, layers: 1, dropout: 0 }, 1);
  const truncated = buildModel({ kind: 'truncated', vocabSize: 5, inputFeatures: 0, embedSize: 3, dropout: 0, base: { kind: 'rnn', hiddenSize: 4, layers: 1 }, k: 3 }, 1);
  const dirs = [tmp(), tmp(), tmp()];
  const cases = [
    [() => exportTfjs(gru, dirs[0]!, {}), /^tfjs export: model kind "gru" is not supported \(tfjs-layers' GRU has no reset_after.*\); formats that work for gru: onnx, safetensors$/],
    [() => exportOnnx(truncated, dirs[1]!, {}), /^onnx export: model kind "truncated" is not supported .*; formats that work for truncated: safetensors$/],
    [() => exportTfjs(truncated, dirs[2]!, {}), /^tfjs export: model kind "truncated" is not supported .*; formats that work for truncated: safetensors$/],
  ] as const;
  for (const [run, message] of cases) {
    const err = await run().then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(message);
    expect(err!.message).not.toContain('\n');
  }
  for (const dir of dirs) expect(fs.existsSync(dir)).toBe(false); // refused before anything was written
  gru.dispose();
  truncated.dispose();
});

it('lists safetensors for every model kind, and a truncated model exports its base’s layout', async () => {
  for (const kind of MODEL_KINDS) expect(EXPORT_FORMATS_BY_KIND[kind]).toContain('safetensors');
  const config: ModelConfig = { kind: 'truncated', vocabSize: 5, inputFeatures: 0, embedSize: 3, dropout: 0, base: { kind: 'gru', hiddenSize: 4, layers: 1 }, k: 6 };
  const model = buildModel(config, 2);
  const dir = tmp();
  await exportSafetensors(model, dir, { model: config });
  const sidecar = JSON.parse(fs.readFileSync(path.join(dir, 'seqlab.json'), 'utf8'));
  expect(sidecar.weights.pytorch[0]).toMatch(/^k-truncated \(k = 6\)/);
  expect(sidecar.weights.tensors.map((t: { name: string }) => t.name)).toContain('gru.0.update_gate.kernel');
  model.dispose();
});
