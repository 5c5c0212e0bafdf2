// Issue 17, item 8: text the importer cannot take is refused with a way out. UTF-16 without a BOM
// and Latin-1 get an `--encoding` hint (and import correctly with it); a text with no whitespace,
// imported at word level, is refused as soon as a pending word passes the cap, naming the cap,
// having read no more than a chunk or two of a 50 MB file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { importTextCorpus, type ImportProgress } from '../../core/data/text-import.ts';
import { decodeText, StreamingTextDecoder } from '../../core/ml/text/decode.ts';
import { MAX_WORD_LENGTH, Tokenizer, VocabularyBuilder, WordTooLongError } from '../../core/ml/text/vocab.ts';

const dirs: string[] = [];
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-hints-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const ACCENTED = 'The café served crème brûlée to the naïve señor; große Straßen, schöne Grüße.\n'.repeat(8);
const bytes = (s: string, enc: string): Uint8Array => new Uint8Array(iconv.encode(s, enc));

async function refusal(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof Error)) throw new Error(`expected a refusal, got ${String(e)}`);
  return e;
}

describe('encoding hints', () => {
  for (const order of ['le', 'be'] as const) {
    it(`names UTF-16${order.toUpperCase()} without a BOM and the --encoding that imports it`, async () => {
      const b = bytes(ACCENTED, `utf16${order}`);
      expect(() => decodeText(b, 'u.txt')).toThrow(
        new RegExp(
          `^u\\.txt: binary file \\(NUL byte at offset ${order === 'le' ? 1 : 0}\\); it looks like UTF-16${order.toUpperCase()} without a BOM, import again with --encoding utf-16${order}$`,
        ),
      );
      const dir = tmp();
      const file = path.join(dir, 'u.txt');
      fs.writeFileSync(file, b);
      const refused = await refusal(importTextCorpus({ paths: [file], outDir: dir, level: 'char' }));
      expect(refused.message).toContain(`--encoding utf-16${order}`);
      expect(fs.readdirSync(dir)).toEqual(['u.txt']);
      const done = await importTextCorpus({ paths: [file], outDir: dir, level: 'char', encoding: `utf-16${order}` });
      expect(done.stats.tokens).toBe([...ACCENTED].length);
    });
  }

  it('does not call real binary UTF-16: NUL bytes without the every-other-byte pattern get no hint', () => {
    const b = new Uint8Array(400);
    for (let i = 0; i < b.length; i++) b[i] = i % 7 === 0 ? 0 : 0x41 + (i % 26);
    expect(() => decodeText(b, 'bin.dat')).toThrow(/^bin\.dat: binary file \(NUL byte at offset 0\)$/);
  });

  it("names Latin-1 with chardet's confidence when there is enough accented text", () => {
    expect(() => decodeText(bytes(ACCENTED, 'latin1'), 'l.txt')).toThrow(
      /^l\.txt: invalid UTF-8 at byte 7 \(0xE9\); it looks like ISO-8859-1 \(confidence \d+%\), import again with --encoding ISO-8859-1$/,
    );
  });

  it('still hints at Latin-1 for short, mostly ASCII files that chardet cannot place (under 50%), and the hint imports them', () => {
    for (const [s, offset, byte] of [
      ['café\n', 3, 'E9'],
      ['Naïve.\n', 2, 'EF'],
    ] as const) {
      const b = bytes(s, 'latin1');
      const hint = new RegExp(
        `^s\\.txt: invalid UTF-8 at byte ${offset} \\(0x${byte}\\); it may be Latin-1 \\(too few non-ASCII bytes for a sure guess\\), import again with --encoding windows-1252$`,
      );
      expect(() => decodeText(b, 's.txt')).toThrow(hint);
      // The same message whatever the chunking (the streaming decoder gathers the same sample).
      const d = new StreamingTextDecoder('s.txt');
      expect(() => {
        for (const x of b) d.push(new Uint8Array([x]));
        d.end();
      }).toThrow(hint);
      expect(decodeText(b, 's.txt', { encoding: 'windows-1252' }).text).toBe(s);
    }
  });

  it('gives no Latin-1 guess for bytes with control characters', () => {
    expect(() => decodeText(new Uint8Array([0x41, 0x01, 0x02, 0xe9, 0x42, 0x0a]), 'c.txt')).toThrow(
      /^c\.txt: invalid UTF-8 at byte 3 \(0xE9\)$/,
    );
  });
});

describe('the word-level cap on token length', () => {
  const counted = (chunks: string[]): number => {
    const b = new VocabularyBuilder('word');
    const s = b.addStream();
    for (const c of chunks) s.push(c);
    s.end();
    return b.tokenCount;
  };

  it(`accepts a word of exactly ${MAX_WORD_LENGTH} characters and refuses one more, however the text is chunked`, () => {
    const ok = `a ${'x'.repeat(MAX_WORD_LENGTH)} b\n`;
    const long = `a ${'x'.repeat(MAX_WORD_LENGTH + 1)} b\n`;
    for (const size of [1, 7, 999, 1001, 5000]) {
      const chunks = (s: string): string[] =>
        Array.from({ length: Math.ceil(s.length / size) }, (_, i) => s.slice(i * size, (i + 1) * size));
      expect(counted(chunks(ok))).toBe(4); // a, the long word, b, <eos>
      expect(() => counted(chunks(long))).toThrow(WordTooLongError);
    }
    const vocab = new VocabularyBuilder('word');
    vocab.add(ok);
    expect(new Tokenizer(vocab.build({ maxSize: 10 })).encode(ok)).toHaveLength(4);
    expect(() => new Tokenizer(vocab.build({ maxSize: 10 })).encode(long)).toThrow(
      `a word longer than ${MAX_WORD_LENGTH} characters (the word-level cap)`,
    );
  });

  it('refuses a 50 MB text without spaces at word level after reading at most two chunks, naming the file and the cap', async () => {
    const dir = tmp();
    const file = path.join(dir, 'blob.txt');
    const MB = 1 << 20;
    const fd = fs.openSync(file, 'w');
    const block = Buffer.alloc(MB, 'abcdefghij');
    for (let i = 0; i < 50; i++) fs.writeSync(fd, block);
    fs.closeSync(fd);
    const seen: ImportProgress[] = [];
    const e = await refusal(importTextCorpus({ paths: [file], outDir: dir, level: 'word', onProgress: (p) => seen.push(p) }));
    expect(e.name).toBe('TextImportError');
    expect(e.message).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: a word longer than ${MAX_WORD_LENGTH} characters \\(the word-level cap\\), containing "[a-j]{20}": word level splits on whitespace; import this text at --level char$`,
      ),
    );
    // Bounded: the refusal came within the first chunks, not after holding the whole 50 MB.
    expect(seen.at(-1)!.bytesTotal).toBe(50 * MB);
    expect(seen.at(-1)!.bytesDone).toBeLessThanOrEqual(2 * MB);
    expect(fs.readdirSync(dir)).toEqual(['blob.txt']);
  });
});
