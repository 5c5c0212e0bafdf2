// Imports text files (or a string) into outDir/tokens.u16 plus vocabulary, stats, splits and a
// fingerprint, in two streaming passes with bounded memory. Node side; decoding and tokenising
// live in core/ml/text.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fsyncDirSync, writeAll } from '../storage/exact-write.ts';
import { createHash, type Hash } from 'node:crypto';
import type { DatasetSplits, DatasetStats, TextLevel, Vocabulary } from '../ml/data/dataset-types.ts';
import { StreamingTextDecoder, TextImportError } from '../ml/text/decode.ts';
import { Tokenizer, VocabularyBuilder, WordTooLongError, unigramEntropyBits, type TextStream } from '../ml/text/vocab.ts';

const READ_CHUNK = 1 << 20;
const MIN_TOKENS = 100;
const MAX_VOCAB = 65535; // ids must fit uint16
const TOKEN_FILE = 'tokens.u16';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** What an import produced; `tokenFile` holds little-endian uint16 ids. */
export interface ImportedCorpus {
  tokenFile: string;
  vocab: Vocabulary;
  stats: DatasetStats;
  splits: DatasetSplits;
  /** sha256 hex over each file's relative name and bytes, the level and maxVocab. */
  fingerprint: string;
  /** Absolute paths of the files read, in import order. */
  files: string[];
  /** Encoding(s) used, e.g. 'utf-8' or 'utf-8, utf-16le'. */
  encoding: string;
}

export type ImportProgress = { phase: 'scan' | 'encode'; bytesDone: number; bytesTotal: number };

export interface TextImportOptions {
  /** Files or folders; a folder means its *.txt files, recursively, sorted by path. */
  paths: string[];
  /** Existing folder that receives tokens.u16. */
  outDir: string;
  level: TextLevel;
  /** Vocabulary cap incl. <unk>: default 10000 (word) or 65535 (char), at most 65535. */
  maxVocab?: number;
  /** Forced source encoding (iconv-lite name); default: UTF-8 / UTF-16 by BOM. */
  encoding?: string;
  onProgress?: (p: ImportProgress) => void;
}

interface SourceFile {
  abs: string;
  /** Name in the fingerprint: path inside the given folder, or the base name of a given file. */
  rel: string;
  size: number;
}

function resolveMaxVocab(level: TextLevel, maxVocab: number | undefined): number {
  const v = maxVocab ?? (level === 'word' ? 10000 : MAX_VOCAB);
  if (!Number.isInteger(v) || v < 2 || v > MAX_VOCAB) {
    throw new TextImportError(`maxVocab must be an integer in [2, ${MAX_VOCAB}], got ${maxVocab}`);
  }
  return v;
}

function listSources(paths: string[]): SourceFile[] {
  const out: SourceFile[] = [];
  const seen = new Set<string>();
  const add = (abs: string, rel: string): void => {
    if (seen.has(abs)) return;
    seen.add(abs);
    out.push({ abs, rel, size: fs.statSync(abs).size });
  };
  for (const p of paths) {
    const abs = path.resolve(p);
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (!st) throw new TextImportError(`${p}: no such file or folder`);
    if (!st.isDirectory()) {
      add(abs, path.basename(abs));
      continue;
    }
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        // Symlinked folders are skipped (cycles); symlinked files count.
        const isFile = e.isFile() || (e.isSymbolicLink() && fs.statSync(full, { throwIfNoEntry: false })?.isFile());
        if (e.isDirectory()) walk(full);
        else if (isFile && e.name.toLowerCase().endsWith('.txt')) found.push(path.relative(abs, full).split(path.sep).join('/'));
      }
    };
    walk(abs);
    if (found.length === 0) throw new TextImportError(`${p}: no .txt files in this folder`);
    found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const rel of found) add(path.join(abs, ...rel.split('/')), rel);
  }
  return out;
}

/**
 * Streams one file through a decoder. Feeds the hash (name, bytes, length) and hands each piece
 * of decoded text to `onText`. Returns the encoding used.
 */
