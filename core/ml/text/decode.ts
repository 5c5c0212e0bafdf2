// Bytes -> text for corpus import: BOM sniffing, strict UTF-8 / UTF-16 checks, refusal of binary
// and empty input, explicit legacy encodings through iconv-lite. Pure: no file IO, callers hand it
// bytes (whole or in chunks); it does not tokenise.
import iconv from 'iconv-lite';
import { analyse } from 'chardet';

/** Git's window: a NUL byte within the first 8000 bytes marks a file as binary. */
const BINARY_SNIFF_BYTES = 8000;
/** Bytes on each side of a bad UTF-8 byte handed to chardet for the encoding hint. */
const HINT_CONTEXT = 16384;

/** A file refused by the importer; the message names the file and, where known, the byte offset. */
export class TextImportError extends Error {
  /** Absolute byte offset of the problem in the file, when there is one. */
  readonly offset: number | undefined;
  /** The encoding the bytes seem to be in, and the problem worded without the flag that sets it (fronts word that). */
  readonly suggestion: EncodingSuggestion | undefined;
  constructor(message: string, offset?: number, suggestion?: EncodingSuggestion) {
    super(message);
    this.name = 'TextImportError';
    this.offset = offset;
    this.suggestion = suggestion;
  }
}

export interface EncodingSuggestion {
  encoding: string;
  /** "a.txt: invalid UTF-8 at byte 8 (0x93); it looks like windows-1252 (confidence 80%)". */
  reason: string;
}

/** A guess at the encoding: `text` continues the error message; `encoding` is what to import with. */
interface Hint {
  text: string;
  encoding?: string;
}

const NO_HINT: Hint = { text: '' };

/** The refusal with its hint: the message as the command line words it, and the suggestion as data. */
function hinted(problem: string, hint: Hint, offset: number): TextImportError {
  if (!hint.encoding) return new TextImportError(`${problem}${hint.text}`, offset);
  return new TextImportError(`${problem}${hint.text}, import again with --encoding ${hint.encoding}`, offset, {
    encoding: hint.encoding,
    reason: `${problem}${hint.text}`,
  });
}

/** Options of the decoders: `encoding` forces an encoding (any name iconv-lite knows, or 'utf-8'). */
export interface DecodeOptions {
  encoding?: string;
}

type Mode = 'utf-8' | 'utf-16le' | 'utf-16be' | 'legacy';

const hex = (n: number, digits: number): string => n.toString(16).toUpperCase().padStart(digits, '0');

/** Concatenates byte arrays, without copying when only one is non-empty. */
function join(parts: Uint8Array[]): Uint8Array {
  const ps = parts.filter((p) => p.length > 0);
  if (ps.length <= 1) return ps[0] ?? new Uint8Array(0);
  const out = new Uint8Array(ps.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of ps) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The last `cap` bytes appended: context before a bad byte for the encoding hint. */
class ByteTail {
  private buf: Uint8Array;
  private len = 0;
  constructor(private readonly cap: number) {
    this.buf = new Uint8Array(cap * 2);
  }
  append(b: Uint8Array): void {
    if (b.length >= this.cap) {
      this.buf.set(b.subarray(b.length - this.cap), 0);
      this.len = this.cap;
      return;
    }
    if (this.len + b.length > this.buf.length) {
      const keep = this.cap - b.length;
      this.buf.copyWithin(0, this.len - keep, this.len);
      this.len = keep;
    }
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  bytes(): Uint8Array {
    return this.buf.slice(Math.max(0, this.len - this.cap), this.len);
  }
}

/**
 * Scans UTF-8 per Unicode table 3-7 (no overlongs, surrogates or > U+10FFFF).
 * Returns `end`, the length of the leading run of complete well-formed sequences, and `bad`, the
 * index of the lead byte of the first ill-formed sequence (-1 when none: bytes from `end` on are
 * then a valid but incomplete prefix that a later chunk may complete).
 */
function scanUtf8(b: Uint8Array): { end: number; bad: number } {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0)
        lo = 0xa0; // overlong below U+0800
      else if (c === 0xed) hi = 0x9f; // surrogates U+D800..DFFF
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0)
        lo = 0x90; // overlong below U+10000
      else if (c === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return { end: i, bad: i };
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return { end: i, bad: -1 };
      const d = b[i + k]!;
      if (d < lo || d > hi) return { end: i, bad: i };
      lo = 0x80;
      hi = 0xbf;
    }
    i += need + 1;
  }
  return { end: n, bad: -1 };
}

