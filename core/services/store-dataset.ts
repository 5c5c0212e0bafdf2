// The one way a dataset with files is stored: a fresh folder, the kind's
// files written into it, then the history row. A failure at any point leaves
// neither the folder nor a row behind.
import fs from 'node:fs';
import type { DatasetRecord, History, NewDataset } from '../storage/history.ts';
import { markLive, releaseLive } from '../storage/live-marker.ts';
import { newDatasetFolder } from './dataset-folders.ts';
import { FieldError } from '../contract/structured-error.ts';

/**
 * Makes a folder for `name` under `dataDir`, lets `make` write the dataset's
 * files into it and describe the record, stores the record, and removes the
 * folder again when anything throws.
 */
export async function storeDataset(
  history: History,
  dataDir: string,
  name: string,
  make: (outDir: string) => Promise<NewDataset>,
): Promise<DatasetRecord> {
  if (history.getDataset(name)) throw new FieldError('name', `dataset "${name}" already exists`, { hint: 'pick another name' });
  const outDir = newDatasetFolder(dataDir, name);
  try {
    // Until the record owns the folder, it says who writes it: reclaiming orphans leaves it alone while this process lives.
    markLive(outDir);
    const record = history.insertDataset(await make(outDir));
    releaseLive(outDir);
    return record;
  } catch (e) {
    fs.rmSync(outDir, { recursive: true, force: true });
    throw e;
  }
}
