// The contract itself: every request and event survives both bridges'
// serialisation (JSON over HTTP, structured clone over Electron IPC) and
// parses back to the same value; invalid payloads are refused naming the field.
import { describe, expect, it } from 'vitest';
import {
  LAB_REQUEST_NAMES,
  labEventSchema,
  labRequests,
  parseLabRequest,
  type LabEvent,
  type LabRequestName,
} from '../../core/contract/lab-contract.ts';

const metric = {
  step: 3,
  wallMs: 12.5,
  trainLoss: 2.1,
  validLoss: null,
  bitsPerSymbol: 3.03,
  validAccuracy: null,
  stabilityBound: null,
  contraction: null,
  tokensPerSec: 1000,
  gradNorm: 0.5,
  lr: 0.002,
};
const sample = {
  id: 1,
  runId: 2,
  step: 50,
  temperature: 0.8,
  topK: null,
  prime: 'the ',
  text: 'cat sat',
  createdAt: '2026-11-27T00:00:00Z',
};

/** One valid argument object per request; the test fails if a request is missing here. */
const exampleArgs: Record<LabRequestName, unknown> = {
  systemInfo: {},
  listDatasets: {},
  datasetPreview: { id: 1 },
  importDataset: { paths: ['/tmp/a.txt'], level: 'word', maxVocab: 1000, name: 'a', encoding: 'windows-1252' },
  ensureBuiltin: { name: 'brackets' },
  createSyntheticDataset: { task: 'copy', length: 20, trainSize: 100, name: 'copy-small' },
  deleteDataset: { id: 2 },
  describeModel: { datasetId: 1, model: { kind: 'tcn', levels: 3 } },
  startRun: { datasetId: 1, name: 'x', model: { kind: 'lstm', hiddenSize: 64 }, train: { steps: 10 } },
  stopRun: { id: 1 },
  resumeRun: { id: 1 },
  listRuns: { status: 'crashed' },
  getRun: { id: 1 },
  getMetrics: { id: 1, sinceStep: 10 },
  sample: { id: 1, length: 20, temperature: 0, topK: 5, prime: 'ab', seed: 3 },
  exportRun: { id: 1, format: 'tfjs', outDir: '/tmp/out' },
  exportFormats: { id: 1 },
  deleteRun: { id: 1 },
  listExperimentKinds: {},
  listExperiments: {},
  getExperiment: { id: 1 },
  startExperiment: {
    kind: 'stability',
    name: 'rnn on brackets',
    config: { datasetId: 1, model: { kind: 'rnn', hiddenSize: 32 }, lambda: 0.9, train: { steps: 200 } },
  },
  stopExperiment: { id: 1 },
  resumeExperiment: { id: 1 },
  exportExperiment: { id: 1, outDir: '/tmp/exp' },
  deleteExperiment: { id: 1 },
  checkPaperClaims: {},
  writePaperCheckReport: { outDir: '/tmp/report' },
  startClaimExperiment: { claim: 'tcn-copy-memory' },
  datasetAudioClip: { id: 1, clip: 0, maxSeconds: 5 },
  generateAudio: { id: 1, seconds: 0.5, temperature: 0.9, seed: 4, primeClip: 'tone-01', method: 'naive' },
  listAudioSamples: { id: 1 },
  getAudioSample: { id: 3 },
  sampleMusic: { id: 1, bars: 2, temperature: 0.7, seed: 5 },
  datasetMusicClip: { id: 1, sequence: 3, bars: 2 },
  setRunNotes: { id: 1, tags: ['baseline', 'lr sweep'], note: 'clipping off on purpose' },
  createSweep: { datasetId: 1, spec: { method: 'random', trials: 4, steps: 20, space: { lr: { 'log-uniform': [1e-4, 1e-2] } } } },
  listSweeps: {},
  getSweep: { id: 1 },
  startSweep: { id: 1, maxParallel: 2 },
  cancelSweep: { id: 1 },
};

const events: LabEvent[] = [
  { type: 'run.started', runId: 1, backend: 'wasm', device: 'wasm, SIMD, 1 thread', step: 0, totalSteps: 10, resumedFrom: null },
  { type: 'run.progress', runId: 1, totalSteps: 10, metrics: metric },
  { type: 'run.status', runId: 1, status: 'diverged', step: 4, validLoss: null, error: 'loss became NaN or infinite at step 4' },
  { type: 'run.sample', runId: 1, sample },
  {
    type: 'run.audioSample',
    runId: 1,
    sample: {
      id: 3,
      runId: 1,
      step: 200,
      temperature: 1,
      seconds: 0.5,
      sampleRate: 16000,
      method: 'cached',
      primeClip: null,
      bytes: 16044,
      createdAt: '2026-11-27T00:00:00Z',
    },
  },
  { type: 'audio.progress', runId: 1, done: 1600, total: 8000 },
  { type: 'dataset.importProgress', phase: 'encode', bytesDone: 10, bytesTotal: 20 },
  { type: 'experiment.status', experimentId: 2, status: 'running', phase: 'analyzing', error: null },
  {
    type: 'experiment.progress',
    experimentId: 2,
    runId: 5,
    role: 'stable',
    member: 1,
    members: 2,
    step: 40,
    totalSteps: 200,
    trainLoss: 1.2,
    validLoss: null,
  },
  { type: 'sweep.status', sweepId: 3, state: 'running', error: null },
  { type: 'sweep.trial', sweepId: 3, index: 2, state: 'pruned', runId: 9, metric: 1.75 },
  { type: 'history.readOnly', reason: 'a write to /d/history.sqlite failed because the disk is full' },
];

