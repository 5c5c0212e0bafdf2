// ONNX export: files written by exportOnnx load in onnxruntime-web (wasm, in
// Node) and compute the lab's outputs (probabilities or values, and logits)
// within 1e-4, for every model kind, token and feature inputs, every output
// kind, and two shapes through one session (batch and time are dynamic). The
// default graph (model.onnx) takes only the tokens/features: no state feeds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../../core/export/onnx-export.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import { caseInput, EXPORT_CASES, labForward, maxAbsDiff, testContext } from '../helpers/export-cases.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(async () => {
  await useCpuBackend();
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
});

function tmpOut(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-onnx-')), 'out');
}

describe.each(Object.entries(EXPORT_CASES))('onnx export: %s', (_name, c) => {
  it('runs in onnxruntime-web and matches the lab', async () => {
    const { config, output } = c;
    const model = buildModel(config, 7);
    const dir = tmpOut();
    const result = await exportOnnx(model, dir, testContext(c));
    // Recurrent kinds carry state across calls and also get the streaming graph; the others (truncated included) do not.
    const stateful = config.kind === 'lstm' || config.kind === 'gru' || config.kind === 'rnn';
    const graphFiles = stateful ? ['model-streaming.onnx', 'model.onnx'] : ['model.onnx'];
    expect(result.files.sort()).toEqual(['SHA256SUMS', ...graphFiles, 'seqlab.json']);
    const sums = fs.readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8');
    for (const f of graphFiles) expect(sums).toContain(`  ${f}\n`);
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['out']);
    const bytes = new Uint8Array(fs.readFileSync(path.join(dir, 'model.onnx')));
    const proto = onnxProto.onnx.ModelProto.decode(bytes);
    const meta = Object.fromEntries(proto.metadataProps.map((p) => [p.key, p.value]));
    expect(meta).toMatchObject({ kind: config.kind, output_kind: output, graph: 'default' });
    expect(proto.docString).toMatch(/^model\.onnx, the (default|only) graph/);
    expect(proto.producerVersion).toBe('0.0.0-test');
    const sidecar = JSON.parse(fs.readFileSync(path.join(dir, 'seqlab.json'), 'utf8'));
    expect(sidecar.output.kind).toBe(output);

    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], logSeverityLevel: 3 });
    const inputName = config.inputFeatures > 0 ? 'features' : 'tokens';
    const main = output === 'regression' ? 'values' : 'probabilities';
    const stateOut = !stateful ? [] : config.kind === 'lstm' ? ['hT', 'cT'] : ['hT'];
    expect(session.inputNames).toEqual([inputName]);
    expect(session.outputNames).toEqual([main, ...(output === 'regression' ? [] : ['logits']), ...stateOut]);
    const described = sidecar.onnx.graphs.map((g: { file: string; graph: string; inputs: { name: string }[] }) => [
      g.file,
      g.graph,
      g.inputs.map((i) => i.name),
    ]);
    const stateIn = config.kind === 'lstm' ? ['h0', 'c0'] : ['h0'];
    expect(described).toEqual([
      ['model.onnx', 'default', [inputName]],
      ...(stateful ? [['model-streaming.onnx', 'streaming', [inputName, ...stateIn]]] : []),
    ]);
    for (const [batch, time, seed] of [
      [3, 9, 1],
      [1, 5, 2],
    ] as const) {
      const input = caseInput(config, batch, time, seed);
      const feed =
        config.inputFeatures > 0
          ? new ort.Tensor('float32', Float32Array.from((input as number[][][]).flat(2)), [batch, time, config.inputFeatures])
          : new ort.Tensor('int64', BigInt64Array.from((input as number[][]).flat().map(BigInt)), [batch, time]);
      const out = await session.run({ [inputName]: feed });
      const want = await labForward(model, input, output);
      expect(out[main]!.dims).toEqual([batch, time, config.vocabSize]);
      expect(maxAbsDiff(out[main]!.data as Float32Array, want.outputs)).toBeLessThanOrEqual(1e-4);
      if (output !== 'regression') expect(maxAbsDiff(out['logits']!.data as Float32Array, want.logits)).toBeLessThanOrEqual(1e-4);
    }
    await session.release();
    model.dispose();
  });
});
