// Exporting a stored run (core/services/exports.ts): the folder's provenance.
// A tiny GRU trained one step on the adding problem (feature input, a
// regressed value): run.json names seqlab's version (package.json) and the
// task; metrics.csv keeps training and validation apart; SHA256SUMS passes
// `sha256sum -c`; the ONNX model carries producer_version and metadata_props;
// a refused format leaves no folder and no history record.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exportRun, runExportFormats } from '../../core/services/exports.ts';
import { History, type RunRecord } from '../../core/storage/history.ts';
import { storedAddingRun } from '../helpers/stored-run.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

let dir: string;
let history: History;
let run: RunRecord;
const version = (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

beforeAll(async () => {
  await useCpuBackend();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-export-run-'));
  history = History.open(dir);
  run = await storedAddingRun(history);
});

afterAll(() => history.close());

it('offers the formats the model supports: no tfjs for a GRU', () => {
  expect(runExportFormats(history, String(run.id))).toEqual({
    formats: ['onnx', 'safetensors'],
    refused: [{ format: 'tfjs', reason: expect.stringMatching(/^tfjs cannot express GRU reset_after/) }],
  });
});

it('writes the run record with seqlab’s version, explicit metrics and checkable sums', async () => {
  const out = path.join(dir, 'onnx-out');
  const result = await exportRun(history, String(run.id), 'onnx', out);
  expect(result.files.sort()).toEqual([
    'SHA256SUMS',
    'metrics.csv',
    'model-streaming.onnx',
    'model.onnx',
    'run.json',
    'samples.json',
    'seqlab.json',
  ]);
  expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' }).trim().split('\n')).toHaveLength(6);

  const record = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
  expect(record).toMatchObject({
    id: run.id,
    seqlabVersion: version,
    task: { dataset: 'synthetic', output: 'regression', lossUnit: 'MSE' },
  });
  const csv = fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8').trim().split('\n');
  expect(csv[0]).toBe(
    'step,wallMs,trainLoss,validLoss,trainBitsPerSymbol,validAccuracy,stabilityBound,contraction,trainTokensPerSec,trainGradNorm,lr',
  );
  expect(csv[2]!.split(',').slice(3, 8)).toEqual(['0.25', '', '', '1.5', '0.75']);

  const proto = onnxProto.onnx.ModelProto.decode(new Uint8Array(fs.readFileSync(path.join(out, 'model.onnx'))));
  expect(proto.producerVersion).toBe(version);
  const meta = Object.fromEntries(proto.metadataProps.map((p) => [p.key, p.value]));
  expect(meta).toMatchObject({
    kind: 'gru',
    output_kind: 'regression',
    run_id: String(run.id),
    dataset_kind: 'synthetic',
    vocabulary: '["sum"]',
  });
  expect(meta['task']).toMatch(/^adding problem, T = 6/);
  expect(proto.graph?.input?.map((i) => i.name)).toEqual(['features']);
  expect(proto.graph?.output?.map((o) => o.name)).toEqual(['values', 'hT']);
  const streaming = onnxProto.onnx.ModelProto.decode(new Uint8Array(fs.readFileSync(path.join(out, 'model-streaming.onnx'))));
  expect(streaming.metadataProps.find((p) => p.key === 'graph')?.value).toBe('streaming');
  expect(streaming.graph?.input?.map((i) => i.name)).toEqual(['features', 'h0']);
  expect(streaming.graph?.output?.map((o) => o.name)).toEqual(['values', 'hT']);
  expect(history.listExports(run.id)).toMatchObject([{ format: 'onnx', sha256: result.sha256 }]);
});

it('refuses tfjs for the GRU naming the feature, leaving no folder and no record', async () => {
  const out = path.join(dir, 'tfjs-out');
  await expect(exportRun(history, String(run.id), 'tfjs', out)).rejects.toThrow(/GRU reset_after/);
  expect(fs.existsSync(out)).toBe(false);
  expect(fs.readdirSync(dir).filter((f) => f.includes('tfjs-out'))).toEqual([]);
  expect(history.listExports(run.id).map((e) => e.format)).toEqual(['onnx']);
});
