// Reads a token file (little-endian uint16 ids, as written by text-import.ts) as a TokenSource:
// small files are loaded once, big ones are read in windows at byte offsets. Read-only.
import fs from 'node:fs';
import type { TokenSource } from '../ml/data/dataset-types.ts';

/** Files up to this size are loaded into memory; larger ones are read per window. */
export const IN_MEMORY_MAX_BYTES = 64 * 1024 * 1024;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A token file opened for reading; `inMemory` tells which mode was chosen. */
export type TokenFile = TokenSource & { readonly inMemory: boolean; close(): void };

function toInt32(u16: Uint16Array): Int32Array {
  const out = new Int32Array(u16.length);
  if (LITTLE_ENDIAN) out.set(u16);
  else for (let i = 0; i < u16.length; i++) out[i] = ((u16[i]! & 0xff) << 8) | (u16[i]! >> 8);
  return out;
}

/** Fills `view` from `fd` at byte `position`, looping over short reads. */
function readFully(fd: number, view: Uint16Array, position: number, filePath: string): void {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let got = 0;
  while (got < bytes.length) {
    const n = fs.readSync(fd, bytes, got, bytes.length - got, position + got);
    if (n === 0) throw new Error(`${filePath}: unexpected end of file at byte ${position + got}`);
    got += n;
  }
}

/**
 * Opens a token file. `read(start, count)` returns ids [start, start + count) as an Int32Array;
 * a range outside [0, length) throws a RangeError naming it.
 * @param opts.inMemoryMaxBytes size up to which the file is loaded whole (default 64 MiB).
 */
export function openTokenFile(filePath: string, opts: { inMemoryMaxBytes?: number } = {}): TokenFile {
  const limit = opts.inMemoryMaxBytes ?? IN_MEMORY_MAX_BYTES;
  const fd = fs.openSync(filePath, 'r');
  let closed = false;
  let data: Uint16Array | null = null;
  let length = 0;
  try {
    const size = fs.fstatSync(fd).size;
    if (size % 2 !== 0) throw new Error(`${filePath}: token file size ${size} is odd, so it is not uint16 tokens`);
    length = size / 2;
    if (size <= limit) {
      data = new Uint16Array(length);
      readFully(fd, data, 0, filePath);
      fs.closeSync(fd);
      closed = true;
    }
  } catch (e) {
    if (!closed) fs.closeSync(fd);
    throw e;
  }
  const inMemory = data !== null;
  let open = true;

  return {
    length,
    inMemory,
    read(start: number, count: number): Int32Array {
      if (!open) throw new Error(`${filePath}: token file is closed`);
      if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > length) {
        throw new RangeError(`token range [${start}, ${start + count}) is outside [0, ${length}) of ${filePath}`);
      }
      if (data) return toInt32(data.subarray(start, start + count));
      const window = new Uint16Array(count);
      readFully(fd, window, start * 2, filePath);
      return toInt32(window);
    },
    close(): void {
      if (!open) return;
      open = false;
      data = null;
      if (!inMemory) fs.closeSync(fd);
    },
  };
}
