// What every model export needs besides the model: the meaning of its outputs
// (the dataset's task), seqlab's version, the sidecar record that becomes
// seqlab.json, files of the run's record that ride along, and ONNX metadata.
import { createHash } from 'node:crypto';
import type { OutputKind } from '../ml/tasks/task-types.ts';

export interface ExportContext {
  /** What the model's outputs mean: categorical, bernoulli or regression. */
  output: OutputKind;
  /** seqlab's version (package.json). */
  seqlabVersion: string;
  /** The common part of seqlab.json (run, configs, vocabulary). */
  sidecar: Record<string, unknown>;
  /** Files of the run's record (run.json, metrics.csv, samples.json). */
  extra?: Record<string, string>;
  /** ONNX metadata_props beyond kind and output kind (vocabulary, run id, task). */
  metadata?: Record<string, string>;
}

export interface ExportResult {
  outDir: string;
  files: string[];
  sha256: string;
}

/**
 * Adds SHA256SUMS, one `<hex>  <name>` line per file in name order, the
 * format `sha256sum -c SHA256SUMS` checks.
 */
export function withSha256Sums(files: Record<string, Uint8Array | string>): Record<string, Uint8Array | string> {
  if ('SHA256SUMS' in files) throw new Error('export: SHA256SUMS is written by the exporter');
  const lines = Object.keys(files)
    .sort()
    .map((name) => {
      const data = files[name]!;
      return `${createHash('sha256')
        .update(typeof data === 'string' ? Buffer.from(data) : data)
        .digest('hex')}  ${name}\n`;
    });
  return { ...files, SHA256SUMS: lines.join('') };
}
