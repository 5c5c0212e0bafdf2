// safetensors export: the file is parsed back by an independent reader (u64
// header length, JSON header, data offsets) and every tensor is compared bit
// for bit with the trained parameter (or gate slice) it names in the sidecar.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportSafetensors } from '../../core/export/safetensors-export.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import type { SequenceModel } from '../../core/ml/models/sequence-model.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(useCpuBackend);

const cases: Record<string, ModelConfig> = {
  'lstm 2 layers': { kind: 'lstm', vocabSize: 9, inputFeatures: 0, embedSize: 5, hiddenSize: 7, layers: 2, dropout: 0.2 },
  'tcn residual + weight norm': {
    kind: 'tcn',
    vocabSize: 9,
    inputFeatures: 0,
    embedSize: 5,
    hiddenSize: 6,
    levels: 3,
    kernelSize: 3,
    dropout: 0.1,
    convsPerBlock: 2,
    weightNorm: true,
    residual: true,
  },
  'tcn plain, hidden 7, kernel 2, one level': {
    kind: 'tcn',
    vocabSize: 9,
    inputFeatures: 0,
    embedSize: 4,
    hiddenSize: 7,
    levels: 1,
    kernelSize: 2,
    dropout: 0,
    convsPerBlock: 1,
    weightNorm: false,
    residual: false,
  },
  'rnn 2 layers': { kind: 'rnn', vocabSize: 9, inputFeatures: 0, embedSize: 5, hiddenSize: 7, layers: 2, dropout: 0, spectralBound: 0.9 },
  'gru 2 layers': { kind: 'gru', vocabSize: 9, inputFeatures: 0, embedSize: 5, hiddenSize: 7, layers: 2, dropout: 0 },
  'truncated lstm': {
    kind: 'truncated',
    vocabSize: 9,
    inputFeatures: 0,
    embedSize: 5,
    dropout: 0,
    base: { kind: 'lstm', hiddenSize: 7, layers: 1 },
    k: 4,
  },
  'lstm reading 6 features (music)': { kind: 'lstm', vocabSize: 6, inputFeatures: 6, embedSize: 4, hiddenSize: 5, layers: 1, dropout: 0 },
  'gcnn (no dedicated layout: parameters by name)': {
    kind: 'gcnn',
    vocabSize: 9,
    inputFeatures: 0,
    embedSize: 5,
    hiddenSize: 6,
    levels: 2,
    convsPerBlock: 1,
    kernelSize: 3,
    dilated: false,
    dropout: 0,
    weightNorm: true,
  },
};

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Independent safetensors reader: returns the header and each tensor's raw bytes. */
function readSafetensors(buf: Buffer): { header: Record<string, HeaderEntry>; metadata: Record<string, string>; raw: Map<string, Buffer> } {
  const n = Number(buf.readBigUInt64LE(0));
  expect(8 + n).toBeLessThanOrEqual(buf.length);
  const json = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  const { __metadata__: metadata = {}, ...rest } = json;
  const header = rest as Record<string, HeaderEntry>;
  const data = buf.subarray(8 + n);
  const raw = new Map<string, Buffer>();
  const spans = Object.values(header)
    .map((e) => e.data_offsets)
    .sort((a, b) => a[0] - b[0]);
  let end = 0;
  for (const [a, b] of spans) {
    expect(a).toBe(end); // contiguous, no overlap, no gap
    end = b;
  }
  expect(end).toBe(data.length);
  for (const [name, e] of Object.entries(header)) {
    expect(e.dtype).toBe('F32');
    expect(e.data_offsets[1] - e.data_offsets[0]).toBe(4 * e.shape.reduce((x, y) => x * y, 1));
    raw.set(name, data.subarray(e.data_offsets[0], e.data_offsets[1]));
  }
  return { header, metadata: metadata as Record<string, string>, raw };
}

