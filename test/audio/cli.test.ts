// `seqlab datasets import` of audio end to end in a child process: --rate and
// --trim-silence reach the import, and a bad --rate is refused naming the
// flag. Uses a hand-built WAV (no tools needed).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLines, seqlab, tempHome } from '../helpers/cli.ts';
import { cleanup, pcm16Sine, wavBytes } from './fixtures.ts';

afterAll(cleanup);

describe('seqlab datasets import (audio)', () => {
  const home = tempHome();
  const file = path.join(home, 'tone.wav');
  // 0.5 s of silence, 1 s of tone, 0.5 s of silence at 16 kHz.
  const data = Buffer.concat([Buffer.alloc(16000), pcm16Sine(16000, 440, 16000), Buffer.alloc(16000)]);
  fs.writeFileSync(file, wavBytes({ data }));

  it('imports at --rate 8000 with --trim-silence', () => {
    const r = seqlab(home, ['--json', 'datasets', 'import', file, '--rate', '8000', '--trim-silence', '-40']);
    expect(r.code, r.stderr).toBe(0);
    const [d] = jsonLines(r.stdout);
    expect(d).toMatchObject({
      name: 'tone',
      kind: 'audio',
      level: null,
      vocabSize: 256,
      lossUnit: 'nats',
      audio: { sampleRate: 8000, clips: 1, originalRates: [16000] },
    });
    expect((d!['audio'] as { seconds: number }).seconds).toBeCloseTo(1, 1);
  });

  it('refuses a rate that is not offered, naming the flag', () => {
    const r = seqlab(home, ['datasets', 'import', file, '--rate', '44100', '--name', 'x']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--rate: 44100 Hz is not offered; use 8000, 16000, 22050/);
  });
});
