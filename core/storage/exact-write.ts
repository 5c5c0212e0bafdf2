// Exact writes for every file the project puts on disk (exports, token files,
// roll files, uploads): all bytes written (a short write is continued, a write
// that makes no progress is an error), the length checked, the file fsynced,
// renamed into place, and its folder fsynced so the rename survives a power
// cut. On any failure (ENOSPC, EIO, a short file) the temporary file is
// removed: nothing appears at the target.
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** `fs.writeSync`'s buffer form; injectable so tests can produce short writes. */
export type WriteSyncFn = (fd: number, buffer: Uint8Array, offset: number, length: number) => number;

const nodeWriteSync: WriteSyncFn = (fd, buffer, offset, length) => fs.writeSync(fd, buffer, offset, length);

/** An error that names the file and says how far the write got. */
function writeError(file: string, done: number, total: number, cause?: unknown): Error {
  const why = cause instanceof Error ? `: ${cause.message}` : '';
  const err = new Error(`could not write ${file}: ${done.toLocaleString('en')} of ${total.toLocaleString('en')} bytes written${why}`, {
    cause,
  });
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code) (err as NodeJS.ErrnoException).code = code;
  return err;
}

/** Writes every byte of `bytes` at the fd's position; a write that makes no progress is an error. */
export function writeAllSync(fd: number, bytes: Uint8Array, file: string, write: WriteSyncFn = nodeWriteSync): void {
  let done = 0;
  while (done < bytes.length) {
    let n: number;
    try {
      n = write(fd, bytes, done, bytes.length - done);
    } catch (e) {
      throw writeError(file, done, bytes.length, e);
    }
    if (!(n > 0))
      throw writeError(file, done, bytes.length, Object.assign(new Error('the write made no progress (disk full?)'), { code: 'ENOSPC' }));
    done += n;
  }
}

/** Async form of {@link writeAllSync} for a FileHandle (its `write` may also write short). */
export async function writeAll(fh: FileHandle, bytes: Uint8Array, file: string): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    let n: number;
    try {
      ({ bytesWritten: n } = await fh.write(bytes, done, bytes.length - done));
    } catch (e) {
      throw writeError(file, done, bytes.length, e);
    }
    if (!(n > 0))
      throw writeError(file, done, bytes.length, Object.assign(new Error('the write made no progress (disk full?)'), { code: 'ENOSPC' }));
    done += n;
  }
}

/** Fails unless the open file holds exactly `expected` bytes. */
export function checkLengthSync(fd: number, expected: number, file: string): void {
  const size = fs.fstatSync(fd).size;
  if (size !== expected)
    throw new Error(`could not write ${file}: it holds ${size.toLocaleString('en')} bytes, ${expected.toLocaleString('en')} expected`);
}

/**
 * fsyncs a folder, so a rename or a new entry in it is durable. Windows cannot
 * open a folder for fsync (EPERM/EISDIR): there NTFS journals the metadata anyway.
 */
export function fsyncDirSync(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch (e) {
    if (process.platform === 'win32') return;
    throw e;
  }
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw e;
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `bytes` to an already created, empty file `file` and fsyncs it; the length is checked. */
export function writeNewFileSync(file: string, bytes: Uint8Array, write: WriteSyncFn = nodeWriteSync): void {
  const fd = fs.openSync(file, 'wx');
  try {
    writeAllSync(fd, bytes, file, write);
    fs.fsyncSync(fd);
    checkLengthSync(fd, bytes.length, file);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `file` exactly: to `file.tmp-<pid>`, all bytes, fsynced, length
 * checked, renamed onto `file`, folder fsynced. On failure nothing is left at
 * either path (an existing `file` is untouched).
 */
export function writeFileExactlySync(file: string, bytes: Uint8Array, write: WriteSyncFn = nodeWriteSync): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.rmSync(tmp, { force: true });
    writeNewFileSync(tmp, bytes, write);
    fs.renameSync(tmp, file);
    fsyncDirSync(path.dirname(file));
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Async form of {@link writeFileExactlySync}. */
export async function writeFileExactly(file: string, bytes: Uint8Array): Promise<void> {
  const fsp = fs.promises;
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await fsp.rm(tmp, { force: true });
    const fh = await fsp.open(tmp, 'wx');
    try {
      await writeAll(fh, bytes, tmp);
      await fh.sync();
      const { size } = await fh.stat();
      if (size !== bytes.length) throw new Error(`could not write ${tmp}: it holds ${size} bytes, ${bytes.length} expected`);
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, file);
    fsyncDirSync(path.dirname(file));
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}
