// `--format tfjs`: model.json + weights.bin in the tfjs layers format
// (loadable with stock tf.loadLayersModel), seqlab.json (vocabulary, configs,
// what the input and output are) and SHA256SUMS.
import * as tf from '@tensorflow/tfjs';
import { OUTPUT_MEANING } from '../ml/export/export-support.ts';
import { toLayersModel } from '../ml/export/layers-model.ts';
import type { SequenceModel } from '../ml/models/sequence-model.ts';
import { type ExportContext, type ExportResult, withSha256Sums } from './export-context.ts';
import { writeFolderAtomically } from './write-folder-atomically.ts';

export type { ExportResult } from './export-context.ts';

/** Writes the model to `outDir` (created; must not exist or be empty). Refused before anything is written. */
export async function exportTfjs(model: SequenceModel, outDir: string, ctx: ExportContext): Promise<ExportResult> {
  const layers = await toLayersModel(model, ctx.output);
  let artifacts: tf.io.ModelArtifacts | undefined;
  try {
    await layers.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
  } finally {
    layers.dispose();
  }
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('export: TF.js produced no weights');
  const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `seqlab ${ctx.seqlabVersion} (TensorFlow.js ${tf.version.tfjs})`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  };
  const { config } = model;
  const meaning = OUTPUT_MEANING[ctx.output];
  const input =
    config.inputFeatures > 0
      ? `features [batch, time, ${config.inputFeatures}] (float32)`
      : `token ids [batch, time] (int32, in [0, ${config.vocabSize}))`;
  const files = withSha256Sums({
    ...ctx.extra,
    'model.json': JSON.stringify(modelJson),
    'weights.bin': new Uint8Array(weightData),
    'seqlab.json': JSON.stringify(
      {
        ...ctx.sidecar,
        input,
        output: { kind: ctx.output, name: meaning.name, shape: `[batch, time, ${config.vocabSize}]`, meaning: meaning.says },
      },
      null,
      2,
    ),
  });
  const sha256 = writeFolderAtomically(outDir, files);
  return { outDir, files: Object.keys(files), sha256 };
}
