// generateAudio end to end: a WaveNet run on an audio dataset generates codes
// (cached and naive alike under one seed), primed with a clip, stored as a
// 16-bit mono WAV with the run; also through the task worker with progress.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioHandlers } from '../../core/app/audio-handlers.ts';
import type { HandlerContext } from '../../core/app/handler-context.ts';
import { labRequests, type LabEvent } from '../../core/contract/lab-contract.ts';
import { audioTaskOf } from '../../core/datasets/audio.ts';
import { generateAudio, type AudioGenerationSummary } from '../../core/services/audio-generation.ts';
import { History, type DatasetRecord, type RunRecord } from '../../core/storage/history.ts';
import { runTask, type TaskProgress } from '../../core/worker/task-host.ts';
import { audioRun } from '../helpers/audio-run.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

let dir: string;
let history: History;
let dataset: DatasetRecord;
let run: RunRecord;

beforeAll(async () => {
  await useCpuBackend();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-audio-gen-'));
  history = History.open(dir);
  ({ dataset, run } = await audioRun(history, dir));
}, 60_000);

afterAll(() => {
  history.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The fields of a canonical 44-byte PCM WAV header. */
function wavHeader(wav: Uint8Array): {
  riff: string;
  wave: string;
  format: number;
  channels: number;
  rate: number;
  bits: number;
  dataBytes: number;
} {
  const v = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  const text = (at: number) => String.fromCharCode(...wav.subarray(at, at + 4));
  return {
    riff: text(0),
    wave: text(8),
    format: v.getUint16(20, true),
    channels: v.getUint16(22, true),
    rate: v.getUint32(24, true),
    bits: v.getUint16(34, true),
    dataBytes: v.getUint32(40, true),
  };
}

describe('generateAudio', () => {
  it('stores a 16-bit mono WAV of the requested length, primed with a clip', async () => {
    const rate = audioTaskOf(dataset).sampleRate;
    const clip = audioTaskOf(dataset).clips[1]!.name;
    const progress: number[] = [];
    const r = await generateAudio(history, String(run.id), {
      seconds: 0.05,
      temperature: 1,
      seed: 3,
      primeClip: clip,
      onProgress: (done) => progress.push(done),
    });
    expect(r).toMatchObject({
      runId: run.id,
      step: 1,
      sampleRate: rate,
      method: 'cached',
      primeClip: clip,
      samples: Math.round(0.05 * rate),
      seconds: Math.round(0.05 * rate) / rate,
    });
    expect(r.samplesPerSec).toBeGreaterThan(0);
    expect(r.realTimeFactor).toBeCloseTo(r.samplesPerSec / rate, 3);
    expect(progress.at(-1)).toBe(r.samples);
    const stored = history.getAudioSample(r.id)!;
    expect(wavHeader(stored.wav)).toEqual({ riff: 'RIFF', wave: 'WAVE', format: 1, channels: 1, rate, bits: 16, dataBytes: 2 * r.samples });
    expect(stored.bytes).toBe(stored.wav.byteLength);
    expect(history.listAudioSamples(run.id).map((s) => s.id)).toContain(r.id);
  });

  it('gives the same sound by the cached and the naive method under one seed', async () => {
    const a = await generateAudio(history, String(run.id), { seconds: 0.005, temperature: 1, seed: 8, primeClip: '0', method: 'cached' });
    const b = await generateAudio(history, String(run.id), { seconds: 0.005, temperature: 1, seed: 8, primeClip: '0', method: 'naive' });
    expect(b.method).toBe('naive');
    expect(Buffer.from(history.getAudioSample(a.id)!.wav).equals(Buffer.from(history.getAudioSample(b.id)!.wav))).toBe(true);
  });

  it('refuses an unknown clip and out-of-range seconds, naming the field', async () => {
    await expect(
      generateAudio(history, String(run.id), { seconds: 0.01, temperature: 1, seed: 1, primeClip: 'no-such-clip' }),
    ).rejects.toThrow(/primeClip: .*no clip "no-such-clip"/);
    await expect(generateAudio(history, String(run.id), { seconds: 0, temperature: 1, seed: 1 })).rejects.toThrow(/seconds:/);
  });

  it('runs in the task worker, reporting progress', async () => {
    const seen: TaskProgress[] = [];
    const r = await runTask<AudioGenerationSummary>(
      { kind: 'generateAudio', dataDir: dir, runRef: String(run.id), args: { seconds: 0.02, temperature: 0, seed: 1 } },
      undefined,
      (p) => seen.push(p),
    );
    expect(r.samples).toBe(Math.round(0.02 * audioTaskOf(dataset).sampleRate));
    expect(seen.at(-1)).toEqual({ done: r.samples, total: r.samples });
  }, 60_000);

  it('audio samples go with their run', async () => {
    const other = await audioRun(history, dir);
    const r = await generateAudio(history, String(other.run.id), { seconds: 0.01, temperature: 1, seed: 1 });
    expect(history.deleteRun(other.run.id)).toBe(true);
    expect(history.getAudioSample(r.id)).toBeUndefined();
  });

  it('through the contract handlers: progress and sample events, results the schemas accept', async () => {
    const events: LabEvent[] = [];
    const ctx = { dataDir: dir, history, mode: 'browser', emit: (e: LabEvent) => events.push(e) } as unknown as HandlerContext;
    const args = labRequests.generateAudio.args.parse({ id: run.id, seconds: 0.02, primeClip: '2' });
    const r = labRequests.generateAudio.result.parse(await audioHandlers.generateAudio(ctx, args));
    expect(r).toMatchObject({ runId: run.id, samples: 320, method: 'cached' });
    expect(events.at(-1)).toMatchObject({ type: 'run.audioSample', runId: run.id, sample: { id: r.id } });
    expect(events.filter((e) => e.type === 'audio.progress').at(-1)).toEqual({
      type: 'audio.progress',
      runId: run.id,
      done: 320,
      total: 320,
    });
    const list = labRequests.listAudioSamples.result.parse(await audioHandlers.listAudioSamples(ctx, { id: run.id }));
    expect(list.map((s) => s.id)).toContain(r.id);
    const one = labRequests.getAudioSample.result.parse(await audioHandlers.getAudioSample(ctx, { id: r.id }));
    expect(Buffer.from(one.wavBase64, 'base64').subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(() => audioHandlers.getAudioSample(ctx, { id: 99999 })).toThrow(/id: no audio sample 99999/);
  }, 60_000);
});
