// Exporting a stored run; every export is recorded in the history.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { exportTfjs, type ExportResult } from '../export/tfjs-export.ts';
import type { History } from '../storage/history.ts';
import { loadRunModel } from './runs.ts';

export const EXPORT_FORMATS = ['tfjs'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export async function exportRun(history: History, ref: string, format: string, outDir: string): Promise<ExportResult> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new Error(`--format: "${format}" is not supported (supported: ${EXPORT_FORMATS.join(', ')})`);
  const loaded = loadRunModel(history, ref);
  try {
    const sidecar = {
      seqlab: { run: loaded.run.id, step: loaded.step, datasetFingerprint: loaded.run.datasetFingerprint, tfjs: tf.version.tfjs },
      model: loaded.config.model,
      train: loaded.config.train,
      vocabulary: loaded.dataset.vocab,
    };
    const result = await exportTfjs(loaded.model, outDir, sidecar);
    history.recordExport(loaded.run.id, { format, path: path.resolve(outDir), sha256: result.sha256 });
    return result;
  } finally {
    loaded.model.dispose();
  }
}