const viaHttp = (v: unknown) => JSON.parse(JSON.stringify(v));
const viaIpc = (v: unknown) => structuredClone(v);

describe('requests', () => {
  it('has an example for every request', () => {
    expect(Object.keys(exampleArgs).sort()).toEqual([...LAB_REQUEST_NAMES].sort());
  });

  it.each(LAB_REQUEST_NAMES)('%s arguments round-trip through both bridges', (name) => {
    const direct = parseLabRequest(name, exampleArgs[name]).args;
    for (const carry of [viaHttp, viaIpc]) expect(parseLabRequest(name, carry(exampleArgs[name])).args).toEqual(direct);
  });

  const refused: [string, unknown, RegExp][] = [
    ['getRun', { id: 'one' }, /^id: must be a whole number/],
    ['getRun', { id: -3 }, /^id: must be positive/],
    ['getRun', {}, /^id: /],
    ['getRun', { id: 1, extra: true }, /extra/],
    ['importDataset', { level: 'char' }, /^paths: give at least one file or folder/],
    ['importDataset', { paths: ['a'], level: 'byte' }, /^level: /],
    ['importDataset', { uploads: ['../../etc'] }, /uploads\.0: uploads: not an upload id|not an upload id/],
    // Sampling's ranges (length, temperature, top-k) are the service's own (request-limits.ts; test/contract/structured-error.test.ts).
    ['sample', { id: 1, length: 'long' }, /^length: /],
    ['sampleMusic', { id: 1, bars: 40 }, /^bars: from 1 to 32/],
    ['setRunNotes', { id: 1, tags: 'a,b', note: '' }, /^tags: must be a list/],
    ['setRunNotes', { id: 1, tags: [], note: 'x'.repeat(10_001) }, /^note: at most 10000/],
    ['startRun', { datasetId: 1, model: { hiddenSize: 3 }, train: {} }, /model\.kind: required/],
    ['exportRun', { id: 1, format: 'pickle' }, /^format: /],
    ['startExperiment', { kind: 'vibes', config: {} }, /^kind: must be one of truncation, stability/],
    ['startExperiment', { kind: 'memory', config: 'contexts' }, /^config: /],
    ['nope', {}, /unknown request "nope"/],
    ['__proto__', {}, /unknown request/],
  ];
  it.each(refused)('refuses %s %j naming the field', (name, args, message) => {
    expect(() => parseLabRequest(name, args)).toThrow(message);
  });

  it.each(LAB_REQUEST_NAMES)('%s refuses an unknown field, naming it', (name) => {
    const args = { ...(exampleArgs[name] as Record<string, unknown>), bogus: 1 };
    expect(() => parseLabRequest(name, args)).toThrow(/(^|; )bogus: unknown field/);
  });

  it('every result schema accepts what it describes (example systemInfo result)', () => {
    const info = {
      version: '0.1.0',
      node: 'v20',
      platform: 'linux',
      tfjs: '4.22.0',
      backends: [{ name: 'wasm', available: true, device: 'wasm' }],
      auto: 'wasm',
      autoCompares: ['wasm + fused kernels'],
      dataDir: '/d',
      readOnlyReason: null,
      builtinCorpora: [],
      mode: 'browser',
    };
    for (const carry of [viaHttp, viaIpc]) expect(labRequests.systemInfo.result.parse(carry(info))).toEqual(info);
  });
});

describe('events', () => {
  it('covers every event type', () => {
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(labEventSchema.options.map((o) => o.shape.type.value)));
  });
  it.each(events.map((e) => [e.type, e] as const))('%s round-trips through both bridges', (_t, event) => {
    for (const carry of [viaHttp, viaIpc]) expect(labEventSchema.parse(carry(event))).toEqual(event);
  });
  it('refuses a malformed event', () => {
    expect(
      labEventSchema.safeParse({ type: 'run.status', runId: 1, status: 'exploded', step: 1, validLoss: null, error: null }).success,
    ).toBe(false);
  });
});
