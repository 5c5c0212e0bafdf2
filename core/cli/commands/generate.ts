// `seqlab generate <run>`: audio from an audio run's latest checkpoint, through
// LabService's generateAudio (the app's request: made in a task worker, stored
// with the run), with a progress bar from its events, written to a WAV file.
// Prints the real-time factor.
import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import pc from 'picocolors';
import { GENERATION_METHODS, type GenerationMethod } from '../../ml/generate/generate-codes.ts';
import type { CliContext } from '../context.ts';
import { withLabService } from '../lab-request.ts';
import { choiceOption, intOption, numberOption } from '../options.ts';

interface GenerateFlags {
  seconds: number;
  temperature: number;
  prime?: string;
  out?: string;
  method?: GenerationMethod;
  seed: number;
}

/** Default output file: <run name or run-id>-audio-<sample id>.wav, in the working folder. */
function defaultOut(runName: string | null, runId: number, sampleId: number): string {
  const base = (runName ?? '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || `run-${runId}`;
  return path.resolve(`${base}-audio-${sampleId}.wav`);
}

export function registerGenerate(program: Command, ctx: () => CliContext): void {
  program
    .command('generate <run>')
    .description("generate audio from an audio run's latest checkpoint; writes a 16-bit WAV and keeps it with the run")
    .requiredOption('--seconds <s>', 'seconds of audio to generate', numberOption('--seconds'))
    .option('--temperature <t>', 'softmax temperature, 0 = most likely code', numberOption('--temperature'), 1)
    .option('--prime <clip>', 'continue the start of this dataset clip (name or index)')
    .option('--out <file>', 'WAV file to write (default: <run>-audio-<id>.wav here)')
    .option(
      '--method <m>',
      `WaveNet generation: ${GENERATION_METHODS.join(' (queues, default) or ')} (reference)`,
      choiceOption('--method', GENERATION_METHODS),
    )
    .option('--seed <n>', 'random seed', intOption('--seed'), 1)
    .action(async (ref: string, f: GenerateFlags) => {
      const c = ctx();
      const run = c.history.resolveRun(ref);
      const tty = process.stderr.isTTY && !c.json;
      const bar = tty
        ? new cliProgress.SingleBar(
            { format: `${pc.cyan('{bar}')} {percentage}% | {value}/{total} samples | ETA {eta_formatted}`, hideCursor: true },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      const { r, wav } = await withLabService(c, async (ask, service) => {
        let started = false;
        // The service reports the task worker's progress as `audio.progress` events, as it does to the app.
        const unsubscribe = service.subscribe((e) => {
          if (!bar || e.type !== 'audio.progress' || e.runId !== run.id) return;
          if (!started) bar.start(e.total, 0);
          started = true;
          bar.update(e.done);
        });
        try {
          const r = await ask('generateAudio', {
            id: run.id,
            seconds: f.seconds,
            temperature: f.temperature,
            seed: f.seed,
            ...(f.prime !== undefined ? { primeClip: f.prime } : {}),
            ...(f.method ? { method: f.method } : {}),
          });
          return { r, wav: Buffer.from((await ask('getAudioSample', { id: r.id })).wavBase64, 'base64') };
        } finally {
          unsubscribe();
          bar?.stop();
        }
      });
      const out = f.out ? path.resolve(f.out) : defaultOut(run.name, run.id, r.id);
      fs.writeFileSync(out, wav);
      if (c.json) return c.emit({ ...r, out });
      c.say(
        `${r.seconds.toFixed(2)} s at ${r.sampleRate} Hz (${r.method}${r.primeClip ? `, primed with ${r.primeClip}` : ''}) in ${r.elapsedSeconds.toFixed(2)} s: ${Math.round(r.samplesPerSec).toLocaleString('en')} samples/s, real-time factor ${r.realTimeFactor.toFixed(2)}`,
      );
      c.say(`wrote ${out} (audio sample ${r.id} of run ${run.id})`);
    });
}