async function streamFile(
  f: SourceFile,
  encoding: string | undefined,
  hash: Hash,
  onBytes: (n: number) => void,
  onText: (t: string) => void | Promise<void>,
): Promise<string> {
  const decoder = new StreamingTextDecoder(f.abs, encoding ? { encoding } : {});
  hash.update(`file\0${f.rel}\0`);
  let n = 0;
  for await (const chunk of fs.createReadStream(f.abs, { highWaterMark: READ_CHUNK })) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    n += bytes.length;
    onBytes(bytes.length);
    const t = decoder.push(bytes);
    if (t) await onText(t);
  }
  hash.update(`\0${n}\0`);
  const t = decoder.end();
  if (t) await onText(t);
  return decoder.encoding;
}

/** Closes the fingerprint; a forced encoding is included since it changes the text decoded. */
const finishHash = (h: Hash, level: TextLevel, maxVocab: number, encoding?: string): string =>
  h.update(`level\0${level}\0maxVocab\0${maxVocab}${encoding ? `\0encoding\0${encoding}` : ''}`).digest('hex');

/** Contiguous 90 / 5 / 5 split by token position. */
export function splitTokens(n: number): DatasetSplits {
  const t = Math.floor(n * 0.9);
  const v = t + Math.floor(n * 0.05);
  return { train: { start: 0, end: t }, valid: { start: t, end: v }, test: { start: v, end: n } };
}

/** Writes token ids to outDir/tokens.u16.tmp, renamed to tokens.u16 only when all went well. */
class TokenWriter {
  readonly tmp: string;
  readonly final: string;
  tokens = 0;
  readonly counts: Float64Array;
  private fh: fsp.FileHandle | null = null;

  constructor(outDir: string, vocabSize: number) {
    this.final = path.join(outDir, TOKEN_FILE);
    this.tmp = this.final + '.tmp';
    this.counts = new Float64Array(vocabSize);
  }
  async open(): Promise<void> {
    this.fh = await fsp.open(this.tmp, 'w');
  }
  async write(ids: Int32Array): Promise<void> {
    if (ids.length === 0) return;
    const u16 = new Uint16Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      this.counts[id]!++;
      u16[i] = LITTLE_ENDIAN ? id : ((id & 0xff) << 8) | (id >> 8);
    }
    this.tokens += ids.length;
    // Every byte or an error: FileHandle.write may write short (disk nearly full).
    await writeAll(this.fh!, new Uint8Array(u16.buffer), this.tmp);
  }
  async commit(): Promise<void> {
    await this.fh!.sync();
    const { size } = await this.fh!.stat();
    if (size !== this.tokens * 2) throw new Error(`could not write ${this.tmp}: it holds ${size} bytes, ${this.tokens * 2} expected`);
    await this.fh!.close();
    this.fh = null;
    await fsp.rename(this.tmp, this.final);
    fsyncDirSync(path.dirname(this.final)); // the rename itself must survive a power cut
  }
  async abort(): Promise<void> {
    await this.fh?.close().catch(() => undefined);
    this.fh = null;
    await fsp.rm(this.tmp, { force: true });
  }
}

/** Runs the writer, deleting the temporary file on any failure. */
async function writeTokens(w: TokenWriter, body: () => Promise<void>): Promise<void> {
  try {
    await w.open();
    await body();
    await w.commit();
  } catch (e) {
    await w.abort();
    throw e;
  }
}

function refuseSmall(name: string, tokens: number): void {
  if (tokens < MIN_TOKENS) {
    throw new TextImportError(`corpus ${name}: only ${tokens} tokens, at least ${MIN_TOKENS} are needed`);
  }
}

function result(
  w: TokenWriter,
  vocab: Vocabulary,
  sourceBytes: number,
  files: string[],
  fingerprint: string,
  encoding: string,
): ImportedCorpus {
  return {
    tokenFile: w.final,
    vocab,
    stats: {
      sourceBytes,
      files: files.length,
      tokens: w.tokens,
      vocabSize: vocab.symbols.length,
      unknownTokens: vocab.unknownId >= 0 ? w.counts[vocab.unknownId]! : 0,
      unigramEntropyBits: unigramEntropyBits(w.counts),
    },
    splits: splitTokens(w.tokens),
    fingerprint,
    files,
    encoding,
  };
}

