// `--format tfjs`: model.json + weights.bin in the tfjs layers format, plus
// seqlab.json (vocabulary and configs) so the model can be used as a language
// model elsewhere. Loadable with stock tf.loadLayersModel.
import * as tf from '@tensorflow/tfjs';
import { toLayersModel } from '../ml/export/layers-model.ts';
import type { SequenceModel } from '../ml/models/sequence-model.ts';
import { writeFolderAtomically } from './write-folder-atomically.ts';

export interface ExportResult {
  outDir: string;
  files: string[];
  sha256: string;
}

/** Writes the model to `outDir` (created; must not exist or be empty); `extra` files ride along. */
export async function exportTfjs(model: SequenceModel, outDir: string, sidecar: Record<string, unknown>, extra: Record<string, string> = {}): Promise<ExportResult> {
  const layers = toLayersModel(model);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await layers.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  layers.dispose();
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('export: TF.js produced no weights');
  const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `seqlab (TensorFlow.js ${tf.version.tfjs})`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  };
  const files = {
    ...extra,
    'model.json': JSON.stringify(modelJson),
    'weights.bin': new Uint8Array(weightData),
    'seqlab.json': JSON.stringify({ ...sidecar, input: 'token ids [batch, time] (int32)', output: 'next-token probabilities [batch, time, vocab]' }, null, 2),
  };
  const sha256 = writeFolderAtomically(outDir, files);
  return { outDir, files: Object.keys(files), sha256 };
}
