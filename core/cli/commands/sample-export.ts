// `seqlab sample <run>` (in this process, through the sampling service the
// app's task worker runs too) and `seqlab export <run>` (through LabService).
import type { Command } from 'commander';
import pc from 'picocolors';
import { activateLocalBackend } from '../../engine/backends.ts';
import { EXPORT_FORMATS } from '../../services/exports.ts';
import { sampleRun } from '../../services/sampling.ts';
import type { CliContext } from '../context.ts';
import { labRequest } from '../lab-request.ts';
import { choiceOption, intOption, numberOption } from '../options.ts';

export function registerSampleExport(program: Command, ctx: () => CliContext): void {
  program
    .command('sample <run>')
    .description("generate text from a run's latest checkpoint")
    .option('--length <n>', 'tokens to generate', intOption('--length'), 300)
    .option('--temperature <t>', 'softmax temperature, 0 = greedy', numberOption('--temperature'), 0.8)
    .option('--top-k <k>', 'sample among the k most likely tokens, 0 = all', intOption('--top-k'), 0)
    .option('--prime <text>', 'text to continue')
    .option('--seed <n>', 'random seed', intOption('--seed'), 1)
    .action(async (ref: string, f: { length: number; temperature: number; topK: number; prime?: string; seed: number }) => {
      const c = ctx();
      await activateLocalBackend();
      const s = await sampleRun(c.history, ref, {
        length: f.length,
        temperature: f.temperature,
        topK: f.topK,
        seed: f.seed,
        ...(f.prime !== undefined ? { prime: f.prime } : {}),
      });
      if (c.json) return c.emit(s);
      c.say(`${pc.dim(s.prime)}${s.text}`);
    });

  program
    .command('export <run>')
    .description('export a trained model')
    .requiredOption('--format <format>', EXPORT_FORMATS.join(', '), choiceOption('--format', EXPORT_FORMATS))
    .requiredOption('--out <dir>', 'output folder (must not exist, or be empty)')
    .action(async (ref: string, f: { format: string; out: string }) => {
      const c = ctx();
      // Through LabService, as the app exports: in a task worker, recorded with the run.
      const r = await labRequest(
        c,
        'exportRun',
        { id: c.history.resolveRun(ref).id, format: f.format, outDir: f.out },
        { keepBackend: true },
      );
      if (c.json) return c.emit(r);
      c.say(`exported to ${r.outDir}: ${r.files.join(', ')} (sha256 ${r.sha256.slice(0, 16)})`);
    });
}
