// One function per contract request. Arguments arrive validated (defaults
// filled); results are plain objects the contract's result schemas accept.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { LabRequestName } from '../contract/lab-contract.ts';
import { autoComparison, detectBackends, probeBackend } from '../engine/backends.ts';
import { FieldError } from '../contract/structured-error.ts';
import { countParameters } from '../ml/models/parameter-count.ts';
import type { RunConfig } from '../ml/train/run-config.ts';
import { BUILTIN_DATASETS, ensureBuiltinDataset, importDataset } from '../services/datasets.ts';
import { runExportFormats } from '../services/exports.ts';
import { createSyntheticDataset } from '../services/task-datasets.ts';
import { audioClipWav } from '../services/audio-datasets.ts';
import { checkRunMemory } from '../services/memory-budget.ts';
import { checkSampleRequest } from '../services/sampling.ts';
import { checkFitsDataset, createRun, parseRunConfig, receptiveFieldOf } from '../services/runs.ts';
import type { ExportResult } from '../export/tfjs-export.ts';
import { runTask } from '../worker/task-host.ts';
import { runConfigOf, type DatasetRecord, type History } from '../storage/history.ts';
import { datasetPreviewText } from '../datasets/registry.ts';
import { experimentHandlers } from './experiment-handlers.ts';
import { sweepHandlers } from './sweep-handlers.ts';
import { audioHandlers } from './audio-handlers.ts';
import { musicHandlers } from './music-handlers.ts';
import { paperCheckHandlers } from './paper-check-handlers.ts';
import { toContractRow } from './metric-rows.ts';
import type { HandlerContext, HandlerTable } from './handler-context.ts';
import { datasetSummary, runSummary } from './record-summaries.ts';

type Handlers = HandlerTable<LabRequestName>;

const VERSION = '0.1.0';

function requireDataset(history: History, id: number): DatasetRecord {
  const d = history.getDataset(id);
  if (!d) throw new Error(`datasetId: no dataset ${id}`);
  return d;
}

/** Browser-mode uploads are files the server stored under uploadsDir/<id>/. */
function uploadPaths(ctx: HandlerContext, ids: string[]): string[] {
  if (ids.length === 0) return [];
  if (!ctx.uploadsDir) throw new Error('uploads: this bridge does not accept uploads; give paths');
  return ids.map((uid) => {
    const dir = path.join(ctx.uploadsDir!, uid);
    if (!fs.existsSync(dir)) throw new Error(`uploads: no upload ${uid}`);
    // One uploaded file is imported as that file (a piano-roll JSON must be imported on its own, not as a folder).
    const entries = fs.readdirSync(dir);
    return entries.length === 1 && fs.statSync(path.join(dir, entries[0]!)).isFile() ? path.join(dir, entries[0]!) : dir;
  });
}

