// Streams the regular files of one folder as a .zip (stored entries, no
// compression: the weights do not compress and stored entries need no
// deflate state) with bounded memory: each file is read twice, once for its
// CRC-32 and once into the response, in the stream's own chunks; only the
// central directory (one small record per file) is held. ZIP64 is not
// written, so a file or a total of 4 GiB or more is refused before any byte
// is sent.
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { crc32Update } from '../ml/music/crc32.ts';

const LIMIT = 0xffffffff;

interface Entry {
  name: Buffer;
  file: string;
  size: number;
  crc: number;
  offset: number;
}

/** CRC-32 of a file, read in the stream's chunks. */
function crcOfFile(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let crc = 0;
    fs.createReadStream(file)
      .on('data', (chunk) => (crc = crc32Update(crc, chunk as Buffer)))
      .on('end', () => resolve(crc))
      .on('error', reject);
  });
}

/** The folder's regular files (top level, sorted), each under 4 GiB. Throws naming the file otherwise. */
export function zipEntries(folder: string): { name: string; file: string; size: number }[] {
  const out = fs
    .readdirSync(folder, { withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => ({ name: d.name, file: path.join(folder, d.name), size: fs.statSync(path.join(folder, d.name)).size }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of out)
    if (e.size >= LIMIT) throw new Error(`zip: ${e.name} is 4 GiB or more (ZIP64 is not written); copy the folder instead`);
  // Checked here, before the response starts, so the client gets the refusal and not a cut-off download.
  if (localBytes(out) >= LIMIT) throw new Error('zip: the folder is 4 GiB or more (ZIP64 is not written); copy the folder instead');
  return out;
}

/** Bytes of the local headers and data of `entries` (offsets past 4 GiB need ZIP64). */
function localBytes(entries: { name: string; size: number }[]): number {
  return entries.reduce((n, e) => n + 30 + Buffer.byteLength(e.name) + e.size, 0);
}

function localHeader(e: Entry): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4); // version needed: 2.0
  h.writeUInt16LE(0x0800, 6); // UTF-8 names
  h.writeUInt16LE(0, 8); // stored
  h.writeUInt32LE(0, 10); // time, date: 0 (the files' own times are not recorded)
  h.writeUInt32LE(e.crc, 14);
  h.writeUInt32LE(e.size, 18);
  h.writeUInt32LE(e.size, 22);
  h.writeUInt16LE(e.name.length, 26);
  h.writeUInt16LE(0, 28);
  return Buffer.concat([h, e.name]);
}

function centralRecord(e: Entry): Buffer {
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
  h.writeUInt16LE(20, 6);
  h.writeUInt16LE(0x0800, 8);
  h.writeUInt16LE(0, 10);
  h.writeUInt32LE(0, 12);
  h.writeUInt32LE(e.crc, 16);
  h.writeUInt32LE(e.size, 20);
  h.writeUInt32LE(e.size, 24);
  h.writeUInt16LE(e.name.length, 28);
  h.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular file, rw-r--r--
  h.writeUInt32LE(e.offset, 42);
  return Buffer.concat([h, e.name]);
}

function endRecord(count: number, size: number, offset: number): Buffer {
  const h = Buffer.alloc(22);
  h.writeUInt32LE(0x06054b50, 0);
  h.writeUInt16LE(count, 8);
  h.writeUInt16LE(count, 10);
  h.writeUInt32LE(size, 12);
  h.writeUInt32LE(offset, 16);
  return h;
}

/** Waits for `out` to take `chunk` (respecting backpressure). */
async function put(out: Writable, chunk: Buffer): Promise<void> {
  if (!out.write(chunk))
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        out.off('error', fail);
        resolve();
      };
      const fail = (e: Error) => {
        out.off('drain', done);
        reject(e);
      };
      out.once('drain', done).once('error', fail);
    });
}

/**
 * Writes `entries` (from zipEntries) to `out` as one .zip. Sizes are checked
 * against the CRC pass, so a file that changes while it is sent fails the stream.
 */
export async function writeZip(out: Writable, entries: { name: string; file: string; size: number }[]): Promise<void> {
  if (localBytes(entries) >= LIMIT) throw new Error('zip: the folder is 4 GiB or more (ZIP64 is not written); copy the folder instead');
  const written: Entry[] = [];
  let offset = 0;
  for (const e of entries) {
    const entry: Entry = { name: Buffer.from(e.name, 'utf8'), file: e.file, size: e.size, crc: await crcOfFile(e.file), offset };
    const header = localHeader(entry);
    await put(out, header);
    let sent = 0;
    for await (const chunk of fs.createReadStream(e.file)) {
      sent += (chunk as Buffer).length;
      await put(out, chunk as Buffer);
    }
    if (sent !== e.size) throw new Error(`zip: ${e.name} changed while it was sent`);
    offset += header.length + e.size;
    written.push(entry);
  }
  const central = Buffer.concat(written.map(centralRecord));
  await put(out, central);
  await put(out, endRecord(written.length, central.length, offset));
}
