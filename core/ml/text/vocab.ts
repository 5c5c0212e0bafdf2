// Tokenisation (char = one code point, word = whitespace-split with <eos> per line) and the
// vocabulary built from symbol counts. Pure: no IO, no decoding of bytes (see decode.ts).
import type { TextLevel, Vocabulary } from '../data/dataset-types.ts';

/** The unknown token (also what a literal "<unk>" word in the text maps to, as in PTB). */
export const UNK = '<unk>';
/** Word level: stands for a line end. */
export const EOS = '<eos>';

const WS = /\s/;
const WS_RUN = /\s+/;

/**
 * Longest word accepted at word level, in UTF-16 code units. Real words and even long URLs stay
 * far below it; text without whitespace (a minified file, a base64 blob, a language written
 * without spaces) would otherwise become one giant "word" held in memory whole, so it is
 * refused as soon as a pending word passes the cap.
 */
export const MAX_WORD_LENGTH = 1000;

/** Word level met a run of non-whitespace longer than `MAX_WORD_LENGTH`; the importer names the file. */
export class WordTooLongError extends Error {
  override name = 'WordTooLongError';
  constructor(readonly excerpt: string) {
    super(
      `a word longer than ${MAX_WORD_LENGTH} characters (the word-level cap), containing ${JSON.stringify(excerpt)}: ` +
        'word level splits on whitespace; import this text at --level char',
    );
  }
}

const refuseLongWord = (w: string): never => {
  throw new WordTooLongError(w.slice(0, 20));
};

/** A push/end pair that takes text in chunks of any size. */
export interface TextStream<T> {
  push(text: string): T;
  end(): T;
}

/**
 * Splits streamed text into pieces that a later chunk cannot change: holds back a trailing `\r`
 * (maybe half of `\r\n`) or high surrogate for char level, the trailing partial word for word level.
 */
class ChunkJoiner {
  private held = '';
  constructor(private readonly level: TextLevel) {}
  push(text: string): string {
    const s = this.held + text;
    let cut = s.length;
    if (this.level === 'char') {
      const last = s.charCodeAt(cut - 1);
      if (last === 13 || (last >= 0xd800 && last <= 0xdbff)) cut--;
    } else {
      // The partial word is held back; beyond the cap it can only end as a refused word, so stop
      // here: memory stays at one chunk plus the cap whatever the length of the run.
      const floor = Math.max(0, s.length - MAX_WORD_LENGTH - 1);
      while (cut > floor && !WS.test(s[cut - 1]!)) cut--;
      if (cut === floor && s.length - cut > MAX_WORD_LENGTH) refuseLongWord(s.slice(cut));
    }
    this.held = s.slice(cut);
    return cut === s.length ? s : s.slice(0, cut);
  }
  end(): string {
    const s = this.held;
    this.held = '';
    return s;
  }
}

/** Calls `fn` with each code point of `s`, skipping the `\r` of every `\r\n`. */
function forEachCodePoint(s: string, fn: (cp: number) => void): void {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c === 13 && i + 1 < n && s.charCodeAt(i + 1) === 10) continue;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    fn(c);
  }
}

/**
 * Word-level splitter state: emits words and EOS per completed line; `end()` closes a last line
 * that has content but no newline (like iterating a file's lines).
 */
function wordSplitter(emit: (w: string) => void): TextStream<void> {
  const joiner = new ChunkJoiner('word');
  let lineOpen = false;
  const run = (s: string): void => {
    const lines = s.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      for (const w of line.split(WS_RUN)) {
        if (w.length > MAX_WORD_LENGTH) refuseLongWord(w);
        if (w) emit(w);
      }
      if (i < lines.length - 1) {
        emit(EOS);
        lineOpen = false;
      } else if (line.length > 0) lineOpen = true;
    }
  };
  return {
    push: (text) => run(joiner.push(text)),
    end: () => {
      run(joiner.end());
      if (lineOpen) emit(EOS);
      lineOpen = false;
    },
  };
}

/** Counts symbols of one level; `build` turns the counts into a capped `Vocabulary`. */
export class VocabularyBuilder {
  /** Tokens counted so far (chars or words incl. <eos>). */
  tokenCount = 0;
  private readonly bmp = new Float64Array(0x10000);
  private readonly astral = new Map<number, number>();
  private readonly words = new Map<string, number>();

  /**
   * @param maxDistinctWords word level: when more distinct words are counted, the rarest are
   * dropped (lossy counting) so memory stays bounded on a vocabulary explosion; dropped words
   * end up as <unk> anyway.
   */
  constructor(
    readonly level: TextLevel,
    private readonly maxDistinctWords = 2_000_000,
  ) {}

  /** Counts a complete text (its end closes the last line). */
  add(text: string): void {
    const s = this.addStream();
    s.push(text);
    s.end();
  }

  /** Counts a text streamed in chunks; a chunk boundary may split a word, a `\r\n` or a pair. */
  addStream(): TextStream<void> {
    if (this.level === 'char') {
      const joiner = new ChunkJoiner('char');
      const count = (s: string): void => {
        forEachCodePoint(s, (cp) => {
          if (cp < 0x10000) this.bmp[cp]!++;
          else this.astral.set(cp, (this.astral.get(cp) ?? 0) + 1);
          this.tokenCount++;
        });
      };
      return { push: (t) => count(joiner.push(t)), end: () => count(joiner.end()) };
    }
    return wordSplitter((w) => {
      this.tokenCount++;
      if (w === UNK) return;
      this.words.set(w, (this.words.get(w) ?? 0) + 1);
      if (this.words.size > this.maxDistinctWords) this.prune();
    });
  }

