// `seqlab doctor`: what this machine offers — backends and GPU, the data
// folder, the built-in corpora. `npm start` shows it when no desktop app runs.
import os from 'node:os';
import type { Command } from 'commander';
import pc from 'picocolors';
import * as tf from '@tensorflow/tfjs';
import { detectBackends } from '../../engine/backends.ts';
import { FUSED_BACKENDS, installFusedKernels } from '../../engine/fused/install-fused.ts';
import { fusedKernelsFor } from '../../ml/engine/kernel-registry.ts';
import { BUILTIN_DATASETS } from '../../services/datasets.ts';
import type { CliContext } from '../context.ts';

export async function systemReport(c: CliContext) {
  const backends = await detectBackends();
  const history = c.history;
  return {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
    tfjs: tf.version.tfjs,
    backends,
    fusedKernels: { ...installFusedKernels(), backends: FUSED_BACKENDS, kernels: fusedKernelsFor(FUSED_BACKENDS[0]) },
    auto: backends.find((b) => b.available)?.name ?? null,
    dataDir: c.dataDir,
    history: history.path,
    datasets: history.listDatasets().length,
    runs: history.listRuns().length,
    builtinCorpora: BUILTIN_DATASETS,
  };
}

export function registerDoctor(program: Command, ctx: () => CliContext): void {
  program
    .command('doctor')
    .description('system check: backends and GPU, data folder, built-in corpora')
    .action(async () => {
      const c = ctx();
      const r = await systemReport(c);
      if (c.json) return c.emit(r);
      c.say(pc.bold('Sequence Lab system check'));
      c.say(`node ${r.node} on ${r.platform}; TensorFlow.js ${r.tfjs}`);
      c.say(pc.bold('\nbackends (auto takes the first available)'));
      for (const b of r.backends) c.say(`  ${b.available ? pc.green('yes') : pc.dim('no ')} ${b.name.padEnd(10)} ${b.available ? b.device : pc.dim(b.reason ?? '')}`);
      c.say(`  auto -> ${r.auto}`);
      const f = r.fusedKernels;
      c.say(pc.bold('\nfused CPU kernels (native, for wasm and cpu)'));
      c.say(f.active ? `  ${pc.green('yes')} ${f.threads} threads: ${f.kernels.join(', ')}` : `  ${pc.dim('no ')} ${f.reason}; the stock TF.js kernels run (same results, slower)`);
      c.say(pc.bold('\ndata'));
      c.say(`  folder   ${r.dataDir}  (set with --data-dir or SEQLAB_HOME)`);
      c.say(`  history  ${r.history}: ${r.datasets} dataset(s), ${r.runs} run(s)`);
      c.say(pc.bold('\nbuilt-in corpora (no download needed)'));
      for (const b of r.builtinCorpora) c.say(`  ${b.name.padEnd(10)} ${b.description}`);
    });
}
