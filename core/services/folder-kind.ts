// What kind of dataset a set of paths is: decided by the majority of the files
// it recognises (by the extensions of core/contract/kinds.ts),
// so one unrelated file (a manifest.json among WAVs, a README.txt among MIDI
// files) does not send a folder to the wrong importer. Hidden files do not count.
import fs from 'node:fs';
import path from 'node:path';
import { datasetKindOfFile, type FileDatasetKind } from '../contract/kinds.ts';

export type FolderKind = FileDatasetKind;

/** Visible files under `paths` (a file given directly counts as itself). */
function visibleFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    if (fs.statSync(p).isDirectory()) {
      for (const f of fs.readdirSync(p, { recursive: true }) as string[]) if (!fs.statSync(path.join(p, f)).isDirectory()) files.push(f);
    } else files.push(p);
  }
  // A name's leading dot only counts in its last segment (.DS_Store and the like).
  return files.filter((f) => !path.basename(f).startsWith('.'));
}

/** The kind most recognised files have, or null with no clear majority (the text importer then explains). */
export function majorityKind(paths: string[]): FolderKind | null {
  const counts: Record<FolderKind, number> = { text: 0, music: 0, audio: 0 };
  for (const f of visibleFiles(paths)) {
    const k = datasetKindOfFile(f);
    if (k) counts[k]++;
  }
  const ranked = (Object.entries(counts) as [FolderKind, number][]).sort((a, b) => b[1] - a[1]);
  return ranked[0]![1] > 0 && ranked[0]![1] > ranked[1]![1] ? ranked[0]![0] : null;
}