  /** Drops the rarest words until at most half the limit remain. */
  private prune(): void {
    const hist = new Map<number, number>();
    for (const c of this.words.values()) hist.set(c, (hist.get(c) ?? 0) + 1);
    const levels = [...hist.keys()].sort((a, b) => a - b);
    let left = this.words.size;
    let threshold = 0;
    for (const c of levels) {
      if (left <= this.maxDistinctWords / 2) break;
      left -= hist.get(c)!;
      threshold = c;
    }
    for (const [w, c] of this.words) if (c <= threshold && w !== EOS) this.words.delete(w);
  }

  /**
   * Builds the vocabulary: the most frequent symbols (count descending, ties by symbol order)
   * plus `<unk>` at id 0 when symbols do not all fit, and always for word level (where `<eos>`
   * is always id 1). Char level where everything fits has no `<unk>` (unknownId -1).
   * @param opts.maxSize total size including `<unk>`, integer >= 2.
   */
  build(opts: { maxSize: number }): Vocabulary {
    const { maxSize } = opts;
    if (!Number.isInteger(maxSize) || maxSize < 2) {
      throw new RangeError(`maxSize must be an integer >= 2, got ${maxSize}`);
    }
    if (this.level === 'char') {
      const entries: [number, number][] = [];
      this.bmp.forEach((c, cp) => {
        if (c > 0) entries.push([cp, c]);
      });
      for (const e of this.astral) entries.push(e);
      entries.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      const fits = entries.length <= maxSize;
      const kept = entries.slice(0, fits ? entries.length : maxSize - 1).map(([cp]) => String.fromCodePoint(cp));
      return fits ? { level: 'char', symbols: kept, unknownId: -1 } : { level: 'char', symbols: [UNK, ...kept], unknownId: 0 };
    }
    const entries = [...this.words].filter(([w]) => w !== EOS);
    entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const kept = entries.slice(0, maxSize - 2).map(([w]) => w);
    return { level: 'word', symbols: [UNK, EOS, ...kept], unknownId: 0 };
  }
}

/** Maps text to token ids of a `Vocabulary` and back. */
export class Tokenizer {
  private readonly bmpIds = new Int32Array(0x10000).fill(-1);
  private readonly astralIds = new Map<number, number>();
  private readonly wordIds = new Map<string, number>();
  private readonly eosId: number;

  constructor(readonly vocab: Vocabulary) {
    vocab.symbols.forEach((s, id) => {
      if (id === vocab.unknownId) return;
      if (vocab.level === 'word') this.wordIds.set(s, id);
      else {
        const cp = s.codePointAt(0)!;
        if (cp < 0x10000) this.bmpIds[cp] = id;
        else this.astralIds.set(cp, id);
      }
    });
    if (vocab.unknownId >= 0) this.wordIds.set(UNK, vocab.unknownId);
    this.eosId = vocab.level === 'word' ? (this.wordIds.get(EOS) ?? -1) : -1;
  }

  /** Encodes a complete text; unknown symbols map to `unknownId` (throws when there is none). */
  encode(text: string): Int32Array {
    const s = this.encodeStream();
    const a = s.push(text);
    const b = s.end();
    if (b.length === 0) return a;
    const out = new Int32Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  }

  /** Encodes text streamed in chunks; each call returns the ids of what is complete so far. */
  encodeStream(): TextStream<Int32Array> {
    if (this.vocab.level === 'char') {
      const joiner = new ChunkJoiner('char');
      return { push: (t) => this.encodeChars(joiner.push(t)), end: () => this.encodeChars(joiner.end()) };
    }
    let ids: number[] = [];
    const split = wordSplitter((w) => ids.push(this.wordId(w)));
    const take = (): Int32Array => {
      const out = Int32Array.from(ids);
      ids = [];
      return out;
    };
    return {
      push: (t) => (split.push(t), take()),
      end: () => (split.end(), take()),
    };
  }

  private unknown(sym: string): number {
    if (this.vocab.unknownId < 0) {
      throw new Error(`symbol ${JSON.stringify(sym)} is not in the vocabulary, which has no <unk>`);
    }
    return this.vocab.unknownId;
  }

  private wordId(w: string): number {
    return this.wordIds.get(w) ?? this.unknown(w);
  }

  private encodeChars(s: string): Int32Array {
    const out = new Int32Array(s.length);
    let k = 0;
    forEachCodePoint(s, (cp) => {
      const id = cp < 0x10000 ? this.bmpIds[cp]! : (this.astralIds.get(cp) ?? -1);
      out[k++] = id >= 0 ? id : this.unknown(String.fromCodePoint(cp));
    });
    return k === out.length ? out : out.slice(0, k);
  }

  /** Ids -> text. Word level joins words with spaces and turns `<eos>` into `\n`. */
  decode(ids: ArrayLike<number>): string {
    const { symbols } = this.vocab;
    const parts: string[] = [];
    let lineStart = true;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const sym = symbols[id];
      if (sym === undefined) throw new RangeError(`token id ${id} is outside the vocabulary [0, ${symbols.length})`);
      if (this.vocab.level === 'char') parts.push(sym);
      else if (id === this.eosId) {
        parts.push('\n');
        lineStart = true;
      } else {
        parts.push(lineStart ? sym : ' ' + sym);
        lineStart = false;
      }
    }
    return parts.join('');
  }
}

/**
 * Shannon entropy of a unigram distribution given as counts (zeros ignored).
 * @returns bits per symbol (0 for no counts).
 */
export function unigramEntropyBits(counts: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total <= 0) return 0;
  let h = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0) h -= (c / total) * Math.log2(c / total);
  }
  return h;
}
