// A ~210 MB file imported by streaming: process memory stays bounded and the token count is right.
// Slow by nature (a few seconds on a fast machine), so it has its own generous timeout.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importTextCorpus } from '../../core/data/text-import.ts';
import { openTokenFile } from '../../core/data/token-file.ts';
import { Tokenizer } from '../../core/ml/text/vocab.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('large streamed import', () => {
  it('imports a 210 MB file with bounded memory and the right token count', async () => {
    // One line block of ~1 MB whose byte length is not a multiple of the 1 MiB read chunk, with
    // 2-, 3- and 4-byte characters, so multi-byte characters straddle chunk boundaries.
    const line = 'The quick brown fox — jumps over the lazy dog; Grüße, 東京, 😀!\r\n';
    const block = line.repeat(Math.ceil(1_000_003 / Buffer.byteLength(line)));
    const blockBytes = Buffer.from(block, 'utf8');
    const reps = Math.ceil(210e6 / blockBytes.length);
    const file = path.join(dir, 'big.txt');
    const fd = fs.openSync(file, 'w');
    for (let i = 0; i < reps; i++) fs.writeSync(fd, blockBytes);
    fs.closeSync(fd);
    const size = fs.statSync(file).size;
    expect(size).toBeGreaterThan(209e6);

    const cpPerBlock = [...block.replaceAll('\r\n', '\n')].length;
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    const c = await importTextCorpus({
      paths: [file],
      outDir: out,
      level: 'char',
      onProgress: () => {
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    peak = Math.max(peak, process.memoryUsage().rss);

    expect(c.stats.tokens).toBe(reps * cpPerBlock);
    expect(c.stats.sourceBytes).toBe(size);
    expect(c.stats.unknownTokens).toBe(0);
    expect(peak - rss0).toBeLessThan(300 * 1024 * 1024);

    const f = openTokenFile(c.tokenFile);
    expect(f.inMemory).toBe(false);
    expect(f.length).toBe(c.stats.tokens);
    const tok = new Tokenizer(c.vocab);
    const lineNorm = line.replace('\r\n', '\n');
    const lineCps = [...lineNorm].length;
    // the last line of the file, read from a window at the very end
    expect(tok.decode(f.read(f.length - lineCps, lineCps))).toBe(lineNorm);
    expect(tok.decode(f.read(0, lineCps))).toBe(lineNorm);
    f.close();
  }, 180_000);
});
