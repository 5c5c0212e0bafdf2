// `--format onnx`: model.onnx (opset 13; inputs and outputs in seqlab.json
// and in the model's doc string, see onnx-graph.ts) plus seqlab.json
// (vocabulary, configs, the run's record) and SHA256SUMS.
import { ONNX_OPSET, onnxSignature, toOnnxModel } from '../ml/export/onnx-graph.ts';
import { OUTPUT_MEANING } from '../ml/export/export-support.ts';
import type { SequenceModel } from '../ml/models/sequence-model.ts';
import { type ExportContext, type ExportResult, withSha256Sums } from './export-context.ts';
import { writeFolderAtomically } from './write-folder-atomically.ts';

/** Writes the model to `outDir` (created; must not exist or be empty). Refused before anything is written. */
export async function exportOnnx(model: SequenceModel, outDir: string, ctx: ExportContext): Promise<ExportResult> {
  const bytes = await toOnnxModel(model, { output: ctx.output, producerVersion: ctx.seqlabVersion, metadata: ctx.metadata ?? {} });
  const signature = onnxSignature(model.config, ctx.output);
  const files = withSha256Sums({
    ...ctx.extra,
    'model.onnx': bytes,
    'seqlab.json': JSON.stringify({ ...ctx.sidecar, output: { kind: ctx.output, meaning: OUTPUT_MEANING[ctx.output].says }, onnx: { opset: ONNX_OPSET, ...signature } }, null, 2),
  });
  const sha256 = writeFolderAtomically(outDir, files);
  return { outDir, files: Object.keys(files), sha256 };
}
