// Writes an export folder so that nothing half-written is ever visible:
// files go to a hidden sibling folder, are fsynced, and the folder is renamed
// into place at the end. An existing non-empty target is refused.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * @param files relative file name -> contents
 * @returns sha256 over the files (name and bytes, in name order)
 */
export function writeFolderAtomically(outDir: string, files: Record<string, Uint8Array | string>): string {
  const target = path.resolve(outDir);
  if (fs.existsSync(target) && (!fs.statSync(target).isDirectory() || fs.readdirSync(target).length > 0)) {
    throw new Error(`--out: ${target} already exists and is not an empty folder`);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.partial-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  const hash = createHash('sha256');
  try {
    for (const name of Object.keys(files).sort()) {
      const data = files[name]!;
      const fd = fs.openSync(path.join(tmp, name), 'w');
      try {
        fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      hash.update(name).update(typeof data === 'string' ? Buffer.from(data) : data);
    }
    if (fs.existsSync(target)) fs.rmdirSync(target); // empty, checked above
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return hash.digest('hex');
}
