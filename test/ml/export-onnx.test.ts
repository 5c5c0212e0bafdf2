// ONNX export: files written by exportOnnx load in onnxruntime-web (wasm, in
// Node) and compute the lab's outputs (probabilities or values, and logits)
// within 1e-4, for every model kind, token and feature inputs, every output
// kind, and two shapes through one session (batch and time are dynamic).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../../core/export/onnx-export.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import { caseInput, EXPORT_CASES, labForward, maxAbsDiff, testContext } from '../helpers/export-cases.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(async () => {
  await useCpuBackend();
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
});

/** h0 (and c0) of zeros for the recurrent kinds, the start of a sequence; nothing for the others. */
function zeroState(config: ModelConfig, batch: number): Record<string, ort.Tensor> {
  if (config.kind !== 'lstm' && config.kind !== 'gru' && config.kind !== 'rnn') return {};
  const zeros = () => new ort.Tensor('float32', new Float32Array(config.layers * batch * config.hiddenSize), [config.layers, batch, config.hiddenSize]);
  return config.kind === 'lstm' ? { h0: zeros(), c0: zeros() } : { h0: zeros() };
}

function tmpOut(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-onnx-')), 'out');
}

describe.each(Object.entries(EXPORT_CASES))('onnx export: %s', (_name, c) => {
  it('runs in onnxruntime-web and matches the lab', async () => {
    const { config, output } = c;
    const model = buildModel(config, 7);
    const dir = tmpOut();
    const result = await exportOnnx(model, dir, testContext(c));
    expect(result.files.sort()).toEqual(['SHA256SUMS', 'model.onnx', 'seqlab.json']);
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['out']);
    const bytes = new Uint8Array(fs.readFileSync(path.join(dir, 'model.onnx')));
    const proto = onnxProto.onnx.ModelProto.decode(bytes);
    const meta = Object.fromEntries(proto.metadataProps.map((p) => [p.key, p.value]));
    expect(meta).toMatchObject({ kind: config.kind, output_kind: output });
    expect(proto.producerVersion).toBe('0.0.0-test');
    const sidecar = JSON.parse(fs.readFileSync(path.join(dir, 'seqlab.json'), 'utf8'));
    expect(sidecar.output.kind).toBe(output);

    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], logSeverityLevel: 3 });
    const inputName = config.inputFeatures > 0 ? 'features' : 'tokens';
    const main = output === 'regression' ? 'values' : 'probabilities';
    expect(session.inputNames[0]).toBe(inputName);
    expect(session.outputNames[0]).toBe(main);
    expect(sidecar.onnx.inputs[0].name).toBe(inputName);
    for (const [batch, time, seed] of [[3, 9, 1], [1, 5, 2]] as const) {
      const input = caseInput(config, batch, time, seed);
      const feed =
        config.inputFeatures > 0
          ? new ort.Tensor('float32', Float32Array.from((input as number[][][]).flat(2)), [batch, time, config.inputFeatures])
          : new ort.Tensor('int64', BigInt64Array.from((input as number[][]).flat().map(BigInt)), [batch, time]);
      const out = await session.run({ [inputName]: feed, ...zeroState(config, batch) });
      const want = await labForward(model, input, output);
      expect(out[main]!.dims).toEqual([batch, time, config.vocabSize]);
      expect(maxAbsDiff(out[main]!.data as Float32Array, want.outputs)).toBeLessThanOrEqual(1e-4);
      if (output !== 'regression') expect(maxAbsDiff(out['logits']!.data as Float32Array, want.logits)).toBeLessThanOrEqual(1e-4);
    }
    await session.release();
    model.dispose();
  });
});