/** Share of ASCII bytes from which a sample with some stray high bytes is taken for Latin-1. */
const MOSTLY_ASCII = 0.5;

/**
 * "; it looks like X (confidence N%), ..." when chardet sees a legacy encoding iconv can decode.
 * chardet needs a few hundred accented letters to be sure; a short or mostly English file with a
 * stray "é" scores near 0 for every single-byte encoding. Such text is nearly always Latin-1 or its
 * Windows superset, so it still gets a hint, worded as a guess.
 */
function encodingHint(sample: Uint8Array): Hint {
  let matches: ReturnType<typeof analyse>;
  try {
    matches = analyse(sample);
  } catch {
    return NO_HINT;
  }
  const m = matches.find((x) => x.confidence >= 50 && !/^(utf|ascii|iso-2022)/i.test(x.name) && iconv.encodingExists(x.name));
  if (m) return { text: `; it looks like ${m.name} (confidence ${m.confidence}%)`, encoding: m.name };
  let ascii = 0;
  for (const c of sample) {
    const whitespace = c === 0x09 || c === 0x0a || c === 0x0d;
    if ((c < 0x20 && !whitespace) || c === 0x7f) return NO_HINT; // control bytes: not text in any Latin encoding
    if (c < 0x7f) ascii++;
  }
  return ascii >= MOSTLY_ASCII * sample.length
    ? { text: '; it may be Latin-1 (too few non-ASCII bytes for a sure guess)', encoding: 'windows-1252' }
    : NO_HINT;
}

/**
 * "; it looks like UTF-16LE without a BOM, ..." when NUL bytes sit at every other offset: ASCII-range
 * text in UTF-16 has a zero high byte per character, which chardet (BOM-only for UTF-16) cannot
 * see. Needs a clear majority of one parity and (almost) none of the other.
 */
function utf16Hint(head: Uint8Array): Hint {
  const units = Math.min(head.length, BINARY_SNIFF_BYTES) >> 1;
  if (units < 2) return NO_HINT;
  let even = 0;
  let odd = 0;
  for (let u = 0; u < units; u++) {
    if (head[2 * u] === 0) even++;
    if (head[2 * u + 1] === 0) odd++;
  }
  const order = odd >= units / 2 && even <= units / 50 ? 'le' : even >= units / 2 && odd <= units / 50 ? 'be' : null;
  return order ? { text: `; it looks like UTF-16${order.toUpperCase()} without a BOM`, encoding: `utf-16${order}` } : NO_HINT;
}

/** Node's Buffer when present (iconv-lite's codecs expect one), else the bytes as they are. */
function asBuffer(b: Uint8Array): Buffer {
  const B = (globalThis as { Buffer?: typeof Buffer }).Buffer;
  return (B ? B.from(b.buffer, b.byteOffset, b.byteLength) : b) as Buffer;
}

/**
 * Incremental decoder for one file. Feed it chunks of any size (1 byte is fine); `push` returns the
 * text decoded so far, `end` the rest. Errors are `TextImportError`s naming the file and absolute
 * byte offsets, identical whatever the chunking: the first 8000 bytes are held back until complete
 * so a NUL there (binary) wins over a bad UTF-8 byte, and after a bad UTF-8 byte up to 16 KiB more
 * are gathered before throwing so the chardet hint sees the same sample.
 */
export class StreamingTextDecoder {
  /** Encoding in use once the first bytes are seen: 'utf-8', 'utf-16le', 'utf-16be' or the given name. */
  encoding = '';
  private readonly forced: string | undefined;
  private mode: Mode | null = null;
  private head: Uint8Array[] = [];
  private headLen = 0;
  private bomLen = 0;
  private fed = 0; // absolute offset just after the last byte handed to feed()
  private carry: Uint8Array = new Uint8Array(0);
  private readonly tail = new ByteTail(HINT_CONTEXT);
  private pending: { offset: number; byte: number; before: Uint8Array; after: Uint8Array[]; afterLen: number } | null = null;
  private failed: Error | null = null;
  private ended = false;
  private legacy: ReturnType<typeof iconv.getDecoder> | null = null;
  private readonly utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  private readonly utf16 = new TextDecoder('utf-16le', { ignoreBOM: true });

