// Exporting a stored run; every export is recorded in the history (format,
// path, time, checksum). Each export folder also carries the run's record:
// run.json (config, seed, dataset fingerprint, backend, seqlab version, what
// the outputs mean), metrics.csv, samples.json, and SHA256SUMS over all files.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ExportContext } from '../export/export-context.ts';
import { exportOnnx } from '../export/onnx-export.ts';
import { exportSafetensors } from '../export/safetensors-export.ts';
import { exportTfjs, type ExportResult } from '../export/tfjs-export.ts';
import {
  assertExportable,
  EXPORT_FORMAT_NAMES,
  exportGap,
  type ExportFormatName,
  supportedExportFormats,
} from '../ml/export/export-support.ts';
import { runConfigOf, type History, type MetricRow } from '../storage/history.ts';
import { loadRunModel } from './runs.ts';
import { seqlabVersion } from './seqlab-version.ts';
import { describeDatasetTask, lossUnitOf, outputKindOf } from '../datasets/registry.ts';
import { FieldError } from '../contract/structured-error.ts';

export const EXPORT_FORMATS = EXPORT_FORMAT_NAMES;

/**
 * metrics.csv columns: training and validation explicitly apart. `trainBitsPerSymbol`
 * is the training loss in bits (categorical tasks only); validation metrics
 * are set on validation steps and empty otherwise.
 */
const METRIC_COLUMNS: readonly [string, (r: MetricRow) => number | null][] = [
  ['step', (r) => r.step],
  ['wallMs', (r) => r.wallMs],
  ['trainLoss', (r) => r.trainLoss],
  ['validLoss', (r) => r.validLoss],
  ['trainBitsPerSymbol', (r) => r.bitsPerSymbol],
  ['validAccuracy', (r) => r.validAccuracy],
  ['stabilityBound', (r) => r.stabilityBound],
  ['contraction', (r) => r.contraction],
  ['trainTokensPerSec', (r) => r.tokensPerSec],
  ['trainGradNorm', (r) => r.gradNorm],
  ['lr', (r) => r.lr],
];

/** Metrics as CSV (header row; empty cell for a missing value). */
function metricsCsv(rows: readonly MetricRow[]): string {
  const cell = (v: number | null) => (v === null || v === undefined ? '' : String(v));
  return (
    [METRIC_COLUMNS.map(([name]) => name).join(','), ...rows.map((r) => METRIC_COLUMNS.map(([, get]) => cell(get(r))).join(','))].join(
      '\n',
    ) + '\n'
  );
}

/** The formats a stored run's model can be exported to (for the UI: offer only these), and why each other one is refused. */
export function runExportFormats(
  history: History,
  ref: string,
): { formats: ExportFormatName[]; refused: { format: ExportFormatName; reason: string }[] } {
  const run = history.resolveRun(ref);
  const dataset = history.getDataset(run.datasetId);
  if (!dataset) throw new Error(`run ${run.id}: its dataset ${run.datasetId} is gone`);
  const model = runConfigOf(run).model;
  const output = outputKindOf(dataset);
  const refused = EXPORT_FORMAT_NAMES.flatMap((format) => {
    const gap = exportGap(format, model, output);
    return gap === null ? [] : [{ format, reason: `${format} cannot express ${gap}` }];
  });
  return { formats: supportedExportFormats(model, output), refused };
}

export async function exportRun(history: History, ref: string, format: string, outDir: string): Promise<ExportResult> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(format))
    throw new FieldError('format', `"${format}" is not supported (supported: ${EXPORT_FORMATS.join(', ')})`);
  const loaded = loadRunModel(history, ref);
  try {
    const { run, dataset } = loaded;
    const output = outputKindOf(dataset);
    assertExportable(format as ExportFormatName, loaded.config.model, output); // before any file is read or written
    const version = seqlabVersion();
    const task = describeDatasetTask(dataset);
    const sidecar = {
      seqlab: { version, run: run.id, step: loaded.step, datasetFingerprint: run.datasetFingerprint, tfjs: tf.version.tfjs },
      model: loaded.config.model,
      train: loaded.config.train,
      task: { dataset: dataset.kind, description: task, lossUnit: lossUnitOf(dataset) },
      vocabulary: dataset.vocab,
    };
    const record = {
      'run.json': JSON.stringify(
        {
          id: run.id,
          name: run.name,
          status: run.status,
          step: run.step,
          exportedStep: loaded.step,
          seqlabVersion: version,
          config: run.config,
          seed: run.seed,
          datasetFingerprint: run.datasetFingerprint,
          task: { dataset: dataset.kind, description: task, output, lossUnit: lossUnitOf(dataset) },
          backend: run.backend,
          device: run.device,
          paramCount: run.paramCount,
        },
        null,
        2,
      ),
      'metrics.csv': metricsCsv(history.getMetrics(run.id)),
      'samples.json': JSON.stringify(history.listSamples(run.id), null, 2),
    };
    const ctx: ExportContext = {
      output,
      seqlabVersion: version,
      sidecar,
      extra: record,
      metadata: { run_id: String(run.id), task, dataset_kind: dataset.kind, vocabulary: JSON.stringify(dataset.vocab.symbols) },
    };
    const result =
      format === 'onnx'
        ? await exportOnnx(loaded.model, outDir, ctx)
        : format === 'safetensors'
          ? await exportSafetensors(loaded.model, outDir, ctx)
          : await exportTfjs(loaded.model, outDir, ctx);
    // A read-only history (disk full) still exports to another disk; the export is not recorded.
    if (history.readOnlyReason) return result;
    try {
      history.recordExport(run.id, { format, path: path.resolve(outDir), sha256: result.sha256 });
    } catch (e) {
      // The disk holding the history filled up since it opened: it turns read-only, and the export (on another disk) stands unrecorded, as above.
      if (history.becomeReadOnly(e)) return result;
      // Nothing half-recorded: a folder the history does not list is taken back.
      fs.rmSync(path.resolve(outDir), { recursive: true, force: true });
      throw new Error(`export written but not recorded, so removed again: ${(e as Error).message}`, { cause: e });
    }
    return result;
  } finally {
    loaded.model.dispose();
  }
}
