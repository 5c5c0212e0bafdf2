// `--format onnx`: model.onnx (opset 13; input `tokens` int64 [batch, time],
// output `logits` float32 [batch, time, vocab]) plus seqlab.json (vocabulary,
// configs, the run's record). The graph is built in core/ml/export/onnx-graph.ts.
import { ONNX_INPUT, ONNX_OPSET, ONNX_OUTPUT, toOnnxModel } from '../ml/export/onnx-graph.ts';
import type { SequenceModel } from '../ml/models/sequence-model.ts';
import type { ExportResult } from './tfjs-export.ts';
import { writeFolderAtomically } from './write-folder-atomically.ts';

/** Writes the model to `outDir` (created; must not exist or be empty); `extra` files ride along. */
export async function exportOnnx(model: SequenceModel, outDir: string, sidecar: Record<string, unknown>, extra: Record<string, string> = {}): Promise<ExportResult> {
  const bytes = toOnnxModel(model, { producerVersion: '0.1.0' }); // throws before anything is written
  const files: Record<string, Uint8Array | string> = {
    ...extra,
    'model.onnx': bytes,
    'seqlab.json': JSON.stringify(
      { ...sidecar, onnx: { opset: ONNX_OPSET, input: `${ONNX_INPUT}: int64 [batch, time] token ids`, output: `${ONNX_OUTPUT}: float32 [batch, time, vocab] unnormalised next-token scores; state zero at start` } },
      null,
      2,
    ),
  };
  const sha256 = writeFolderAtomically(outDir, files);
  return { outDir, files: Object.keys(files), sha256 };
}
