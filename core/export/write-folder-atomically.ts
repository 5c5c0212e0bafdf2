// Writes an export folder so that nothing half-written is ever visible: files
// go to a hidden sibling folder, each written exactly (every byte, length
// checked, fsynced; see core/storage/exact-write.ts), the folder is fsynced and
// renamed into place, and the parent fsynced. A short write or ENOSPC removes
// the partial folder and throws: nothing at the target, nothing to record. An
// existing non-empty target is refused.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDirSync, writeNewFileSync, type WriteSyncFn } from '../storage/exact-write.ts';
import { markLive, releaseLive } from '../storage/live-marker.ts';

/** Prefix of the hidden sibling an export is written into; a leftover one is an orphan (doctor reclaims it). */
export const PARTIAL_EXPORT_MARK = '.partial-';

/**
 * @param files relative file name -> contents
 * @param write injectable `fs.writeSync` (tests produce short writes with it)
 * @returns sha256 over the files (name and bytes, in name order)
 */
export function writeFolderAtomically(outDir: string, files: Record<string, Uint8Array | string>, write?: WriteSyncFn): string {
  const target = path.resolve(outDir);
  if (fs.existsSync(target) && (!fs.statSync(target).isDirectory() || fs.readdirSync(target).length > 0)) {
    throw new Error(`--out: ${target} already exists and is not an empty folder`);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}${PARTIAL_EXPORT_MARK}${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  const hash = createHash('sha256');
  try {
    // While it is written, the partial folder names its live writer (reclaiming orphans skips it).
    markLive(tmp);
    for (const name of Object.keys(files).sort()) {
      const data = files[name]!;
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      writeNewFileSync(path.join(tmp, name), bytes, write);
      hash.update(name).update(bytes);
    }
    releaseLive(tmp); // not part of the export
    fsyncDirSync(tmp);
    if (fs.existsSync(target)) fs.rmdirSync(target); // empty, checked above
    fs.renameSync(tmp, target);
    fsyncDirSync(path.dirname(target));
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return hash.digest('hex');
}
