// `--format safetensors`: model.safetensors (little-endian float32, names by
// layer and gate) plus seqlab.json: full model config, vocabulary, the tensor
// layout and how to load it into torch.nn modules, and the run's record.
import { toSafetensors } from '../ml/export/safetensors-weights.ts';
import type { SequenceModel } from '../ml/models/sequence-model.ts';
import type { ExportResult } from './tfjs-export.ts';
import { writeFolderAtomically } from './write-folder-atomically.ts';

/** Writes the weights to `outDir` (created; must not exist or be empty); `extra` files ride along. */
export async function exportSafetensors(model: SequenceModel, outDir: string, sidecar: Record<string, unknown>, extra: Record<string, string> = {}): Promise<ExportResult> {
  const { bytes, layout } = toSafetensors(model); // throws before anything is written
  const files: Record<string, Uint8Array | string> = {
    ...extra,
    'model.safetensors': bytes,
    'seqlab.json': JSON.stringify({ ...sidecar, weights: { file: 'model.safetensors', ...layout } }, null, 2),
  };
  const sha256 = writeFolderAtomically(outDir, files);
  return { outDir, files: Object.keys(files), sha256 };
}
