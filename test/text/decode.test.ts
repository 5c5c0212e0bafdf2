// Tests for core/ml/text/decode.ts: BOMs, UTF-16, binary/empty refusal, exact offsets of bad
// UTF-8, encoding hints, and streaming (1-byte and random chunks) against whole-buffer decoding.
import { describe, it, expect } from 'vitest';
import iconv from 'iconv-lite';
import { decodeText, StreamingTextDecoder, TextImportError } from '../../core/ml/text/decode.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const cat = (...parts: (Uint8Array | number[])[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const utf16 = (s: string, be: boolean): Uint8Array => {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 * i + (be ? 0 : 1)] = c >> 8;
    out[2 * i + (be ? 1 : 0)] = c & 0xff;
  }
  return out;
};

/** Outcome of decoding: the text, or the error message. */
function outcome(fn: () => string): { text?: string; error?: string } {
  try {
    return { text: fn() };
  } catch (e) {
    expect(e).toBeInstanceOf(TextImportError);
    return { error: (e as Error).message };
  }
}
function streamed(bytes: Uint8Array, sizes: () => number, opts = {}): { text?: string; error?: string } {
  return outcome(() => {
    const d = new StreamingTextDecoder('f.txt', opts);
    let text = '';
    for (let i = 0; i < bytes.length;) {
      const n = Math.max(1, sizes());
      text += d.push(bytes.slice(i, i + n));
      i += n;
    }
    return text + d.end();
  });
}

