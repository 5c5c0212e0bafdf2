// `seqlab sample <run>` and `seqlab export <run>`.
import type { Command } from 'commander';
import pc from 'picocolors';
import { activateBackend, activateLocalBackend } from '../../engine/backends.ts';
import { EXPORT_FORMATS, exportRun } from '../../services/exports.ts';
import { sampleRun } from '../../services/sampling.ts';
import type { CliContext } from '../context.ts';
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
      await activateBackend('cpu');
      const r = await exportRun(c.history, ref, f.format, f.out);
      if (c.json) return c.emit(r);
      c.say(`exported to ${r.outDir}: ${r.files.join(', ')} (sha256 ${r.sha256.slice(0, 16)})`);
    });
}
