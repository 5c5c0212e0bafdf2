// Tests for core/ml/text/vocab.ts: char/word tokenisation, caps with <unk>, <eos>, deterministic
// order, streaming with chunk boundaries inside words, \r\n and surrogate pairs, entropy.
import { describe, it, expect } from 'vitest';
import { Tokenizer, VocabularyBuilder, unigramEntropyBits, UNK, EOS } from '../../core/ml/text/vocab.ts';
import type { TextLevel } from '../../core/ml/data/dataset-types.ts';

function vocabOf(level: TextLevel, text: string, maxSize = 65535) {
  const b = new VocabularyBuilder(level);
  b.add(text);
  return b.build({ maxSize });
}

/** Encodes `text` pushed in random pieces. */
function encodeChunked(tok: Tokenizer, text: string, rand: () => number): number[] {
  const s = tok.encodeStream();
  const out: number[] = [];
  for (let i = 0; i < text.length;) {
    const n = Math.floor(rand() * 5);
    out.push(...s.push(text.slice(i, i + n)));
    i += n;
  }
  out.push(...s.end());
  return out;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a * 1664525 + 1013904223) >>> 0;
    return a / 4294967296;
  };
}

describe('char level', () => {
  it('treats one code point as one symbol and normalises \\r\\n', () => {
    const v = vocabOf('char', 'a😀b\r\nc\r');
    expect(v.unknownId).toBe(-1);
    expect([...v.symbols].sort()).toEqual(['\n', '\r', 'a', 'b', 'c', '😀'].sort());
    const tok = new Tokenizer(v);
    const ids = tok.encode('a😀b\r\nc\r');
    expect(ids.length).toBe(6);
    expect(tok.decode(ids)).toBe('a😀b\nc\r');
  });

  it('orders by count then code point, and is deterministic', () => {
    const v = vocabOf('char', 'bbbaaacd');
    expect(v.symbols).toEqual(['a', 'b', 'c', 'd']);
    expect(vocabOf('char', 'dcaaabbb')).toEqual(v);
  });

  it('caps the vocabulary with <unk> and maps the rest to it', () => {
    const v = vocabOf('char', 'aaaabbbccd', 3);
    expect(v).toEqual({ level: 'char', symbols: [UNK, 'a', 'b'], unknownId: 0 });
    expect([...new Tokenizer(v).encode('abcdz')]).toEqual([1, 2, 0, 0, 0]);
  });

  it('throws on an unknown symbol when the vocabulary has no <unk>', () => {
    expect(() => new Tokenizer(vocabOf('char', 'ab')).encode('abc')).toThrow(/not in the vocabulary/);
  });

  it('streams with chunks splitting \\r\\n and surrogate pairs', () => {
    const text = 'x\r\ny😀z\r\n\r\n🎉\rq'.repeat(20);
    const tok = new Tokenizer(vocabOf('char', text));
    const rand = rng(1);
    for (let t = 0; t < 50; t++) expect(encodeChunked(tok, text, rand)).toEqual([...tok.encode(text)]);
  });
});

describe('word level', () => {
  it('splits on whitespace, ends every line with <eos>, empty lines too', () => {
    const v = vocabOf('word', 'the cat\n\nthe  dog\r\nthe');
    expect(v.symbols.slice(0, 3)).toEqual([UNK, EOS, 'the']);
    const tok = new Tokenizer(v);
    const ids = tok.encode('the cat\n\nthe  dog\r\nthe');
    expect([...ids].map((i) => v.symbols[i])).toEqual(['the', 'cat', EOS, EOS, 'the', 'dog', EOS, 'the', EOS]);
    expect(tok.decode(ids)).toBe('the cat\n\nthe dog\nthe\n');
  });

  it('caps with <unk> (always present) and keeps <eos>', () => {
    const text = 'a a a a b b b c c d\ne f g\n';
    const v = vocabOf('word', text, 4);
    expect(v).toEqual({ level: 'word', symbols: [UNK, EOS, 'a', 'b'], unknownId: 0 });
    const tok = new Tokenizer(v);
    expect(tok.decode(tok.encode(text))).toBe('a a a a b b b <unk> <unk> <unk>\n<unk> <unk> <unk>\n');
    expect(vocabOf('word', 'x y\n').unknownId).toBe(0);
    // a literal <unk> in the text (as in PTB) is the unknown token
    expect([...tok.encode('<unk> a')]).toEqual([0, 2, 1]);
  });

  it('breaks count ties by symbol order', () => {
    expect(vocabOf('word', 'pear apple fig\n').symbols).toEqual([UNK, EOS, 'apple', 'fig', 'pear']);
  });

  it('streams with chunks splitting words and line ends', () => {
    const text = 'alpha beta\r\ngamma  delta\n\n epsilon\tzeta\nend'.repeat(10);
    const tok = new Tokenizer(vocabOf('word', text));
    const rand = rng(2);
    for (let t = 0; t < 50; t++) expect(encodeChunked(tok, text, rand)).toEqual([...tok.encode(text)]);
  });

  it('counts the same streamed or whole', () => {
    const text = 'one two two\nthree three three\n'.repeat(5);
    const whole = new VocabularyBuilder('word');
    whole.add(text);
    const streamed = new VocabularyBuilder('word');
    const s = streamed.addStream();
    for (let i = 0; i < text.length; i += 3) s.push(text.slice(i, i + 3));
    s.end();
    expect(streamed.build({ maxSize: 100 })).toEqual(whole.build({ maxSize: 100 }));
    expect(streamed.tokenCount).toBe(whole.tokenCount);
  });

  it('prunes the rarest words when too many distinct words are counted', () => {
    const b = new VocabularyBuilder('word', 100);
    b.add('common '.repeat(50) + Array.from({ length: 1000 }, (_, i) => `w${i}`).join(' '));
    const v = b.build({ maxSize: 10 });
    expect(v.symbols[2]).toBe('common');
    expect(b.tokenCount).toBe(1051);
  });
});

describe('unigramEntropyBits', () => {
  it('is 2 bits for a uniform 4-symbol text, 0 for one symbol', () => {
    const b = new VocabularyBuilder('char');
    b.add('abcd'.repeat(25));
    const v = b.build({ maxSize: 10 });
    const counts = new Array<number>(v.symbols.length).fill(0);
    for (const id of new Tokenizer(v).encode('abcd'.repeat(25))) counts[id]!++;
    expect(unigramEntropyBits(counts)).toBeCloseTo(2, 12);
    expect(unigramEntropyBits([7, 0])).toBe(0);
    expect(unigramEntropyBits([])).toBe(0);
    expect(unigramEntropyBits([1, 1])).toBeCloseTo(1, 12);
  });
});
