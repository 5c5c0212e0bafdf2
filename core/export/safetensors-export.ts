// `--format safetensors`: model.safetensors (little-endian float32, names by
// layer and gate), load_torch.py (rebuilds the model as a torch.nn.Module and
// runs it: `python3 load_torch.py INPUT.json`), seqlab.json (full model config,
// vocabulary, what the outputs mean, the tensor layout, the run's record) and
// SHA256SUMS.
import fs from 'node:fs';
import { OUTPUT_MEANING } from '../ml/export/export-support.ts';
import { toSafetensors } from '../ml/export/safetensors-weights.ts';
import type { SequenceModel } from '../ml/models/sequence-model.ts';
import { type ExportContext, type ExportResult, withSha256Sums } from './export-context.ts';
import { writeFolderAtomically } from './write-folder-atomically.ts';

/** The PyTorch loader every safetensors folder gets: one file for every kind, reading its config from seqlab.json. */
const LOAD_TORCH_PY = new URL('./load_torch.py', import.meta.url);

/** Writes the weights to `outDir` (created; must not exist or be empty). */
export async function exportSafetensors(model: SequenceModel, outDir: string, ctx: ExportContext): Promise<ExportResult> {
  const { bytes, layout } = await toSafetensors(model, ctx.output); // throws before anything is written
  const meaning = OUTPUT_MEANING[ctx.output];
  const files = withSha256Sums({
    ...ctx.extra,
    'model.safetensors': bytes,
    'load_torch.py': fs.readFileSync(LOAD_TORCH_PY, 'utf8'),
    'seqlab.json': JSON.stringify(
      {
        ...ctx.sidecar,
        output: { kind: ctx.output, name: meaning.name, meaning: meaning.says },
        weights: { file: 'model.safetensors', ...layout },
      },
      null,
      2,
    ),
  });
  const sha256 = writeFolderAtomically(outDir, files);
  return { outDir, files: Object.keys(files), sha256 };
}
