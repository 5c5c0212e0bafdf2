// `seqlab sample <run>` and `seqlab export <run>`: through LabService, as the
// app samples and exports (in a task worker; the sample and the export are
// recorded with the run).
import type { Command } from 'commander';
import pc from 'picocolors';
import { SAMPLE_LIMITS } from '../../contract/request-limits.ts';
import { EXPORT_FORMATS } from '../../services/exports.ts';
import type { CliContext } from '../context.ts';
import { labRequest } from '../lab-request.ts';
import { choiceOption, intOption, numberOption } from '../options.ts';

export function registerSampleExport(program: Command, ctx: () => CliContext): void {
  program
    .command('sample <run>')
    .description("generate text from a run's latest checkpoint")
    .option('--length <n>', `tokens to generate, at most ${SAMPLE_LIMITS.length.max}`, intOption('--length'), 300)
    .option('--temperature <t>', 'softmax temperature, 0 = greedy', numberOption('--temperature'), 0.8)
    .option('--top-k <k>', 'sample among the k most likely tokens, 0 = all', intOption('--top-k'), 0)
    .option('--prime <text>', 'text to continue')
    .option('--seed <n>', 'random seed', intOption('--seed'), 1)
    .action(async (ref: string, f: { length: number; temperature: number; topK: number; prime?: string; seed: number }) => {
      const c = ctx();
      const s = await labRequest(
        c,
        'sample',
        {
          id: c.history.resolveRun(ref).id,
          length: f.length,
          temperature: f.temperature,
          topK: f.topK,
          seed: f.seed,
          ...(f.prime !== undefined ? { prime: f.prime } : {}),
        },
        { keepBackend: true },
      );
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
