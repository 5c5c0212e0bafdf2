// Seeded byte mutations for the parser fuzz: bit flips, truncations, inserted,
// deleted and duplicated bytes, "interesting" byte values, and corrupted
// chunk-size fields (the offsets of a format's size fields are given by the caller).
import { Rng } from '../../core/ml/rng.ts';

/** A size field of the valid file: where it is and how it is stored. */
export interface SizeField {
  offset: number;
  littleEndian: boolean;
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

function readU32(b: Uint8Array, f: SizeField): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(f.offset, f.littleEndian);
}

function writeU32(b: Uint8Array, f: SizeField, v: number): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(f.offset, v >>> 0, f.littleEndian);
}

const splice = (b: Uint8Array, at: number, remove: number, insert: Uint8Array = new Uint8Array(0)): Uint8Array => {
  const out = new Uint8Array(b.length - remove + insert.length);
  out.set(b.subarray(0, at), 0);
  out.set(insert, at);
  out.set(b.subarray(at + remove), at + insert.length);
  return out;
};

export type MutationKind = 'flip' | 'truncate' | 'insert' | 'delete' | 'duplicate' | 'interesting' | 'size';

/** One mutation of `b` (a copy): returns the bytes and what was done. */
export function mutateOnce(rng: Rng, b: Uint8Array, sizes: readonly SizeField[]): { bytes: Uint8Array; kind: MutationKind } {
  const kinds: MutationKind[] = ['flip', 'truncate', 'insert', 'delete', 'duplicate', 'interesting'];
  const usable = sizes.filter((f) => f.offset + 4 <= b.length);
  if (usable.length > 0) kinds.push('size', 'size'); // the structural mutation is the one the parsers must survive most
  const kind = b.length === 0 ? 'insert' : kinds[rng.int(kinds.length)]!;
  // A copy as a plain Uint8Array: Buffer#slice would share memory and let mutations corrupt the seed.
  const out = new Uint8Array(b);
  switch (kind) {
    case 'flip': {
      for (let k = 1 + rng.int(4); k > 0; k--) out[rng.int(out.length)]! ^= 1 << rng.int(8);
      return { bytes: out, kind };
    }
    case 'truncate':
      return { bytes: out.slice(0, rng.int(out.length)), kind };
    case 'insert': {
      const ins = new Uint8Array(1 + rng.int(16)).map(() => rng.int(256));
      return { bytes: splice(out, rng.int(out.length + 1), 0, ins), kind };
    }
    case 'delete': {
      const at = rng.int(out.length);
      return { bytes: splice(out, at, 1 + rng.int(Math.min(16, out.length - at))), kind };
    }
    case 'duplicate': {
      const from = rng.int(out.length);
      const len = 1 + rng.int(Math.min(64, out.length - from));
      return { bytes: splice(out, rng.int(out.length + 1), 0, out.slice(from, from + len)), kind };
    }
    case 'interesting': {
      out[rng.int(out.length)] = INTERESTING_BYTES[rng.int(INTERESTING_BYTES.length)]!;
      return { bytes: out, kind };
    }
    case 'size': {
      const f = usable[rng.int(usable.length)]!;
      const was = readU32(out, f);
      const choices = [0, 1, was - 1, was + 1, was * 2, Math.floor(was / 2), 0x7fffffff, 0xffffffff, 0x80000000, rng.int(1 << 30)];
      writeU32(out, f, choices[rng.int(choices.length)]!);
      return { bytes: out, kind };
    }
  }
}

/** One to three mutations in a row. */
export function mutate(rng: Rng, b: Uint8Array, sizes: readonly SizeField[] = []): { bytes: Uint8Array; kinds: MutationKind[] } {
  let bytes = b;
  const kinds: MutationKind[] = [];
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const m = mutateOnce(rng, bytes, sizes);
    bytes = m.bytes;
    kinds.push(m.kind);
  }
  return { bytes, kinds };
}

/** Size fields of a RIFF file: the RIFF size and every chunk's size (little-endian). */
export function riffSizeFields(b: Uint8Array): SizeField[] {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: SizeField[] = [{ offset: 4, littleEndian: true }];
  for (let at = 12; at + 8 <= b.length;) {
    out.push({ offset: at + 4, littleEndian: true });
    const size = view.getUint32(at + 4, true);
    at += 8 + size + (size & 1);
  }
  return out;
}

/** Size fields of a Standard MIDI File: the header length and every chunk's length (big-endian). */
export function midiSizeFields(b: Uint8Array): SizeField[] {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: SizeField[] = [];
  for (let at = 0; at + 8 <= b.length; at += 8 + view.getUint32(at + 4)) out.push({ offset: at + 4, littleEndian: false });
  return out;
}
