// Which export formats can express a given model, decided from its config and
// the meaning of its outputs alone (no weights), so that the UI can offer
// only the formats that work and a refusal can name the missing feature.
// The rule every exporter keeps: an export computes the lab's function or is
// refused; it never computes something else.
import type { ModelConfig } from '../models/model-config.ts';
import type { OutputKind } from '../tasks/task-types.ts';

export type ExportFormatName = 'tfjs' | 'onnx' | 'safetensors';
export const EXPORT_FORMAT_NAMES: readonly ExportFormatName[] = ['tfjs', 'onnx', 'safetensors'];

/** What the exported model's outputs mean: the activation after the read-out and the name of the output. */
export const OUTPUT_MEANING: Record<
  OutputKind,
  { activation: 'softmax' | 'sigmoid' | 'linear'; name: 'probabilities' | 'values'; says: string }
> = {
  categorical: { activation: 'softmax', name: 'probabilities', says: 'probability of each class (softmax over the last axis)' },
  bernoulli: {
    activation: 'sigmoid',
    name: 'probabilities',
    says: 'probability of each unit being on (independent sigmoids, e.g. one per pitch)',
  },
  regression: { activation: 'linear', name: 'values', says: 'regressed values (no activation)' },
};

/**
 * The feature of `config` that `format` cannot express, in words, or null
 * when the format can express the whole model (any input width, any output kind).
 */
export function exportGap(format: ExportFormatName, config: ModelConfig, output: OutputKind): string | null {
  if (!(output in OUTPUT_MEANING)) return `output kind "${output}"`;
  if (format !== 'tfjs') return null;
  if (config.kind === 'truncated') {
    return 'k-truncation (every position restarts the recurrence from a zero state k steps back; tf.layers has no sliding-window restart over a time axis of any length)';
  }
  if (config.kind === 'gru')
    return "GRU reset_after (the reset gate applied after the recurrent product, as the lab and PyTorch train it; tfjs-layers' GRU has only reset_after = false)";
  return null;
}

/** The formats that can express the model, in the usual order. */
export function supportedExportFormats(config: ModelConfig, output: OutputKind): ExportFormatName[] {
  return EXPORT_FORMAT_NAMES.filter((f) => exportGap(f, config, output) === null);
}

/** One-line refusal naming the missing feature and the formats that do work. */
function exportRefusal(format: ExportFormatName, config: ModelConfig, output: OutputKind): Error {
  const gap = exportGap(format, config, output) ?? 'nothing (internal error: refused without a gap)';
  return new Error(
    `${format} export refused: ${format} cannot express ${gap}; formats that work for this model: ${supportedExportFormats(config, output).join(', ')}`,
  );
}

/** Throws the refusal when `format` cannot express the model. */
export function assertExportable(format: ExportFormatName, config: ModelConfig, output: OutputKind): void {
  if (exportGap(format, config, output) !== null) throw exportRefusal(format, config, output);
}
