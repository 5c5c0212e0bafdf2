// `--format onnx`: model.onnx (opset 13), the default graph that takes only
// tokens/features; for recurrent kinds also model-streaming.onnx, the same
// graph with h0/c0 inputs for token-by-token generation (see onnx-graph.ts
// for why there are two). Each graph's inputs and outputs are in seqlab.json
// (`onnx.graphs`) and in its doc string. Plus seqlab.json (vocabulary,
// configs, the run's record) and SHA256SUMS over every file.
import { ONNX_OPSET, toOnnxGraphs } from '../ml/export/onnx-graph.ts';
import { OUTPUT_MEANING } from '../ml/export/export-support.ts';
import type { SequenceModel } from '../ml/models/sequence-model.ts';
import { type ExportContext, type ExportResult, withSha256Sums } from './export-context.ts';
import { writeFolderAtomically } from './write-folder-atomically.ts';

/** Writes the model to `outDir` (created; must not exist or be empty). Refused before anything is written. */
export async function exportOnnx(model: SequenceModel, outDir: string, ctx: ExportContext): Promise<ExportResult> {
  const graphs = await toOnnxGraphs(model, { output: ctx.output, producerVersion: ctx.seqlabVersion, metadata: ctx.metadata ?? {} });
  const onnx = {
    opset: ONNX_OPSET,
    graphs: graphs.map(({ file, streaming, use, signature }) => ({ file, graph: streaming ? 'streaming' : 'default', use, ...signature })),
  };
  const files = withSha256Sums({
    ...ctx.extra,
    ...Object.fromEntries(graphs.map((g) => [g.file, g.bytes])),
    'seqlab.json': JSON.stringify(
      { ...ctx.sidecar, output: { kind: ctx.output, meaning: OUTPUT_MEANING[ctx.output].says }, onnx },
      null,
      2,
    ),
  });
  const sha256 = writeFolderAtomically(outDir, files);
  return { outDir, files: Object.keys(files), sha256 };
}
