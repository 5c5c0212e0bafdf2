// Tests for core/data/token-file.ts: in-memory and positional (windowed) reads give the same
// tokens; out-of-range reads and odd-sized files are refused.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openTokenFile } from '../../core/data/token-file.ts';

const dirs: string[] = [];
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Writes ids as little-endian uint16, the importer's format. */
function writeTokens(ids: number[]): string {
  const p = path.join(tmp(), 'tokens.u16');
  const b = Buffer.alloc(ids.length * 2);
  ids.forEach((id, i) => b.writeUInt16LE(id, i * 2));
  fs.writeFileSync(p, b);
  return p;
}

describe('openTokenFile', () => {
  const ids = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 65535);
  const file = writeTokens(ids);

  it.each([
    ['in memory', undefined, true],
    ['positional', 1024, false],
  ])('reads windows %s', (_mode, limit, inMemory) => {
    const f = openTokenFile(file, limit === undefined ? {} : { inMemoryMaxBytes: limit });
    expect(f.inMemory).toBe(inMemory);
    expect(f.length).toBe(ids.length);
    expect([...f.read(0, f.length)]).toEqual(ids);
    for (const [start, count] of [
      [0, 1],
      [17, 100],
      [4999, 1],
      [2500, 2500],
      [123, 0],
    ] as const) {
      const w = f.read(start, count);
      expect(w).toBeInstanceOf(Int32Array);
      expect([...w]).toEqual(ids.slice(start, start + count));
    }
    expect(() => f.read(4990, 11)).toThrow(RangeError);
    expect(() => f.read(4990, 11)).toThrow('token range [4990, 5001) is outside [0, 5000)');
    expect(() => f.read(-1, 2)).toThrow(RangeError);
    expect(() => f.read(1.5, 2)).toThrow(RangeError);
    f.close();
    expect(() => f.read(0, 1)).toThrow(/closed/);
    f.close(); // twice is fine
  });

  it('keeps the full id range 0..65535', () => {
    const f = openTokenFile(writeTokens([0, 1, 65534, 65535]), { inMemoryMaxBytes: 2 });
    expect([...f.read(0, 4)]).toEqual([0, 1, 65534, 65535]);
    f.close();
  });

  it('refuses a file with an odd number of bytes', () => {
    const p = path.join(tmp(), 'odd.u16');
    fs.writeFileSync(p, Buffer.from([1, 2, 3]));
    expect(() => openTokenFile(p)).toThrow(/odd/);
  });
});
