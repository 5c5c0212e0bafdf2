// What each format can express, decided from the config and the output kind:
// refusals name the missing feature (not the kind) in one line with the
// formats that work, and nothing is written; safetensors and ONNX express
// every kind, with token or feature input and every output kind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { exportTfjs } from '../../core/export/tfjs-export.ts';
import { exportGap, supportedExportFormats } from '../../core/ml/export/export-support.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import { EXPORT_CASES, testContext } from '../helpers/export-cases.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(useCpuBackend);

const tmp = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-refuse-')), 'out');

it('refuses tfjs for a gru (reset_after) and a truncated model (per-position restart), naming the feature, writing nothing', async () => {
  const cases = [
    [
      EXPORT_CASES['gru, music (bernoulli)']!,
      /^tfjs export refused: tfjs cannot express GRU reset_after \(.*\); formats that work for this model: onnx, safetensors$/,
    ],
    [
      EXPORT_CASES['truncated lstm 2 layers k 4, tokens']!,
      /^tfjs export refused: tfjs cannot express k-truncation \(.*\); formats that work for this model: onnx, safetensors$/,
    ],
  ] as const;
  for (const [c, message] of cases) {
    const model = buildModel(c.config, 1);
    const dir = tmp();
    const err = await exportTfjs(model, dir, testContext(c)).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(message);
    expect(err!.message).not.toContain('\n');
    expect(err!.message).not.toMatch(/model kind/);
    expect(fs.existsSync(dir)).toBe(false); // refused before anything was written
    expect(fs.readdirSync(path.dirname(dir))).toEqual([]);
    model.dispose();
  }
});

it('offers onnx and safetensors for every case, and tfjs for all but gru and truncated', () => {
  for (const { config, output } of Object.values(EXPORT_CASES)) {
    const tfjs = config.kind !== 'gru' && config.kind !== 'truncated';
    expect(supportedExportFormats(config, output)).toEqual(tfjs ? ['tfjs', 'onnx', 'safetensors'] : ['onnx', 'safetensors']);
    expect(exportGap('onnx', config, output)).toBeNull();
  }
});

it('refuses an output kind it does not know, whatever the format', () => {
  const { config } = EXPORT_CASES['lstm 2 layers, tokens']!;
  expect(exportGap('safetensors', config, 'ordinal' as never)).toBe('output kind "ordinal"');
  expect(supportedExportFormats(config, 'ordinal' as never)).toEqual([]);
});
