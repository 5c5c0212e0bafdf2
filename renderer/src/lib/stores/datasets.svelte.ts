// Datasets and the import in progress (upload, then the core's scan and
// encode phases from dataset.importProgress events).
import type { LabArgs, LabEvent } from '../../../../core/contract/lab-contract.ts';
import { lab } from '../lab-client.ts';
import type { DatasetSummary } from '../types.ts';

export interface ImportProgress {
  phase: 'upload' | 'scan' | 'encode';
  fraction: number;
}

export type ImportOptions = Omit<LabArgs<'importDataset'>, 'paths' | 'uploads'>;

/**
 * The core names an uploaded file by its place on the server
 * (<dataDir>/uploads/<id>/name.txt); the user knows it as name.txt.
 */
function withoutUploadDirs(message: string): string {
  return message
    .split('; ')
    .map((part) => part.replace(/^.*?[\\/]uploads[\\/][a-f0-9]{16,64}[\\/]/, ''))
    .join('; ');
}

class DatasetsStore {
  list = $state<DatasetSummary[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  importing = $state(false);
  progress = $state<ImportProgress | null>(null);

  async refresh(): Promise<void> {
    try {
      this.list = await lab.request('listDatasets', {});
      this.loaded = true;
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  /**
   * Imports files picked or dropped in the page: Electron passes their local
   * paths, the browser uploads their bytes first.
   */
  async importFiles(files: File[], opts: ImportOptions): Promise<DatasetSummary> {
    const paths = files.map((f) => lab.pathForFile(f));
    if (paths.every((p): p is string => p !== undefined)) return this.importPaths(paths, opts);
    const total = files.reduce((s, f) => s + f.size, 0) || 1;
    return this.run(async () => {
      const uploads: string[] = [];
      let done = 0;
      try {
        for (const f of files) {
          uploads.push(await lab.upload(f, (fr) => (this.progress = { phase: 'upload', fraction: (done + fr * f.size) / total })));
          done += f.size;
        }
        return await lab.request('importDataset', { ...opts, uploads });
      } catch (e) {
        throw new Error(withoutUploadDirs((e as Error).message), { cause: e });
      }
    });
  }

  importPaths(paths: string[], opts: ImportOptions): Promise<DatasetSummary> {
    return this.run(() => lab.request('importDataset', { ...opts, paths }));
  }

  /** Stores a synthetic task (adding problem or copy memory); nothing is generated until a run reads it. */
  createSynthetic(args: LabArgs<'createSyntheticDataset'>): Promise<DatasetSummary> {
    return this.run(() => lab.request('createSyntheticDataset', args));
  }

  useBuiltin(name: string): Promise<DatasetSummary> {
    return this.run(() => lab.request('ensureBuiltin', { name }));
  }

  async remove(id: number): Promise<void> {
    await lab.request('deleteDataset', { id });
    this.list = this.list.filter((d) => d.id !== id);
  }

  apply(e: LabEvent): void {
    if (e.type === 'dataset.importProgress' && this.importing)
      this.progress = { phase: e.phase, fraction: e.bytesTotal > 0 ? e.bytesDone / e.bytesTotal : 1 };
  }

  private async run(work: () => Promise<DatasetSummary>): Promise<DatasetSummary> {
    this.importing = true;
    this.progress = null;
    try {
      const d = await work();
      const i = this.list.findIndex((x) => x.id === d.id);
      if (i >= 0) this.list[i] = d;
      else this.list = [...this.list, d];
      return d;
    } finally {
      this.importing = false;
      this.progress = null;
    }
  }
}

export const datasets = new DatasetsStore();
