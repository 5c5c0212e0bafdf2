// Exporting a stored run; every export is recorded in the history (format,
// path, time, checksum). Each export folder also carries the run's record:
// run.json (config, seed, dataset fingerprint, backend), metrics.csv and
// samples.json.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { exportOnnx } from '../export/onnx-export.ts';
import { exportSafetensors } from '../export/safetensors-export.ts';
import { exportTfjs, type ExportResult } from '../export/tfjs-export.ts';
import type { History, MetricRow } from '../storage/history.ts';
import { loadRunModel } from './runs.ts';

export const EXPORT_FORMATS = ['tfjs', 'onnx', 'safetensors'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const METRIC_COLUMNS = ['step', 'wallMs', 'trainLoss', 'validLoss', 'bitsPerSymbol', 'tokensPerSec', 'gradNorm', 'lr'] as const satisfies readonly (keyof MetricRow)[];

/** Metrics as CSV (header row; empty cell for a missing value). */
export function metricsCsv(rows: readonly MetricRow[]): string {
  const cell = (v: number | null) => (v === null ? '' : String(v));
  return [METRIC_COLUMNS.join(','), ...rows.map((r) => METRIC_COLUMNS.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

export async function exportRun(history: History, ref: string, format: string, outDir: string): Promise<ExportResult> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new Error(`--format: "${format}" is not supported (supported: ${EXPORT_FORMATS.join(', ')})`);
  const loaded = loadRunModel(history, ref);
  try {
    const { run } = loaded;
    const sidecar = {
      seqlab: { run: run.id, step: loaded.step, datasetFingerprint: run.datasetFingerprint, tfjs: tf.version.tfjs },
      model: loaded.config.model,
      train: loaded.config.train,
      vocabulary: loaded.dataset.vocab,
    };
    const record = {
      'run.json': JSON.stringify(
        { id: run.id, name: run.name, status: run.status, step: run.step, exportedStep: loaded.step, config: run.config, seed: run.seed, datasetFingerprint: run.datasetFingerprint, backend: run.backend, device: run.device, paramCount: run.paramCount },
        null,
        2,
      ),
      'metrics.csv': metricsCsv(history.getMetrics(run.id)),
      'samples.json': JSON.stringify(history.listSamples(run.id), null, 2),
    };
    const result =
      format === 'onnx'
        ? await exportOnnx(loaded.model, outDir, sidecar, record)
        : format === 'safetensors'
          ? await exportSafetensors(loaded.model, outDir, sidecar, record)
          : await exportTfjs(loaded.model, outDir, sidecar, record);
    history.recordExport(run.id, { format, path: path.resolve(outDir), sha256: result.sha256 });
    return result;
  } finally {
    loaded.model.dispose();
  }
}