/** Expected little-endian bytes of a parameter, or of its column slice. */
function expectedBytes(model: SequenceModel, param: string, cols: [number, number] | null): Buffer {
  const v = model.variables.find((p) => p.name === param)!.variable;
  const values = v.dataSync() as Float32Array; // cpu backend in tests: a synchronous read is safe here
  const picked: number[] = [];
  if (!cols) picked.push(...values);
  else if (v.shape.length === 1) picked.push(...values.slice(cols[0], cols[1]));
  else {
    const [rows, width] = v.shape as [number, number];
    for (let r = 0; r < rows; r++) for (let c = cols[0]; c < cols[1]; c++) picked.push(values[r * width + c]!);
  }
  const out = Buffer.alloc(picked.length * 4);
  picked.forEach((x, i) => out.writeFloatLE(x, i * 4));
  return out;
}

describe.each(Object.entries(cases))('safetensors export: %s', (_name, config) => {
  it('parses back with an independent reader, every tensor bit for bit', async () => {
    const model = buildModel(config, 5);
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-st-')), 'out');
    const result = await exportSafetensors(model, dir, {
      output: 'categorical',
      seqlabVersion: '0.0.0-test',
      sidecar: { model: config, vocabulary: ['a', 'b'] },
    });
    expect(result.files.sort()).toEqual(['SHA256SUMS', 'load_torch.py', 'model.safetensors', 'seqlab.json']);
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['out']);

    const { header, metadata, raw } = readSafetensors(fs.readFileSync(path.join(dir, 'model.safetensors')));
    expect(metadata).toMatchObject({
      format: 'seqlab-weights',
      kind: config.kind,
      output_kind: 'categorical',
      input: config.inputFeatures > 0 ? `features:${config.inputFeatures}` : `tokens:${config.vocabSize}`,
    });
    if (config.inputFeatures > 0) expect(header['input.weight']!.shape).toEqual([config.inputFeatures, config.embedSize]);
    if (config.kind === 'truncated') expect(metadata).toMatchObject({ k: String(config.k), base_kind: config.base.kind });
    const sidecar = JSON.parse(fs.readFileSync(path.join(dir, 'seqlab.json'), 'utf8'));
    expect(sidecar.model).toEqual(config);
    expect(sidecar.vocabulary).toEqual(['a', 'b']);
    const layout = sidecar.weights.tensors as {
      name: string;
      shape: number[];
      source: { param: string; columns: [number, number] | null };
    }[];
    expect(layout.map((t) => t.name).sort()).toEqual(Object.keys(header).sort());
    // every trained parameter is covered, whole or by its gate slices
    expect(new Set(layout.map((t) => t.source.param))).toEqual(new Set(model.variables.map((v) => v.name)));
    for (const t of layout) {
      expect(header[t.name]!.shape).toEqual(t.shape);
      expect(raw.get(t.name)!.equals(expectedBytes(model, t.source.param, t.source.columns)), t.name).toBe(true);
    }
    if (config.kind === 'gru') {
      expect(header['gru.1.reset_gate.recurrent_kernel']!.shape).toEqual([7, 7]);
      expect(header['gru.0.candidate.bias']!.shape).toEqual([2, 7]);
      expect(layout.find((t) => t.name === 'gru.0.candidate.kernel')!.source.columns).toEqual([14, 21]);
    }
    if (config.kind === 'gcnn') expect(header['output.kernel']!.shape).toEqual([6, 9]);
    if (config.kind === 'lstm' && config.layers === 2) {
      expect(header['lstm.1.forget_gate.kernel']!.shape).toEqual([7, 7]);
      expect(header['lstm.0.output_gate.kernel']!.shape).toEqual([5, 7]);
      expect(layout.find((t) => t.name === 'lstm.0.forget_gate.bias')!.source.columns).toEqual([7, 14]);
    }
    model.dispose();
  });
});

it('writes a model of a kind it has no layout for parameter by parameter, under the lab’s names', async () => {
  const real = buildModel(cases['lstm 2 layers']!, 1);
  const fake = { ...real, variables: real.variables, config: { ...real.config, kind: 'mystery' } } as unknown as SequenceModel;
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-st-')), 'out');
  await exportSafetensors(fake, dir, { output: 'categorical', seqlabVersion: '0.0.0-test', sidecar: {} });
  const { header, metadata } = readSafetensors(fs.readFileSync(path.join(dir, 'model.safetensors')));
  expect(metadata['kind']).toBe('mystery');
  expect(Object.keys(header).sort()).toEqual(real.variables.map((v) => v.name.replaceAll('/', '.')).sort());
  real.dispose();
});
