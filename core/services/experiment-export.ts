// Exports a completed experiment into a folder, written atomically (nothing
// half-written is ever visible): experiment.json, <table>.csv, <plot>.png and
// <plot>-points.csv. Draws PNGs, so the app runs it in a worker thread.
import path from 'node:path';
import { experimentFiles } from '../export/experiment-files.ts';
import { writeFolderAtomically } from '../export/write-folder-atomically.ts';
import type { ExportResult } from '../export/tfjs-export.ts';
import type { History } from '../storage/history.ts';

export async function exportExperiment(history: History, id: number, outDir: string): Promise<ExportResult> {
  const e = history.resolveExperiment(String(id));
  if (e.status !== 'completed' || !e.result)
    throw new Error(
      `experiment ${id} is ${e.status}; only a completed experiment has results to export${e.status === 'failed' || e.status === 'stopped' ? ` (resume it: seqlab experiment resume ${id})` : ''}`,
    );
  const record = {
    id: e.id,
    kind: e.kind,
    name: e.name,
    status: e.status,
    config: e.config,
    members: e.members,
    createdAt: e.createdAt,
    finishedAt: e.finishedAt,
  };
  const files = experimentFiles(record, e.result);
  const sha256 = writeFolderAtomically(outDir, files);
  return { outDir: path.resolve(outDir), files: Object.keys(files).sort(), sha256 };
}
