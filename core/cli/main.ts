// The `seqlab` command line: parses arguments, runs one command, and turns
// any error into one line on stderr and a non-zero exit code.
import { Command, CommanderError } from 'commander';
import * as tf from '@tensorflow/tfjs';
import pc from 'picocolors';
import { registerBench } from './commands/bench.ts';
import { registerDatasets } from './commands/datasets.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerExperiment } from './commands/experiment.ts';
import { registerGenerate } from './commands/generate.ts';
import { registerRuns } from './commands/runs.ts';
import { registerSampleExport } from './commands/sample-export.ts';
import { registerServe } from './commands/serve.ts';
import { registerSweep } from './commands/sweep.ts';
import { registerTrain } from './commands/train.ts';
import { CliContext, type GlobalOptions } from './context.ts';
import { DISK_FULL_NOTE, isDiskFull } from '../storage/open-read-only.ts';
import { errorForCli } from './flag-words.ts';

tf.env().set('PROD', true); // silences TF.js's console advice about tfjs-node

export function buildProgram(): { program: Command; context: () => CliContext } {
  const program = new Command();
  let context: CliContext | undefined;
  const ctx = () => (context ??= new CliContext(program.opts<GlobalOptions>()));
  program
    .name('seqlab')
    .description('Sequence Lab: when does a sequence model need to be recurrent?')
    .option('--data-dir <dir>', 'data folder (default: SEQLAB_HOME or the OS application-data folder)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError(false)
    .exitOverride();
  registerDatasets(program, ctx);
  registerTrain(program, ctx);
  registerRuns(program, ctx);
  registerExperiment(program, ctx);
  registerSweep(program, ctx);
  registerSampleExport(program, ctx);
  registerGenerate(program, ctx);
  registerBench(program, ctx);
  registerDoctor(program, ctx);
  registerServe(program, ctx);
  return { program, context: () => ctx() };
}

export async function main(argv: string[]): Promise<number> {
  const { program, context } = buildProgram();
  try {
    // Bookkeeping in this thread (parameter counts, sampling set-up) runs on the
    // plain cpu backend; importing another backend later must not leave TF.js
    // pointing at an uninitialised one. Training picks its own in the worker.
    await tf.setBackend('cpu');
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit "successfully" through this path
      return e.exitCode;
    }
    // A write refused for lack of space: say why writes stopped and what still works.
    const full = isDiskFull(e) && !(e as Error).message.includes('read-only') ? `: ${DISK_FULL_NOTE}` : '';
    process.stderr.write(`${pc.red('seqlab:')} ${errorForCli(e)}${full}\n`);
    return 1;
  } finally {
    try {
      context().close();
    } catch {
      // the context may never have been created (bad arguments)
    }
  }
}