export const handlers: Handlers = {
  ...experimentHandlers,
  ...sweepHandlers,
  ...audioHandlers,
  ...musicHandlers,
  ...paperCheckHandlers,

  async systemInfo(ctx) {
    const backends = await detectBackends();
    const { rungs } = await autoComparison();
    return {
      version: VERSION,
      node: process.version,
      platform: `${os.platform()} ${os.arch()}, ${os.cpus().length} cores`,
      tfjs: tf.version.tfjs,
      backends,
      auto: rungs.find((r) => r.cpu)?.backend ?? null,
      autoCompares: rungs.map((r) => r.label),
      dataDir: ctx.dataDir,
      readOnlyReason: ctx.history.readOnlyReason,
      builtinCorpora: BUILTIN_DATASETS,
      mode: ctx.mode,
    };
  },

  listDatasets: (ctx) => ctx.history.listDatasets().map(datasetSummary),

  datasetPreview(ctx, { id, chars }) {
    const d = requireDataset(ctx.history, id);
    return { dataset: datasetSummary(d), text: datasetPreviewText(d, chars) };
  },

  async importDataset(ctx, a) {
    const paths = [...(a.paths ?? []), ...uploadPaths(ctx, a.uploads ?? [])];
    const d = await importDataset(ctx.history, ctx.dataDir, {
      paths,
      level: a.level,
      ...(a.name
        ? { name: a.name }
        : a.uploads?.length && !a.paths?.length
          ? {
              name: path
                .basename(fs.statSync(paths[0]!).isFile() ? paths[0]! : (fs.readdirSync(paths[0]!)[0] ?? 'upload'))
                .replace(/\.(txt|json|midi?|wave?|flac|mp3|ogg|oga|opus)$/i, ''),
            }
          : {}),
      ...(a.maxVocab ? { maxVocab: a.maxVocab } : {}),
      ...(a.encoding ? { encoding: a.encoding } : {}),
      ...(a.rate !== undefined ? { rate: a.rate } : {}),
      ...(a.trimSilenceDb !== undefined ? { trimSilenceDb: a.trimSilenceDb } : {}),
      onProgress: (p) => ctx.emit({ type: 'dataset.importProgress', ...p }),
    });
    for (const uid of a.uploads ?? []) fs.rmSync(path.join(ctx.uploadsDir!, uid), { recursive: true, force: true });
    return datasetSummary(d);
  },

  datasetAudioClip: (ctx, { id, clip, maxSeconds }) => audioClipWav(requireDataset(ctx.history, id), clip, maxSeconds),

  ensureBuiltin: async (ctx, { name }) => datasetSummary(await ensureBuiltinDataset(ctx.history, ctx.dataDir, name)),

  createSyntheticDataset: (ctx, a) => datasetSummary(createSyntheticDataset(ctx.history, a)),

  deleteDataset(ctx, { id }) {
    const d = requireDataset(ctx.history, id);
    const deleted = ctx.history.deleteDataset(id);
    // Synthetic datasets have no folder (tokenFile ''): never derive one from an empty path.
    if (deleted && d.tokenFile) fs.rmSync(path.dirname(d.tokenFile), { recursive: true, force: true });
    return { deleted };
  },

  describeModel(ctx, { datasetId, model, train, memoryLimitGiB }) {
    const dataset = requireDataset(ctx.history, datasetId);
    const config = parseRunConfig({ model, train: {} }, dataset);
    const paramCount = countParameters(config.model);
    const rf = receptiveFieldOf(config.model);
    let memory = null;
    if (train) {
      // The same check startRun makes, as the user types; a train field still being typed gives no estimate.
      let full: RunConfig | null;
      try {
        full = parseRunConfig({ model, train }, dataset);
      } catch {
        full = null;
      }
      if (full) {
        const check = checkRunMemory(full, dataset, ctx.runWords.budget, memoryLimitGiB);
        memory = { bytes: check.estimate.total, machineBytes: check.machineBytes, limitBytes: check.limitBytes, refusal: check.refusal };
      }
    }
    return { paramCount, receptiveField: Number.isFinite(rf) ? rf : null, ...(train ? { memory } : {}) };
  },

  async startRun(ctx, { datasetId, name, model, train, memoryLimitGiB }) {
    const dataset = requireDataset(ctx.history, datasetId);
    const config = parseRunConfig({ model, train }, dataset);
    checkFitsDataset(config, dataset, ctx.runWords.fit);
    // Before anything is written or allocated: a config that cannot fit is refused with what to lower.
    const budget = checkRunMemory(config, dataset, ctx.runWords.budget, memoryLimitGiB);
    if (budget.refusal) throw new Error(`${ctx.runWords.budgetPrefix}${budget.refusal}`);
    if (config.train.backend !== 'auto') {
      // A run that cannot start should not appear in the history.
      const probe = await probeBackend(config.train.backend);
      if (!probe.available) throw new FieldError('train.backend', `${config.train.backend} is not available: ${probe.reason}`);
    }
    const run = createRun(ctx.history, dataset, config, name);
    ctx.train(run.id, false);
    return runSummary(ctx.history, run);
  },

  stopRun(ctx, { id }) {
    const run = ctx.history.resolveRun(String(id));
    if (!ctx.isTraining(id)) throw new Error(`id: run ${id} is not training here (status ${run.status})`);
    ctx.stop(id);
    return runSummary(ctx.history, run);
  },

  /** Refused, naming the run, when it completed or another live process (or this one) trains it; nothing changes then. */
  resumeRun(ctx, { id }) {
    ctx.history.resolveRun(String(id));
    if (ctx.isTraining(id)) throw new FieldError('id', `run ${id} is already running in process ${process.pid}`);
    try {
      // Ownership is taken atomically inside train(): another process's live run is refused, unchanged.
      ctx.train(id, true);
    } catch (e) {
      throw new FieldError('id', (e as Error).message, {}, { cause: e });
    }
    return runSummary(ctx.history, ctx.history.resolveRun(String(id)));
  },

  listRuns: (ctx, { status }) => ctx.history.listRuns(status ? { status } : {}).map((r) => runSummary(ctx.history, r)),

  getRun(ctx, { id }) {
    const run = ctx.history.resolveRun(String(id));
    return {
      ...runSummary(ctx.history, run),
      config: runConfigOf(run),
      datasetFingerprint: run.datasetFingerprint,
      checkpoints: ctx.history.listCheckpoints(id),
      samples: ctx.history.listSamples(id),
      exports: ctx.history.listExports(id),
    };
  },

  getMetrics(ctx, { id, sinceStep }) {
    ctx.history.resolveRun(String(id));
    return ctx.history.getMetrics(id, sinceStep).map(toContractRow);
  },

  // Sampling and export build the model: they run in a child process (a thread in Electron), off the app's main thread.
  sample(ctx, { id, length, temperature, topK, prime, seed }) {
    // Here, not only in the worker: a refusal that crossed the task boundary would arrive as text, without its field.
    checkSampleRequest({ length, temperature, topK });
    return runTask({
      kind: 'sample',
      dataDir: ctx.dataDir,
      runRef: String(id),
      args: { length, temperature, topK, seed, ...(prime !== undefined ? { prime } : {}) },
    });
  },

  exportFormats(ctx, { id }) {
    return runExportFormats(ctx.history, String(id));
  },

  async exportRun(ctx, { id, format, outDir }) {
    const dir = outDir ?? path.join(ctx.dataDir, 'exports', `run-${id}-${format}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    const r = await runTask<ExportResult>({ kind: 'export', dataDir: ctx.dataDir, runRef: String(id), args: { format, outDir: dir } });
    return { outDir: path.resolve(r.outDir), files: r.files, sha256: r.sha256 };
  },

  deleteRun(ctx, { id }) {
    const run = ctx.history.resolveRun(String(id));
    if (ctx.isTraining(id) || run.status === 'running') throw new Error(`id: run ${id} is training; stop it before deleting`);
    return { deleted: ctx.history.deleteRun(id) };
  },

  setRunNotes(ctx, { id, tags, note }) {
    return runSummary(ctx.history, ctx.history.setRunNotes(id, { tags, note }));
  },
};