  /** @param fileName used in error messages. @param opts.encoding forces an encoding. */
  constructor(
    readonly fileName: string,
    opts: DecodeOptions = {},
  ) {
    const enc = opts.encoding?.trim();
    if (enc && !/^utf-?(8|16(le|be)?)$/i.test(enc) && !iconv.encodingExists(enc)) {
      throw new TextImportError(`${fileName}: unknown encoding "${enc}"`);
    }
    this.forced = enc || undefined;
  }

  /** Decodes the next chunk; returns the text that is complete so far (maybe ''). */
  push(chunk: Uint8Array): string {
    if (this.failed) throw this.failed;
    if (this.ended) throw new Error(`${this.fileName}: push() after end()`);
    if (chunk.length === 0) return '';
    try {
      if (this.pending) return this.gatherAfter(chunk);
      if (this.mode === null) {
        this.head.push(chunk.slice());
        this.headLen += chunk.length;
        return this.headLen >= BINARY_SNIFF_BYTES ? this.start() : '';
      }
      return this.feed(chunk);
    } catch (e) {
      this.failed = e as Error;
      throw e;
    }
  }

  /** Flushes the decoder at end of input; throws on truncated input, or an empty file. */
  end(): string {
    if (this.failed) throw this.failed;
    if (this.ended) return '';
    this.ended = true;
    try {
      let text = this.mode === null ? this.start() : '';
      if (this.pending) this.throwPending();
      if (this.fed - this.bomLen === 0) throw new TextImportError(`${this.fileName}: empty file`);
      const off = this.fed - this.carry.length;
      if (this.mode === 'utf-8' && this.carry.length > 0) {
        this.fail(off, this.carry, 0);
        this.throwPending();
      }
      if (this.carry.length > 0) {
        const what = this.carry.length === 1 ? 'odd number of bytes' : 'unpaired surrogate at the end';
        throw new TextImportError(`${this.fileName}: invalid UTF-16 at byte ${off} (${what})`, off);
      }
      if (this.legacy) text += this.legacy.end() ?? '';
      return text;
    } catch (e) {
      this.failed = e as Error;
      throw e;
    }
  }

  /** Picks the encoding from the held-back head, refuses binary, then decodes the head. */
  private start(): string {
    const buf = join(this.head);
    this.head = [];
    const b = (i: number): number => (i < buf.length ? buf[i]! : -1);
    const f = this.forced?.toLowerCase().replace(/[^a-z0-9]/g, '');
    const utf8Bom = b(0) === 0xef && b(1) === 0xbb && b(2) === 0xbf;
    const le = b(0) === 0xff && b(1) === 0xfe;
    const be = b(0) === 0xfe && b(1) === 0xff;
    if (f === undefined) {
      if ((le && b(2) === 0 && b(3) === 0) || (b(0) === 0 && b(1) === 0 && b(2) === 0xfe && b(3) === 0xff)) {
        const name = le ? 'utf-32le' : 'utf-32be';
        throw new TextImportError(`${this.fileName}: UTF-32 text (BOM); import again with --encoding ${name}`, 0);
      }
      this.mode = utf8Bom ? 'utf-8' : le ? 'utf-16le' : be ? 'utf-16be' : 'utf-8';
      this.bomLen = utf8Bom ? 3 : le || be ? 2 : 0;
    } else if (f === 'utf8') {
      this.mode = 'utf-8';
      this.bomLen = utf8Bom ? 3 : 0;
    } else if (f === 'utf16' || f === 'utf16le' || f === 'utf16be' || f === 'ucs2') {
      this.mode = f === 'utf16be' || (f === 'utf16' && be) ? 'utf-16be' : 'utf-16le';
      this.bomLen = (this.mode === 'utf-16le' && le) || (this.mode === 'utf-16be' && be) ? 2 : 0;
    } else {
      this.mode = 'legacy';
      this.legacy = iconv.getDecoder(this.forced!);
    }
    this.encoding = this.mode === 'legacy' ? this.forced! : this.mode;
    this.checkBinary(buf, f !== undefined && /^(utf32|ucs4)/.test(f));
    this.fed = this.bomLen;
    return this.feed(buf.subarray(this.bomLen));
  }

