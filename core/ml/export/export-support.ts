// Which export formats each model kind has, so that a refusal can say what
// does work instead of only what does not. safetensors works for every kind:
// kinds without a dedicated layout export their parameters under the lab's
// own names (safetensors-weights.ts).
import type { ModelKind } from '../models/model-config.ts';

export type ExportFormatName = 'tfjs' | 'onnx' | 'safetensors';

/** Formats per kind; a new kind must say which it supports. */
export const EXPORT_FORMATS_BY_KIND: Record<ModelKind, readonly ExportFormatName[]> = {
  lstm: ['tfjs', 'onnx', 'safetensors'],
  tcn: ['tfjs', 'onnx', 'safetensors'],
  rnn: ['tfjs', 'onnx', 'safetensors'],
  // tfjs-layers' GRU has reset_after = false only; the lab's GRU is PyTorch's (reset after U·h).
  gru: ['onnx', 'safetensors'],
  // k-truncation (restart from zero k steps back at every position) has no stock layer or ONNX operator.
  truncated: ['safetensors'],
  gcnn: ['safetensors'],
  wavenet: ['safetensors'],
};

/** One-line refusal naming the kind, the reason and the formats that do work. */
export function exportRefusal(format: ExportFormatName, kind: ModelKind, reason: string): Error {
  const working = EXPORT_FORMATS_BY_KIND[kind] ?? ['safetensors'];
  return new Error(`${format} export: model kind "${kind}" is not supported (${reason}); formats that work for ${kind}: ${working.join(', ')}`);
}