/** Independent reference: the bad lead byte is where the longest strictly valid prefix ends. */
function referenceBadOffset(b: Uint8Array): number {
  const fatal = new TextDecoder('utf-8', { fatal: true });
  for (let L = b.length; L >= 0; L--) {
    try {
      fatal.decode(b.subarray(0, L));
      return L === b.length ? -1 : L;
    } catch {
      /* shorter */
    }
  }
  return 0;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function randomText(rand: () => number, n: number): string {
  const ranges = [
    [0x20, 0x7e],
    [0x0a, 0x0a],
    [0xa0, 0x7ff],
    [0x800, 0xd7ff],
    [0xe000, 0xfffd],
    [0x10000, 0x10ffff],
  ] as const;
  let s = 'a';
  for (let i = 0; i < n; i++) {
    const [lo, hi] = ranges[Math.floor(rand() * ranges.length)]!;
    s += String.fromCodePoint(lo + Math.floor(rand() * (hi - lo + 1)));
  }
  return s;
}

describe('decodeText', () => {
  const text = 'héllo wörld 😀\nzweite Zeile\n';

  it('decodes UTF-8, UTF-8 with BOM and UTF-16 LE/BE with BOM to the same text', () => {
    expect(decodeText(utf8(text), 'a.txt')).toEqual({ text, encoding: 'utf-8' });
    expect(decodeText(cat([0xef, 0xbb, 0xbf], utf8(text)), 'a.txt')).toEqual({ text, encoding: 'utf-8' });
    expect(decodeText(cat([0xff, 0xfe], utf16(text, false)), 'a.txt')).toEqual({ text, encoding: 'utf-16le' });
    expect(decodeText(cat([0xfe, 0xff], utf16(text, true)), 'a.txt')).toEqual({ text, encoding: 'utf-16be' });
  });

  it('keeps a U+FEFF that is not at the start', () => {
    expect(decodeText(utf8('a\uFEFFb'), 'a.txt').text).toBe('a\uFEFFb');
  });

  it('refuses a NUL byte in the first 8000 bytes as binary, with its offset', () => {
    const b = cat(utf8('x'.repeat(123)), [0], utf8('rest'));
    expect(() => decodeText(b, 'notes.bin')).toThrow('notes.bin: binary file (NUL byte at offset 123)');
    // binary wins over an earlier bad UTF-8 byte, as with a PNG header
    expect(() => decodeText(cat([0x89, 0x50, 0x4e, 0x47, 0, 0]), 'p.png')).toThrow('binary file (NUL byte at offset 4)');
    const wide = cat([0xff, 0xfe], utf16('ab\0c', false));
    expect(() => decodeText(wide, 'w.txt')).toThrow('w.txt: binary file (NUL character at offset 6)');
  });

  it('accepts a NUL after the first 8000 bytes, as git does', () => {
    const b = cat(utf8('y'.repeat(8000)), [0]);
    expect(decodeText(b, 'late.txt').text).toBe('y'.repeat(8000) + '\0');
  });

  it('refuses empty files, also a BOM alone', () => {
    for (const b of [new Uint8Array(0), new Uint8Array([0xef, 0xbb, 0xbf]), new Uint8Array([0xff, 0xfe]), new Uint8Array([0xfe, 0xff])]) {
      expect(() => decodeText(b, 'empty.txt')).toThrow('empty.txt: empty file');
    }
  });

  it.each([
    ['stray continuation', [0x80], 0x80],
    ['overlong 2-byte', [0xc0, 0x80], 0xc0],
    ['overlong 2-byte C1', [0xc1, 0xbf], 0xc1],
    ['overlong 3-byte', [0xe0, 0x80, 0x80], 0xe0],
    ['overlong 4-byte', [0xf0, 0x8f, 0xbf, 0xbf], 0xf0],
    ['surrogate', [0xed, 0xa0, 0x80], 0xed],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0xf4],
    ['F5 lead', [0xf5, 0x80, 0x80, 0x80], 0xf5],
    ['truncated then ASCII', [0xe2, 0x82, 0x41], 0xe2],
    ['truncated at end', [0xf0, 0x9f, 0x98], 0xf0],
  ])('reports the exact offset of %s', (_name, bad, byte) => {
    const b = cat(utf8('ok ✓ '.repeat(900)), bad, utf8(bad.length < 3 || bad[2] === 0x41 ? 'tail' : ''));
    const off = utf8('ok ✓ '.repeat(900)).length;
    expect(referenceBadOffset(b)).toBe(off);
    expect(() => decodeText(b, 'bad.txt')).toThrow(`bad.txt: invalid UTF-8 at byte ${off} (0x${byte.toString(16).toUpperCase()})`);
    try {
      decodeText(b, 'bad.txt');
    } catch (e) {
      expect((e as TextImportError).offset).toBe(off);
    }
  });

  it('refuses unpaired UTF-16 surrogates and odd lengths', () => {
    expect(() => decodeText(cat([0xff, 0xfe], utf16('ab\uDC00', false)), 'u.txt')).toThrow(
      'u.txt: invalid UTF-16 at byte 6 (unpaired surrogate 0xDC00)',
    );
    expect(() => decodeText(cat([0xfe, 0xff], utf16('ab\uD800x', true)), 'u.txt')).toThrow(
      'invalid UTF-16 at byte 6 (unpaired surrogate 0xD800)',
    );
    expect(() => decodeText(cat([0xff, 0xfe], utf16('ab', false), [0x41]), 'u.txt')).toThrow(
      'invalid UTF-16 at byte 6 (odd number of bytes)',
    );
  });

  it('refuses windows-1252 with the offset and an encoding hint, then accepts it when told', () => {
    const s = 'He said “that’s fine” and left — it wasn’t the first time. The café was closed.\n'.repeat(40);
    const b = new Uint8Array(iconv.encode(s, 'windows-1252'));
    const off = 'He said '.length;
    expect(() => decodeText(b, 'bad.txt')).toThrow(
      new RegExp(
        `^bad\\.txt: invalid UTF-8 at byte ${off} \\(0x93\\); it looks like windows-1252 \\(confidence \\d+%\\), import again with --encoding windows-1252$`,
      ),
    );
    expect(decodeText(b, 'bad.txt', { encoding: 'windows-1252' })).toEqual({ text: s, encoding: 'windows-1252' });
  });

  it('decodes a forced encoding but still refuses NUL bytes, and names an unknown encoding', () => {
    expect(decodeText(new Uint8Array(iconv.encode('Grüße', 'latin1')), 'l.txt', { encoding: 'latin1' }).text).toBe('Grüße');
    expect(() => decodeText(new Uint8Array([0x41, 0, 0x42]), 'n.txt', { encoding: 'latin1' })).toThrow(
      'n.txt: binary file (NUL byte at offset 1)',
    );
    expect(() => decodeText(utf8('abc'), 'x.txt', { encoding: 'klingon-8' })).toThrow('x.txt: unknown encoding "klingon-8"');
    expect(decodeText(cat([0xef, 0xbb, 0xbf], utf8('abc')), 'x.txt', { encoding: 'UTF-8' }).text).toBe('abc');
    expect(decodeText(utf16('hé', false), 'x.txt', { encoding: 'utf-16le' }).text).toBe('hé');
  });
});

