// Space left behind by work that died halfway: dataset folders of imports that
// never reached the history, hidden `.partial-*` export folders, and browser
// uploads that no import consumed. Removed when the history opens, once they
// are older than a grace period (work still in progress elsewhere keeps
// touching its files, so its newest time stays recent), unless a live process
// says it is still writing them (live-marker.ts).
import fs from 'node:fs';
import path from 'node:path';
import { heldByLiveProcess } from './live-marker.ts';

/** What an open reclaimed. */
export interface ReclaimReport {
  /** Each removed folder, with its kind and size. */
  removed: { path: string; kind: 'import' | 'export' | 'upload'; bytes: number }[];
  /** Their total size. */
  bytes: number;
  /** Folders that could not be removed, with the cause. */
  failed: { path: string; error: string }[];
}

export interface ReclaimOptions {
  /** Folders the history owns: each dataset's folder (the folder of its token file). */
  datasetFolders: Iterable<string>;
  /** Folders whose `.partial-*` children are orphaned exports: `<dataDir>/exports` and the parents of recorded exports. */
  exportParents: Iterable<string>;
  /** Only entries untouched for this long are removed (default one hour). */
  graceMs?: number;
  /** Clock, for tests. */
  now?: number;
}

/** Default grace period: longer than any import or export writes without touching its files. */
export const RECLAIM_GRACE_MS = 60 * 60 * 1000;

/** Marker of an export being written (see core/export/write-folder-atomically.ts). */
const PARTIAL_EXPORT = /^\..+\.partial-\d+$/;

/** Size and newest modification time of a tree (lstat: links are not followed). */
function measure(p: string): { bytes: number; newest: number } {
  const st = fs.lstatSync(p);
  let bytes = st.isFile() ? st.size : 0;
  let newest = st.mtimeMs;
  if (st.isDirectory()) {
    for (const name of fs.readdirSync(p)) {
      const sub = measure(path.join(p, name));
      bytes += sub.bytes;
      newest = Math.max(newest, sub.newest);
    }
  }
  return { bytes, newest };
}

function children(dir: string): string[] {
  try {
    return fs.readdirSync(dir).map((n) => path.join(dir, n));
  } catch {
    return []; // absent folder: nothing to reclaim
  }
}

/** Removes orphaned import folders, partial exports and stale uploads under `dataDir`. */
export function reclaimOrphans(dataDir: string, opts: ReclaimOptions): ReclaimReport {
  const grace = opts.graceMs ?? RECLAIM_GRACE_MS;
  const now = opts.now ?? Date.now();
  // By folder name (`<slug>-<random>`), not by full path: a data folder that was moved keeps its datasets.
  const owned = new Set([...opts.datasetFolders].map((d) => path.basename(d)));
  const candidates: { path: string; kind: 'import' | 'export' | 'upload' }[] = [
    ...children(path.join(dataDir, 'datasets'))
      .filter((p) => !owned.has(path.basename(p)))
      .map((p) => ({ path: p, kind: 'import' as const })),
    ...[...new Set([...opts.exportParents].map((p) => path.resolve(p)))].flatMap((parent) =>
      children(parent)
        .filter((p) => PARTIAL_EXPORT.test(path.basename(p)))
        .map((p) => ({ path: p, kind: 'export' as const })),
    ),
    // An upload is consumed (deleted) by its import; one still here after the grace period was never imported.
    ...children(path.join(dataDir, 'uploads')).map((p) => ({ path: p, kind: 'upload' as const })),
  ];
  const report: ReclaimReport = { removed: [], bytes: 0, failed: [] };
  for (const c of candidates) {
    try {
      // A slow import or export may go longer than the grace period without touching its files.
      if (heldByLiveProcess(c.path)) continue;
      const { bytes, newest } = measure(c.path);
      if (now - newest < grace) continue;
      fs.rmSync(c.path, { recursive: true, force: true });
      report.removed.push({ ...c, bytes });
      report.bytes += bytes;
    } catch (e) {
      report.failed.push({ path: c.path, error: (e as Error).message });
    }
  }
  return report;
}