/**
 * Imports text files: pass 1 decodes and counts symbols, pass 2 encodes to `outDir/tokens.u16`
 * (uint16 LE ids). Reads 1 MiB chunks, so memory stays bounded whatever the file size.
 * Throws `TextImportError` (naming file and byte offset) for a bad file, a bad option, or a corpus
 * under 100 tokens; no token file is left behind then.
 */
export async function importTextCorpus(opts: TextImportOptions): Promise<ImportedCorpus> {
  const { level, encoding, onProgress } = opts;
  const maxVocab = resolveMaxVocab(level, opts.maxVocab);
  const sources = listSources(opts.paths);
  const bytesTotal = sources.reduce((s, f) => s + f.size, 0);
  const name = opts.paths.join(', ');

  let done = 0;
  const progress = (phase: ImportProgress['phase']) => (n: number) => {
    done += n;
    onProgress?.({ phase, bytesDone: done, bytesTotal });
  };

  // Pass 1: decode, count symbols, fingerprint.
  const builder = new VocabularyBuilder(level);
  const hash1 = createHash('sha256');
  const encodings: string[] = [];
  for (const f of sources) {
    const counter = builder.addStream();
    try {
      encodings.push(await streamFile(f, encoding, hash1, progress('scan'), (t) => counter.push(t)));
      counter.end();
    } catch (e) {
      if (e instanceof WordTooLongError) throw new TextImportError(`${f.abs}: ${e.message}`);
      throw e;
    }
  }
  const fingerprint = finishHash(hash1, level, maxVocab, encoding);
  const sourceBytes = done;
  refuseSmall(name, builder.tokenCount);
  const vocab = builder.build({ maxSize: maxVocab });
  const tokenizer = new Tokenizer(vocab);

  // Pass 2: encode to the token file; the hash again proves the files did not change meanwhile.
  done = 0;
  const w = new TokenWriter(opts.outDir, vocab.symbols.length);
  await writeTokens(w, async () => {
    const hash2 = createHash('sha256');
    for (const f of sources) {
      const enc: TextStream<Int32Array> = tokenizer.encodeStream();
      try {
        await streamFile(f, encoding, hash2, progress('encode'), (t) => w.write(enc.push(t)));
        await w.write(enc.end());
      } catch (e) {
        if (e instanceof TextImportError) throw e;
        if (e instanceof Error && /not in the vocabulary/.test(e.message)) {
          throw new TextImportError(`${f.abs}: file changed during import`);
        }
        throw e;
      }
    }
    if (finishHash(hash2, level, maxVocab, encoding) !== fingerprint || w.tokens !== builder.tokenCount) {
      throw new TextImportError(`corpus ${name}: files changed during import`);
    }
  });
  const unique = [...new Set(encodings)].join(', ');
  return result(
    w,
    vocab,
    sourceBytes,
    sources.map((f) => f.abs),
    fingerprint,
    unique,
  );
}

/**
 * Imports an in-memory text (a built-in corpus) to the same output format as `importTextCorpus`;
 * `name` stands for the file name in the fingerprint and in `files`.
 */
export async function importTextString(opts: {
  text: string;
  name: string;
  outDir: string;
  level: TextLevel;
  maxVocab?: number;
}): Promise<ImportedCorpus> {
  const { text, name, level } = opts;
  const maxVocab = resolveMaxVocab(level, opts.maxVocab);
  const bytes = new TextEncoder().encode(text);
  const hash = createHash('sha256').update(`file\0${name}\0`).update(bytes).update(`\0${bytes.length}\0`);
  const fingerprint = finishHash(hash, level, maxVocab);
  const builder = new VocabularyBuilder(level);
  builder.add(text);
  refuseSmall(name, builder.tokenCount);
  const vocab = builder.build({ maxSize: maxVocab });
  const w = new TokenWriter(opts.outDir, vocab.symbols.length);
  await writeTokens(w, () => w.write(new Tokenizer(vocab).encode(text)));
  return result(w, vocab, bytes.length, [name], fingerprint, 'utf-8');
}