  /** Git's rule: a NUL byte (for UTF-16 a NUL code unit) within the first 8000 bytes means binary. */
  private checkBinary(buf: Uint8Array, skip: boolean): void {
    if (skip) return; // UTF-32 is full of NUL bytes by design
    const lim = Math.min(buf.length, BINARY_SNIFF_BYTES);
    const wide = this.mode === 'utf-16le' || this.mode === 'utf-16be';
    for (let i = this.bomLen; i < lim; i += wide ? 2 : 1) {
      if (buf[i] === 0 && (!wide || buf[i + 1] === 0)) {
        const what = wide ? 'NUL character' : 'NUL byte';
        const hint = this.forced === undefined && !wide ? utf16Hint(buf.subarray(this.bomLen)) : NO_HINT;
        throw hinted(`${this.fileName}: binary file (${what} at offset ${i})`, hint, i);
      }
    }
  }

  private feed(bytes: Uint8Array): string {
    const buf = join([this.carry, bytes]);
    const base = this.fed - this.carry.length;
    this.fed += bytes.length;
    if (this.mode === 'legacy') return this.legacy!.write(asBuffer(bytes));
    if (this.mode === 'utf-8') {
      const { end, bad } = scanUtf8(buf);
      if (bad >= 0) return this.fail(base + bad, buf, bad);
      this.carry = buf.slice(end);
      const done = buf.subarray(0, end);
      this.tail.append(done);
      return this.utf8.decode(done);
    }
    return this.feedUtf16(buf, base);
  }

  private feedUtf16(buf: Uint8Array, base: number): string {
    const le = this.mode === 'utf-16le';
    const units = buf.length >> 1;
    const unit = (u: number): number => (le ? buf[2 * u]! | (buf[2 * u + 1]! << 8) : (buf[2 * u]! << 8) | buf[2 * u + 1]!);
    let out = units;
    for (let u = 0; u < units; u++) {
      const c = unit(u);
      if (c < 0xd800 || c > 0xdfff) continue;
      if (c <= 0xdbff && u + 1 >= units) {
        out = u; // high surrogate at the chunk end: its partner may come next
        break;
      }
      if (c <= 0xdbff) {
        const d = unit(u + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          u++;
          continue;
        }
      }
      const off = base + 2 * u;
      throw new TextImportError(`${this.fileName}: invalid UTF-16 at byte ${off} (unpaired surrogate 0x${hex(c, 4)})`, off);
    }
    this.carry = buf.slice(out * 2);
    let done = buf.subarray(0, out * 2);
    if (!le) {
      done = done.slice();
      for (let i = 0; i < done.length; i += 2) [done[i], done[i + 1]] = [done[i + 1]!, done[i]!];
    }
    return this.utf16.decode(done);
  }

  /** Records a bad UTF-8 byte; the error is thrown once enough following bytes are seen. */
  private fail(offset: number, buf: Uint8Array, at: number): string {
    this.tail.append(buf.subarray(0, at));
    const after = buf.slice(at);
    this.pending = { offset, byte: buf[at]!, before: this.tail.bytes(), after: [after], afterLen: after.length };
    this.carry = new Uint8Array(0);
    if (after.length >= HINT_CONTEXT) this.throwPending();
    return '';
  }

  private gatherAfter(chunk: Uint8Array): string {
    const p = this.pending!;
    p.after.push(chunk.slice(0, HINT_CONTEXT - p.afterLen));
    p.afterLen += chunk.length;
    if (p.afterLen >= HINT_CONTEXT) this.throwPending();
    return '';
  }

  private throwPending(): never {
    const p = this.pending!;
    const after = join(p.after).subarray(0, HINT_CONTEXT);
    throw hinted(
      `${this.fileName}: invalid UTF-8 at byte ${p.offset} (0x${hex(p.byte, 2)})`,
      encodingHint(join([p.before, after])),
      p.offset,
    );
  }
}

/**
 * Decodes a whole file's bytes to text (BOM stripped). Throws `TextImportError` for binary (NUL in
 * the first 8000 bytes), empty, or invalid input, naming `fileName` and the byte offset.
 * @returns the text and the encoding used ('utf-8', 'utf-16le', 'utf-16be' or `opts.encoding`).
 */
export function decodeText(bytes: Uint8Array, fileName: string, opts: DecodeOptions = {}): { text: string; encoding: string } {
  const d = new StreamingTextDecoder(fileName, opts);
  const text = d.push(bytes) + d.end();
  return { text, encoding: d.encoding };
}
