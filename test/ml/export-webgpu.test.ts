// Exports on the webgpu backend (software adapter, SEQLAB_WEBGPU=software):
// every exporter reads the weights with `await data()`, so nothing reads
// synchronously (a synchronous read crashes in Node once the data sits on the
// GPU; onBackend fails the test on any), and the ONNX export computes the
// lab's outputs as computed on webgpu. Skipped, with the reason, where the
// software adapter is unavailable (CI installs it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../core/export/onnx-export.ts';
import { exportSafetensors } from '../../core/export/safetensors-export.ts';
import { exportTfjs } from '../../core/export/tfjs-export.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import { caseInput, EXPORT_CASES, labForward, maxAbsDiff, testContext } from '../helpers/export-cases.ts';
import { onBackend, probeSoftwareWebgpu } from '../helpers/software-webgpu.ts';

const webgpu = await probeSoftwareWebgpu();
if (!webgpu.available) console.warn(`export-webgpu tests skipped: the software WebGPU adapter is unavailable (${webgpu.reason})`);

const CASES = ['tcn residual + weight norm, tokens', 'lstm, music (bernoulli)'] as const;

describe.skipIf(!webgpu.available)('exports on webgpu', () => {
  it.each(CASES)(
    '%s: tfjs, onnx and safetensors without a synchronous read',
    async (name) => {
      const c = EXPORT_CASES[name]!;
      ort.env.wasm.numThreads = 1;
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-export-webgpu-'));
      const { onnx, want } = await onBackend('webgpu', async () => {
        const model = buildModel(c.config, 21);
        try {
          await exportTfjs(model, path.join(root, 'tfjs'), testContext(c));
          await exportSafetensors(model, path.join(root, 'safetensors'), testContext(c));
          await exportOnnx(model, path.join(root, 'onnx'), testContext(c));
          return { onnx: path.join(root, 'onnx', 'model.onnx'), want: await labForward(model, caseInput(c.config, 1, 6, 3), c.output) };
        } finally {
          model.dispose();
        }
      });
      expect(fs.readdirSync(root).sort()).toEqual(['onnx', 'safetensors', 'tfjs']);
      const session = await ort.InferenceSession.create(new Uint8Array(fs.readFileSync(onnx)), {
        executionProviders: ['wasm'],
        logSeverityLevel: 3,
      });
      const input = caseInput(c.config, 1, 6, 3);
      const feeds: Record<string, ort.Tensor> =
        c.config.inputFeatures > 0
          ? { features: new ort.Tensor('float32', Float32Array.from((input as number[][][]).flat(2)), [1, 6, c.config.inputFeatures]) }
          : { tokens: new ort.Tensor('int64', BigInt64Array.from((input as number[][]).flat().map(BigInt)), [1, 6]) };
      const out = await session.run(feeds);
      expect(maxAbsDiff(out['probabilities']!.data as Float32Array, want.outputs)).toBeLessThan(1e-4);
      await session.release();
    },
    120_000,
  );
});
