// Tests for core/data/text-import.ts: encodings round-trip to the same tokens, refusals leave no
// token file, folder import order, caps, splits, fingerprints. Fixtures are built in a temp dir.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { importTextCorpus, importTextString, type ImportedCorpus } from '../../core/data/text-import.ts';
import { openTokenFile } from '../../core/data/token-file.ts';
import { Tokenizer, UNK, EOS } from '../../core/ml/text/vocab.ts';
import { TextImportError } from '../../core/ml/text/decode.ts';

const dirs: string[] = [];
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const TEXT = 'Grüße aus Köln 😀 — line one\r\nline two: the quick brown fox\n'.repeat(30);

function write(dir: string, rel: string, data: string | Uint8Array): string {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
  return p;
}
function tokensOf(c: ImportedCorpus): number[] {
  const f = openTokenFile(c.tokenFile);
  try {
    return [...f.read(0, f.length)];
  } finally {
    f.close();
  }
}
async function refusal(p: Promise<unknown>): Promise<TextImportError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TextImportError);
  return e as TextImportError;
}
const leftovers = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.startsWith('tokens'));

describe('importTextCorpus', () => {
  it('imports UTF-8, UTF-8+BOM, UTF-16LE+BOM and UTF-16BE+BOM to the same tokens', async () => {
    const src = tmp();
    const files = {
      u8: Buffer.from(TEXT, 'utf8'),
      bom: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT, 'utf8')]),
      le: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')]),
      be: Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(TEXT, 'utf16le').swap16()]),
    };
    const results: ImportedCorpus[] = [];
    for (const [name, bytes] of Object.entries(files)) {
      const out = tmp();
      results.push(await importTextCorpus({ paths: [write(src, `${name}.txt`, bytes)], outDir: out, level: 'char' }));
    }
    expect(results.map((r) => r.encoding)).toEqual(['utf-8', 'utf-8', 'utf-16le', 'utf-16be']);
    const base = tokensOf(results[0]!);
    expect(new Tokenizer(results[0]!.vocab).decode(base)).toBe(TEXT.replaceAll('\r\n', '\n'));
    for (const r of results) {
      expect(r.vocab).toEqual(results[0]!.vocab);
      expect(tokensOf(r)).toEqual(base);
      expect(r.stats.tokens).toBe(base.length);
    }
    expect(results[0]!.stats).toMatchObject({ sourceBytes: files.u8.length, files: 1, unknownTokens: 0 });
  });

  it('refuses windows-1252 with path, offset and hint, leaving no token file; accepts it when told', async () => {
    const src = tmp();
    const out = tmp();
    const s = 'He said “that’s fine” and left — it wasn’t the first time. The café was closed.\n'.repeat(40);
    const p = write(src, 'legacy.txt', iconv.encode(s, 'windows-1252'));
    const e = await refusal(importTextCorpus({ paths: [p], outDir: out, level: 'word' }));
    expect(e.message).toMatch(
      /legacy\.txt: invalid UTF-8 at byte 8 \(0x93\); it looks like windows-1252 \(confidence \d+%\), import again with --encoding windows-1252/,
    );
    expect(e.message).toContain(p);
    expect(leftovers(out)).toEqual([]);
    const ok = await importTextCorpus({ paths: [p], outDir: out, level: 'word', encoding: 'windows-1252' });
    expect(ok.encoding).toBe('windows-1252');
    expect(new Tokenizer(ok.vocab).decode(tokensOf(ok))).toContain('He said “that’s fine” and left');
    expect(leftovers(out)).toEqual(['tokens.u16']);
  });

  it('refuses binary, empty and invalid files by path and offset, and aborts the whole import', async () => {
    const src = tmp();
    const out = tmp();
    const good = write(src, 'good.txt', TEXT);
    const bin = write(src, 'notes.txt', Buffer.concat([Buffer.from('x'.repeat(123)), Buffer.from([0, 1, 2])]));
    const empty = write(src, 'empty.txt', '');
    expect((await refusal(importTextCorpus({ paths: [good, bin], outDir: out, level: 'char' }))).message).toBe(
      `${bin}: binary file (NUL byte at offset 123)`,
    );
    expect((await refusal(importTextCorpus({ paths: [good, empty], outDir: out, level: 'char' }))).message).toBe(`${empty}: empty file`);
    expect(leftovers(out)).toEqual([]);
  });

  it('reports the offset of a bad byte straddling the 1 MiB read chunks', async () => {
    const src = tmp();
    const out = tmp();
    const at = (1 << 20) - 1; // E2 82 at the end of chunk 1, then 'A' in chunk 2
    const bytes = Buffer.alloc(at + 100, 'a');
    bytes[at] = 0xe2;
    bytes[at + 1] = 0x82;
    const p = write(src, 'bad.txt', bytes);
    const e = await refusal(importTextCorpus({ paths: [p], outDir: out, level: 'char' }));
    expect(e.message).toMatch(new RegExp(`bad\\.txt: invalid UTF-8 at byte ${at} \\(0xE2\\)`));
    expect(e.offset).toBe(at);
    // the same 3-byte character straddling the boundary is fine
    bytes[at + 2] = 0xac;
    const ok = await importTextCorpus({ paths: [write(src, 'ok.txt', bytes)], outDir: out, level: 'char' });
    expect(ok.stats.tokens).toBe(bytes.length - 2);
  });

  it('caps a word vocabulary with <unk> and ends lines with <eos>', async () => {
    const out = tmp();
    const words = Array.from({ length: 300 }, (_, i) => `w${i % 50}`).join(' ');
    const p = write(tmp(), 'w.txt', `${words}\nrare1 rare2 rare3\n\n`);
    const c = await importTextCorpus({ paths: [p], outDir: out, level: 'word', maxVocab: 20 });
    expect(c.vocab.symbols.length).toBe(20);
    expect(c.vocab.symbols.slice(0, 2)).toEqual([UNK, EOS]);
    const toks = tokensOf(c);
    expect(toks.length).toBe(300 + 1 + 3 + 1 + 1);
    expect(toks.slice(-5)).toEqual([0, 0, 0, 1, 1]);
    expect(c.stats.unknownTokens).toBe(toks.filter((t) => t === 0).length);
    expect(c.stats.unknownTokens).toBeGreaterThan(3);
    await expect(importTextCorpus({ paths: [p], outDir: out, level: 'word', maxVocab: 70000 })).rejects.toThrow(
      /maxVocab must be an integer in \[2, 65535\]/,
    );
  });

  it('imports a folder: nested *.txt only, sorted by path', async () => {
    const src = tmp();
    write(src, 'b.txt', 'BBBB\n'.repeat(10));
    write(src, 'a/z.txt', 'ZZZZ\n'.repeat(10));
    write(src, 'a/c.txt', 'CCCC\n'.repeat(10));
    write(src, 'a/skip.md', 'MMMM\n'.repeat(10));
    write(src, 'd.bin', 'DDDD\n');
    const c = await importTextCorpus({ paths: [src], outDir: tmp(), level: 'char' });
    expect(c.files).toEqual(['a/c.txt', 'a/z.txt', 'b.txt'].map((f) => path.join(src, f)));
    expect(new Tokenizer(c.vocab).decode(tokensOf(c))).toBe('CCCC\n'.repeat(10) + 'ZZZZ\n'.repeat(10) + 'BBBB\n'.repeat(10));
    expect(c.stats.files).toBe(3);
    const empty = tmp();
    write(empty, 'x.md', 'no text here');
    await expect(importTextCorpus({ paths: [empty], outDir: tmp(), level: 'char' })).rejects.toThrow(/no \.txt files/);
  });

  it('splits 90/5/5 contiguously, deterministically, covering all tokens', async () => {
    const p = write(tmp(), 's.txt', 'abcdefghij'.repeat(101) + 'x');
    const c1 = await importTextCorpus({ paths: [p], outDir: tmp(), level: 'char' });
    const c2 = await importTextCorpus({ paths: [p], outDir: tmp(), level: 'char' });
    const n = 1011;
    expect(c1.stats.tokens).toBe(n);
    expect(c1.splits).toEqual(c2.splits);
    const { train, valid, test } = c1.splits;
    expect(train.start).toBe(0);
    expect(train.end).toBe(valid.start);
    expect(valid.end).toBe(test.start);
    expect(test.end).toBe(n);
    expect(train.end).toBe(Math.floor(n * 0.9));
    expect(valid.end - valid.start).toBe(Math.floor(n * 0.05));
    expect(tokensOf(c1)).toEqual(tokensOf(c2));
  });

  it('refuses a corpus under 100 tokens, naming it', async () => {
    const p = write(tmp(), 'tiny.txt', 'too short');
    await expect(importTextCorpus({ paths: [p], outDir: tmp(), level: 'char' })).rejects.toThrow(
      /corpus .*tiny\.txt: only 9 tokens, at least 100/,
    );
  });

  it('has a fingerprint that changes with one byte, the level or maxVocab, and not otherwise', async () => {
    const src = tmp();
    const p = write(src, 'f.txt', TEXT);
    const fp = async (o: { level?: 'char' | 'word'; maxVocab?: number } = {}) =>
      (await importTextCorpus({ paths: [p], outDir: tmp(), level: o.level ?? 'char', ...(o.maxVocab ? { maxVocab: o.maxVocab } : {}) }))
        .fingerprint;
    const a = await fp();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await fp()).toBe(a);
    expect(await fp({ level: 'word' })).not.toBe(a);
    expect(await fp({ maxVocab: 1000 })).not.toBe(a);
    const forced = await importTextCorpus({ paths: [p], outDir: tmp(), level: 'char', encoding: 'utf-8' });
    expect(forced.fingerprint).not.toBe(a); // a forced encoding can change the decoded text
    const bytes = fs.readFileSync(p);
    bytes[40] = bytes[40]! ^ 1;
    fs.writeFileSync(p, bytes);
    expect(await fp()).not.toBe(a);
  });

  it('reports progress in both phases up to the total bytes', async () => {
    const p = write(tmp(), 'p.txt', TEXT);
    const seen: string[] = [];
    let last = { bytesDone: 0, bytesTotal: 0 };
    await importTextCorpus({ paths: [p], outDir: tmp(), level: 'char', onProgress: (q) => (seen.push(q.phase), (last = q)) });
    expect(new Set(seen)).toEqual(new Set(['scan', 'encode']));
    expect(last.bytesDone).toBe(last.bytesTotal);
    expect(last.bytesTotal).toBe(Buffer.byteLength(TEXT));
  });
});

describe('importTextString', () => {
  it('writes the same format as a file import', async () => {
    const p = write(tmp(), 'same.txt', TEXT);
    const fromFile = await importTextCorpus({ paths: [p], outDir: tmp(), level: 'word' });
    const fromString = await importTextString({ text: TEXT, name: 'same.txt', outDir: tmp(), level: 'word' });
    expect(fromString.vocab).toEqual(fromFile.vocab);
    expect(tokensOf(fromString)).toEqual(tokensOf(fromFile));
    expect(fromString.stats).toEqual(fromFile.stats);
    expect(fromString.fingerprint).toBe(fromFile.fingerprint);
    await expect(importTextString({ text: 'tiny', name: 'tiny', outDir: tmp(), level: 'char' })).rejects.toThrow(/corpus tiny/);
  });
});
