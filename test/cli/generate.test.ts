// `seqlab generate`: a tiny WaveNet run on an audio dataset → a WAV file at
// --out, the same sound stored with the run, the real-time factor printed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { History } from '../../core/storage/history.ts';
import { audioRun } from '../helpers/audio-run.ts';
import { jsonLines, seqlab, tempHome } from '../helpers/cli.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

let home: string;
let runId: number;

beforeAll(async () => {
  await useCpuBackend();
  home = tempHome();
  const history = History.open(home);
  try {
    runId = (await audioRun(history, home)).run.id;
  } finally {
    history.close();
  }
}, 60_000);

afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('seqlab generate', () => {
  it('writes the WAV to --out and stores it with the run', () => {
    const out = path.join(home, 'out.wav');
    const r = seqlab(home, ['generate', String(runId), '--seconds', '0.05', '--prime', '0', '--out', out, '--seed', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/real-time factor \d/);
    const wav = fs.readFileSync(out);
    expect(wav.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(wav.readUInt32LE(40)).toBe(2 * 800); // 0.05 s at 16 kHz, 16-bit
    const history = History.open(home);
    try {
      const stored = history.listAudioSamples(runId);
      expect(stored).toHaveLength(1);
      expect(Buffer.from(history.getAudioSample(stored[0]!.id)!.wav).equals(wav)).toBe(true);
    } finally {
      history.close();
    }
  }, 60_000);

  it('--json reports the summary', () => {
    const r = seqlab(home, [
      '--json',
      'generate',
      String(runId),
      '--seconds',
      '0.01',
      '--method',
      'naive',
      '--out',
      path.join(home, 'b.wav'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ runId, method: 'naive', samples: 160, sampleRate: 16000 });
  }, 60_000);

  it('training on audio with sampleEvery stores audio samples and announces them', () => {
    const set = [
      'embedSize=4',
      'residualChannels=4',
      'dilationChannels=4',
      'skipChannels=4',
      'stacks=1',
      'layersPerStack=2',
      'sampleEvery=2',
      'sampleSeconds=0.01',
      'validTokens=256',
    ].flatMap((kv) => ['--set', kv]);
    const r = seqlab(home, [
      '--json',
      'train',
      '--dataset',
      'melodies',
      '--model',
      'wavenet',
      '--steps',
      '2',
      '--batch',
      '2',
      '--seq-len',
      '16',
      '--backend',
      'cpu',
      ...set,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const events = jsonLines(r.stdout).filter((e) => e['type'] === 'audioSample');
    expect(events).toHaveLength(1);
    expect(events[0]!['sample']).toMatchObject({ step: 2, seconds: 0.01, sampleRate: 16000, method: 'cached' });
  }, 60_000);
});