describe('StreamingTextDecoder', () => {
  it('matches whole-buffer decoding for random valid and corrupted inputs, 1-byte and random chunks', () => {
    const rand = rng(42);
    const tally = { valid: 0, invalid: 0, binary: 0 };
    for (let trial = 0; trial < 400; trial++) {
      const b = utf8(randomText(rand, 1 + Math.floor(rand() * 60)));
      let bytes = b;
      const kind = trial % 5;
      if (kind === 1) bytes[1 + Math.floor(rand() * (b.length - 1))] = 0x80 + Math.floor(rand() * 0x80);
      else if (kind === 2) bytes = cat(b.subarray(0, Math.max(1, b.length - 1 - Math.floor(rand() * 3))));
      else if (kind === 3) {
        const at = 1 + Math.floor(rand() * (b.length - 1));
        bytes = cat(b.subarray(0, at), [0x80 + Math.floor(rand() * 0x80)], b.subarray(at));
      } else if (kind === 4) {
        const at = 1 + Math.floor(rand() * (b.length - 1));
        bytes = cat(b.subarray(0, at), [0], b.subarray(at));
      }
      const whole = outcome(() => decodeText(bytes, 'f.txt').text);
      const ref = referenceBadOffset(bytes);
      const nul = bytes.indexOf(0);
      if (nul >= 0) expect(whole.error).toBe(`f.txt: binary file (NUL byte at offset ${nul})`);
      else if (ref < 0) expect(whole.text).toBe(new TextDecoder().decode(bytes));
      else expect(whole.error).toMatch(new RegExp(`^f\\.txt: invalid UTF-8 at byte ${ref} \\(0x`));
      tally[nul >= 0 ? 'binary' : ref >= 0 ? 'invalid' : 'valid']++;
      expect(streamed(bytes, () => 1)).toEqual(whole);
      expect(streamed(bytes, () => Math.floor(rand() * 7))).toEqual(whole);
    }
    expect(tally.valid).toBeGreaterThan(60);
    expect(tally.invalid).toBeGreaterThan(150);
    expect(tally.binary).toBe(80);
  });

  it('gives the same hint whatever the chunking, for an error far into a big input', () => {
    const s = 'The café was closed, “as usual”, they said.\n'.repeat(1500);
    const b = cat(utf8('plain ascii line\n'.repeat(1000)), new Uint8Array(iconv.encode(s, 'windows-1252')));
    const whole = outcome(() => decodeText(b, 'f.txt').text);
    expect(whole.error).toMatch(/^f\.txt: invalid UTF-8 at byte 17007 \(0xE9\); it looks like windows-1252/);
    expect(streamed(b, () => 1)).toEqual(whole);
    expect(streamed(b, () => 4096 + 7)).toEqual(whole);
  });

  it('decodes UTF-16 LE/BE with astral characters split at any byte', () => {
    const rand = rng(7);
    for (let trial = 0; trial < 60; trial++) {
      const s = randomText(rand, 1 + Math.floor(rand() * 40));
      for (const be of [false, true]) {
        const b = cat(be ? [0xfe, 0xff] : [0xff, 0xfe], utf16(s, be));
        expect(streamed(b, () => 1)).toEqual({ text: s });
        expect(streamed(b, () => Math.floor(rand() * 5))).toEqual({ text: s });
      }
    }
  });

  it('reports a NUL split away from the head by 1-byte chunks at its absolute offset', () => {
    const b = cat(utf8('x'.repeat(7999)), [0]);
    expect(streamed(b, () => 1).error).toBe('f.txt: binary file (NUL byte at offset 7999)');
  });

  it('keeps throwing after an error', () => {
    const d = new StreamingTextDecoder('f.txt');
    expect(() => {
      d.push(new Uint8Array([0x41, 0xff]));
      d.end();
    }).toThrow('invalid UTF-8 at byte 1 (0xFF)');
    expect(() => d.push(new Uint8Array([0x41]))).toThrow('invalid UTF-8 at byte 1');
  });
});
