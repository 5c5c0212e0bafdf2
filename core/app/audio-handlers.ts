// The audio-generation requests of the contract (generateAudio,
// listAudioSamples, getAudioSample), spread into lab-handlers.ts's table.
// Generation runs in a task worker; its progress becomes `audio.progress`
// events (at most ~10 a second), its stored sample a `run.audioSample` event.
import type { LabParsedArgs, LabResult } from '../contract/lab-contract.ts';
import type { AudioGenerationSummary } from '../services/audio-generation.ts';
import type { AudioSampleRecord } from '../storage/history.ts';
import { runTask } from '../worker/task-host.ts';
import type { HandlerContext } from './handler-context.ts';

type AudioRequest = 'generateAudio' | 'listAudioSamples' | 'getAudioSample';
type Handlers = { [N in AudioRequest]: (ctx: HandlerContext, args: LabParsedArgs<N>) => Promise<LabResult<N>> | LabResult<N> };

/** The contract's view of a stored sample (the record is already that shape; this drops anything extra). */
function audioSummary(s: AudioSampleRecord): LabResult<'listAudioSamples'>[number] {
  return {
    id: s.id,
    runId: s.runId,
    step: s.step,
    temperature: s.temperature,
    seconds: s.seconds,
    sampleRate: s.sampleRate,
    method: s.method,
    primeClip: s.primeClip,
    bytes: s.bytes,
    createdAt: s.createdAt,
  };
}

export const audioHandlers: Handlers = {
  async generateAudio(ctx, { id, seconds, temperature, seed, primeClip, method }) {
    ctx.history.resolveRun(String(id));
    let last = 0;
    const r = await runTask<AudioGenerationSummary>(
      {
        kind: 'generateAudio',
        dataDir: ctx.dataDir,
        runRef: String(id),
        args: { seconds, temperature, seed, ...(primeClip !== undefined ? { primeClip } : {}), ...(method ? { method } : {}) },
      },
      undefined,
      ({ done, total }) => {
        const t = Date.now();
        if (t - last < 100 && done < total) return;
        last = t;
        ctx.emit({ type: 'audio.progress', runId: id, done, total });
      },
    );
    const summary = audioSummary(r);
    ctx.emit({ type: 'run.audioSample', runId: id, sample: summary });
    return {
      ...summary,
      samples: r.samples,
      elapsedSeconds: r.elapsedSeconds,
      samplesPerSec: r.samplesPerSec,
      realTimeFactor: r.realTimeFactor,
    };
  },

  listAudioSamples(ctx, { id }) {
    ctx.history.resolveRun(String(id));
    return ctx.history.listAudioSamples(id).map(audioSummary);
  },

  getAudioSample(ctx, { id }) {
    const s = ctx.history.getAudioSample(id);
    if (!s) throw new Error(`id: no audio sample ${id}`);
    return { ...audioSummary(s), wavBase64: Buffer.from(s.wav).toString('base64') };
  },
};
